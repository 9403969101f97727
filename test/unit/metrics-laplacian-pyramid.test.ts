import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageSet } from '../../src/trainer/metrics/imageSet';
import { laplacianPyramid, pyrDown, pyrUp, reconstructLaplacianPyramid } from '../../src/trainer/metrics/laplacianPyramid';
import { Random } from '../../src/trainer/random';

function randomImages(count: number, size: number, channels: number, seed: number): ImageSet {
  return { data: new Random(seed).uniforms(count * size * size * channels, -1, 1), shape: [count, size, size, channels] };
}

/** scipy.ndimage's "mirror" border: reflect about the edge pixels (d c b | a b c d | c b a), for n >= 3. */
function reflect(i: number, n: number): number {
  return i < 0 ? -i : i >= n ? 2 * n - 2 - i : i;
}

/**
 * Float64 reference: the full 5x5 kernel [1,4,6,4,1]^T[1,4,6,4,1]/256 times gain, applied
 * directly (not as two 1-D passes) to channel c of image n, mirrored borders.
 */
function convolve5x5(images: ImageSet, n: number, c: number, gain: number): number[][] {
  const [, h, w, channels] = images.shape;
  const k = [1, 4, 6, 4, 1];
  const at = (y: number, x: number) => images.data[((n * h + reflect(y, h)) * w + reflect(x, w)) * channels + c]!;
  return Array.from({ length: h }, (_, y) => Array.from({ length: w }, (_, x) => {
    let sum = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) sum += k[dy + 2]! * k[dx + 2]! * at(y + dy, x + dx);
    return (gain * sum) / 256;
  }));
}

const pixel = (images: ImageSet, n: number, y: number, x: number, c: number) =>
  images.data[((n * images.shape[1] + y) * images.shape[2] + x) * images.shape[3] + c]!;

test('pyrDown is the 5x5 Gaussian with mirrored borders, then every other pixel (cv2.pyrDown)', () => {
  const images = randomImages(2, 12, 3, 1);
  const down = pyrDown(images);
  assert.deepEqual(down.shape, [2, 6, 6, 3]);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) {
    const blurred = convolve5x5(images, n, c, 1);
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) {
      assert.ok(Math.abs(pixel(down, n, y, x, c) - blurred[2 * y]![2 * x]!) < 1e-6, `image ${n} (${y}, ${x}, ${c})`);
    }
  }
});

test('pyrUp is zeros between the pixels, then the 5x5 Gaussian times 4 (cv2.pyrUp)', () => {
  const images = randomImages(1, 5, 2, 2);
  const up = pyrUp(images);
  assert.deepEqual(up.shape, [1, 10, 10, 2]);
  const spread: ImageSet = { data: new Float32Array(10 * 10 * 2), shape: [1, 10, 10, 2] };
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let c = 0; c < 2; c++) {
    spread.data[((2 * y) * 10 + 2 * x) * 2 + c] = pixel(images, 0, y, x, c);
  }
  for (let c = 0; c < 2; c++) {
    const expected = convolve5x5(spread, 0, c, 4);
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
      assert.ok(Math.abs(pixel(up, 0, y, x, c) - expected[y]![x]!) < 1e-6, `(${y}, ${x}, ${c})`);
    }
  }
});

test('the Laplacian pyramid reconstructs the image', () => {
  const images = randomImages(3, 64, 3, 3);
  const pyramid = laplacianPyramid(images, 3);
  assert.deepEqual(pyramid.map((level) => level.shape[1]), [64, 32, 16]);
  const back = reconstructLaplacianPyramid(pyramid);
  let worst = 0;
  for (let i = 0; i < images.data.length; i++) worst = Math.max(worst, Math.abs(back.data[i]! - images.data[i]!));
  assert.ok(worst < 1e-5, `largest reconstruction error ${worst}`);
  // One level is the image itself.
  assert.deepEqual(laplacianPyramid(images, 1)[0]!.data, images.data);
});

test('a constant image has no detail: pyrDown keeps it, every band-pass level is zero', () => {
  const images: ImageSet = { data: new Float32Array(32 * 32 * 3).fill(0.37), shape: [1, 32, 32, 3] };
  for (const v of pyrDown(images).data) assert.ok(Math.abs(v - 0.37) < 1e-6);
  const pyramid = laplacianPyramid(images, 3);
  for (const level of pyramid.slice(0, 2)) for (const v of level.data) assert.ok(Math.abs(v) < 1e-6);
  for (const v of pyramid[2]!.data) assert.ok(Math.abs(v - 0.37) < 1e-6);
});

test('sizes that do not halve evenly are refused', () => {
  assert.throws(() => pyrDown(randomImages(1, 7, 3, 4)), /halve/);
});
