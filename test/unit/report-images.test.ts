import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  imageFloatsToRgb, layoutImages, unitToByte, upscaleFactor, writeImageGrid, writeImageStrip,
} from '../../src/trainer/report/images';

const dir = mkdtempSync(join(tmpdir(), 'report-images-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** n solid-colour size x size images in [-1, 1]; image k's colour is colours[k]; (0,0) of image 0 is marked. */
function solidImages(size: number, colours: Array<[number, number, number]>): Float32Array {
  const per = size * size * 3;
  const out = new Float32Array(colours.length * per);
  colours.forEach((rgb, k) => {
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) out[k * per + p * 3 + c] = rgb[c]! / 127.5 - 1;
  });
  out.set([1, -1, 1], 0); // magenta marker pixel at the top-left of image 0
  return out;
}

async function decode(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
  return { info, at };
}

test('unitToByte maps [-1, 1] to 0..255, rounded and clamped', () => {
  assert.equal(unitToByte(-1), 0);
  assert.equal(unitToByte(1), 255);
  assert.equal(unitToByte(0), 128); // 127.5 rounds up
  assert.equal(unitToByte(2), 255);
  assert.equal(unitToByte(-3), 0);
  assert.equal(unitToByte(NaN), 0);
  assert.equal(unitToByte(100 / 127.5 - 1), 100);
  assert.deepEqual(imageFloatsToRgb(Float32Array.from([-1, 0.5, 1])), Uint8Array.from([0, 191, 255]));
});

test('small images are upscaled to at least 64 px tiles by a whole factor', () => {
  assert.equal(upscaleFactor(16), 4);
  assert.equal(upscaleFactor(32), 2);
  assert.equal(upscaleFactor(64), 1);
  assert.equal(upscaleFactor(128), 1);
  assert.equal(upscaleFactor(24), 3);
  assert.equal(upscaleFactor(16, 128), 8);
});

test('a strip of 16 px images decodes to the right size, tiles, gaps and nearest-neighbour blocks', async () => {
  const colours: Array<[number, number, number]> = [[200, 10, 10], [10, 200, 10], [10, 10, 200]];
  const file = join(dir, 'strip.png');
  await writeImageStrip(file, solidImages(16, colours), 3, 16);
  const { info, at } = await decode(file);
  const tile = 64;
  const gap = 2;
  assert.equal(info.width, 3 * tile + 4 * gap);
  assert.equal(info.height, tile + 2 * gap);
  assert.equal(info.channels, 3);
  colours.forEach((rgb, k) => {
    const left = gap + k * (tile + gap);
    assert.deepEqual(at(left + 40, gap + 40), rgb, `tile ${k}`);
    assert.deepEqual(at(left + tile - 1, gap + tile - 1), rgb, `tile ${k} bottom-right`);
  });
  // The marker pixel becomes exactly a 4x4 block.
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) {
    const expected = x < 4 && y < 4 ? [255, 0, 255] : colours[0];
    assert.deepEqual(at(gap + x, gap + y), expected, `(${x}, ${y})`);
  }
  assert.deepEqual(at(0, 0), [255, 255, 255]);
  assert.deepEqual(at(gap + tile, gap + 10), [255, 255, 255]); // gap between tiles 0 and 1
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('a grid fills rows of `columns` and leaves the missing cells as background', async () => {
  const colours: Array<[number, number, number]> = [[0, 0, 0], [255, 255, 0], [0, 255, 255], [128, 64, 32], [90, 90, 90]];
  const file = join(dir, 'grid.png');
  await writeImageGrid(file, solidImages(32, colours), 5, 32, 2, { gap: 4, background: [20, 30, 40] });
  const { info, at } = await decode(file);
  const tile = 64;
  const gap = 4;
  assert.equal(info.width, 2 * tile + 3 * gap);
  assert.equal(info.height, 3 * tile + 4 * gap);
  colours.forEach((rgb, k) => {
    const x = gap + (k % 2) * (tile + gap) + 33;
    const y = gap + Math.floor(k / 2) * (tile + gap) + 33;
    assert.deepEqual(at(x, y), rgb, `tile ${k}`);
  });
  assert.deepEqual(at(gap + tile + gap + 10, gap + 2 * (tile + gap) + 10), [20, 30, 40]); // empty sixth cell
  assert.deepEqual(at(gap, gap), [255, 0, 255]);
  assert.deepEqual(at(gap + 1, gap + 1), [255, 0, 255]); // 32 px tiles double: marker is 2x2
  assert.deepEqual(at(gap + 2, gap + 1), [0, 0, 0]);
  assert.deepEqual(at(gap + 1, gap + 2), [0, 0, 0]);
});

test('the default grid is as square as possible; 64 px images are not scaled', async () => {
  const file = join(dir, 'square.png');
  const colours = Array.from({ length: 10 }, (_, k) => [k * 20, 255 - k * 20, 7] as [number, number, number]);
  await writeImageGrid(file, solidImages(64, colours), 10, 64);
  const { info, at } = await decode(file);
  assert.equal(info.width, 4 * 64 + 5 * 2);
  assert.equal(info.height, 3 * 64 + 4 * 2);
  assert.deepEqual(at(2 + 1 * 66 + 30, 2 + 2 * 66 + 30), colours[9]);
  assert.deepEqual(at(3, 2), colours[0]); // marker is one pixel
});

test('layout only reads the first n images and refuses too little data', () => {
  const images = solidImages(4, [[1, 2, 3], [4, 5, 6]]);
  const one = layoutImages(images, 1, 4, 1, { minTileSize: 4, gap: 0 });
  assert.equal(one.width, 4);
  assert.equal(one.data[3 * 5], 1);
  assert.throws(() => layoutImages(images, 3, 4, 3), /need 144 values, got 96/);
  assert.throws(() => layoutImages(images, 0, 4, 3), /positive number of images/);
});
