import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PackedImageDataset, type ImageDataset } from '../../src/trainer/data/dataset';
import { createToyCarsDataset, renderToyCar, toyCarsFingerprint } from '../../src/trainer/data/toyCars';

function allBytes(ds: ImageDataset): Buffer {
  return Buffer.concat(Array.from({ length: ds.count }, (_, i) => ds.pixels(i)));
}

function digest(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

test('the same seed gives identical bytes, another seed different ones', () => {
  const a = createToyCarsDataset({ count: 32, imgSize: 32, seed: 7 });
  const b = createToyCarsDataset({ count: 32, imgSize: 32, seed: 7 });
  const c = createToyCarsDataset({ count: 32, imgSize: 32, seed: 8 });
  assert.ok(allBytes(a).equals(allBytes(b)));
  for (let i = 0; i < 32; i++) assert.notEqual(digest(a.pixels(i)), digest(c.pixels(i)), `image ${i} is the same under seeds 7 and 8`);
});

test('image i depends on (seed, i) only, not on how many images are made', () => {
  const small = createToyCarsDataset({ count: 5, imgSize: 16, seed: 3 });
  const large = createToyCarsDataset({ count: 40, imgSize: 16, seed: 3 });
  for (let i = 0; i < 5; i++) {
    assert.deepEqual(small.pixels(i), large.pixels(i));
    assert.deepEqual(renderToyCar(3, i, 16), large.pixels(i));
  }
});

test('every image differs from every other', () => {
  const ds = createToyCarsDataset({ count: 256, imgSize: 16, seed: 0 });
  const seen = new Set<string>();
  for (let i = 0; i < ds.count; i++) seen.add(digest(ds.pixels(i)));
  assert.equal(seen.size, ds.count);
});

test('images have real contrast and anti-aliased edges, not flat or two-tone', () => {
  const ds = createToyCarsDataset({ count: 64, imgSize: 32, seed: 1 });
  for (let i = 0; i < ds.count; i++) {
    const px = ds.pixels(i);
    let min = 255;
    let max = 0;
    const colours = new Set<number>();
    for (let o = 0; o < px.length; o += 3) {
      const lum = (px[o]! + px[o + 1]! + px[o + 2]!) / 3;
      min = Math.min(min, lum);
      max = Math.max(max, lum);
      colours.add((px[o]! << 16) | (px[o + 1]! << 8) | px[o + 2]!);
    }
    assert.ok(max - min > 80, `image ${i}: luminance range ${min}..${max} is too flat`);
    assert.ok(colours.size > 40, `image ${i}: only ${colours.size} distinct colours`);
  }
});

test('sizes 16, 32, 64 and 128 give the right shapes, and the same scene at every size', () => {
  const seed = 11;
  const count = 12;
  const bySize = new Map<number, ImageDataset>();
  for (const imgSize of [16, 32, 64, 128]) {
    const ds = createToyCarsDataset({ count, imgSize, seed });
    assert.equal(ds.count, count);
    assert.equal(ds.imgSize, imgSize);
    assert.equal(ds.name, 'toy-cars');
    for (let i = 0; i < count; i++) assert.equal(ds.pixels(i).length, imgSize * imgSize * 3);
    bySize.set(imgSize, ds);
  }
  // A 128 px image box-averaged down to 16 px should be close to the 16 px render: both
  // approximate the same shapes' coverage. Unrelated images differ by far more.
  const downsample = (px: Uint8Array, from: number, to: number) => {
    const k = from / to;
    const out = new Float64Array(to * to * 3);
    for (let y = 0; y < from; y++) for (let x = 0; x < from; x++) for (let c = 0; c < 3; c++) {
      out[(Math.floor(y / k) * to + Math.floor(x / k)) * 3 + c]! += px[(y * from + x) * 3 + c]! / (k * k);
    }
    return out;
  };
  const meanAbs = (a: Float64Array, b: Uint8Array) => a.reduce((s, v, j) => s + Math.abs(v - b[j]!), 0) / a.length;
  for (let i = 0; i < count; i++) {
    const down = downsample(bySize.get(128)!.pixels(i), 128, 16);
    const same = meanAbs(down, bySize.get(16)!.pixels(i));
    const other = meanAbs(down, bySize.get(16)!.pixels((i + 1) % count));
    assert.ok(same < 4, `image ${i}: 16 px render is ${same.toFixed(1)} away from the downsampled 128 px one`);
    assert.ok(other > 3 * same, `image ${i}: a different image is as close (${other.toFixed(1)} vs ${same.toFixed(1)})`);
  }
});

test('cars face both ways: the headlight is on the left in some images, on the right in others', () => {
  // The headlight is the only shape painted exactly (255, 237, 153); at 128 px it has solid interior pixels.
  const size = 128;
  const ds = createToyCarsDataset({ count: 24, imgSize: size, seed: 5 });
  let facingLeft = 0;
  let facingRight = 0;
  for (let i = 0; i < ds.count; i++) {
    const px = ds.pixels(i);
    const xs: number[] = [];
    for (let o = 0; o < px.length; o += 3) {
      if (px[o] === 255 && px[o + 1] === 237 && px[o + 2] === 153) xs.push((o / 3) % size);
    }
    assert.ok(xs.length > 0, `image ${i} has no headlight pixels`);
    const meanX = xs.reduce((a, b) => a + b) / xs.length;
    if (meanX < size / 2) facingLeft++;
    else facingRight++;
  }
  assert.ok(facingLeft >= 4 && facingRight >= 4, `${facingLeft} face left, ${facingRight} face right`);
});

test('the fingerprint names (version, count, size, seed)', () => {
  const base = { count: 2048, imgSize: 32, seed: 0 };
  const f = toyCarsFingerprint(base);
  assert.match(f, /^[0-9a-f]{16}$/);
  assert.equal(toyCarsFingerprint({ ...base }), f);
  assert.notEqual(toyCarsFingerprint({ ...base, count: 2047 }), f);
  assert.notEqual(toyCarsFingerprint({ ...base, imgSize: 64 }), f);
  assert.notEqual(toyCarsFingerprint({ ...base, seed: 1 }), f);
  assert.equal(createToyCarsDataset({ count: 4, imgSize: 16, seed: 2 }).fingerprint, toyCarsFingerprint({ count: 4, imgSize: 16, seed: 2 }));
});

test('bad arguments and indices are refused', () => {
  assert.throws(() => createToyCarsDataset({ count: 0, imgSize: 32, seed: 0 }), /count/);
  assert.throws(() => createToyCarsDataset({ count: 4, imgSize: 2.5, seed: 0 }), /image size/);
  const ds = createToyCarsDataset({ count: 4, imgSize: 16, seed: 0 });
  assert.throws(() => ds.pixels(4), RangeError);
  assert.throws(() => ds.pixels(-1), RangeError);
});

test('a packed dataset views one buffer and rejects a partial image', () => {
  const data = new Uint8Array(2 * 4 * 4 * 3).map((_, i) => i);
  const ds = new PackedImageDataset('test', 4, 'f', data);
  assert.equal(ds.count, 2);
  assert.equal(ds.pixels(1).buffer, data.buffer);
  assert.equal(ds.pixels(1)[0], 48);
  assert.throws(() => new PackedImageDataset('test', 4, 'f', new Uint8Array(47)), /whole number/);
});
