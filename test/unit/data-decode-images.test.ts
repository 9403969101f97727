import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { decodeImages, type DecodeProgress } from '../../src/trainer/data/decodeImages';
import { findImages } from '../../src/trainer/data/findImages';
import { tempFolder, writeImage, writeTruncatedJpeg } from '../helpers/imageFixtures';

/** The RGB triple at (x, y) of image k in a packed buffer. */
function rgbAt(pixels: Uint8Array, size: number, k: number, x: number, y: number): [number, number, number] {
  const o = k * size * size * 3 + (y * size + x) * 3;
  return [pixels[o]!, pixels[o + 1]!, pixels[o + 2]!];
}

function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tolerance, `${what}: got ${actual}, expected ${expected} +- ${tolerance}`));
}

async function decodeFolder(root: string, imgSize: number, fit: 'fill' | 'cover' = 'fill') {
  const listing = await findImages(root);
  return { listing, decoded: await decodeImages(listing.files, { imgSize, fit, concurrency: 3 }) };
}

test('pixels equal sharp\'s own resize of the same file, for fill and cover, JPEG, PNG and WebP', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'a.jpg'), 500, 300, 1);
  await writeImage(path.join(root, 'b.png'), 123, 321, 2, 'png');
  await writeImage(path.join(root, 'c.webp'), 90, 60, 3, 'webp');
  for (const fit of ['fill', 'cover'] as const) {
    const { listing, decoded } = await decodeFolder(root, 32, fit);
    assert.deepEqual(decoded.kept, [0, 1, 2]);
    for (const [k, file] of listing.files.entries()) {
      const expected = await sharp(file.path).resize(32, 32, { fit }).raw().toBuffer();
      assert.deepEqual(Buffer.from(decoded.pixels.subarray(k * 3072, (k + 1) * 3072)), expected, `${file.name} ${fit}`);
    }
  }
});

test('cover crops the centre; fill keeps the whole width squeezed', async (t) => {
  const root = tempFolder(t);
  // 500 x 100: red up to x = 100, green to 400, blue after; the centre square is all green.
  const w = 500, h = 100, raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[(y * w + x) * 3 + (x < 100 ? 0 : x < 400 ? 1 : 2)] = 255;
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path.join(root, 'bands.png'));
  const fill = (await decodeFolder(root, 12, 'fill')).decoded.pixels;
  assertNear(rgbAt(fill, 12, 0, 0, 6), [255, 0, 0], 8, 'fill left');
  assertNear(rgbAt(fill, 12, 0, 11, 6), [0, 0, 255], 8, 'fill right');
  const cover = (await decodeFolder(root, 12, 'cover')).decoded.pixels;
  for (const x of [0, 6, 11]) assertNear(rgbAt(cover, 12, 0, x, 6), [0, 255, 0], 8, `cover x=${x}`);
});

test('grey, CMYK, palette, 16-bit, alpha, GIF and TIFF all become 8-bit RGB; alpha lands on black', async (t) => {
  const root = tempFolder(t);
  const w = 40, h = 30;
  const solid = (r: number, g: number, b: number) => sharp({ create: { width: w, height: h, channels: 3, background: { r, g, b } } });
  await solid(200, 100, 50).toColourspace('b-w').jpeg().toFile(path.join(root, '1-grey.jpg'));
  await solid(200, 100, 50).toColourspace('cmyk').jpeg({ quality: 100 }).toFile(path.join(root, '2-cmyk.jpg'));
  await solid(200, 100, 50).png({ palette: true }).toFile(path.join(root, '3-palette.png'));
  await solid(200, 100, 50).toColourspace('rgb16').png().toFile(path.join(root, '4-16bit.png'));
  // Left half opaque orange, right half fully transparent.
  const rgba = Buffer.alloc(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set([200, 100, 50, i % w < w / 2 ? 255 : 0], i * 4);
  await sharp(rgba, { raw: { width: w, height: h, channels: 4 } }).png().toFile(path.join(root, '5-alpha.png'));
  await solid(200, 100, 50).gif().toFile(path.join(root, '6-frame.gif'));
  await solid(200, 100, 50).tiff().toFile(path.join(root, '7-tiff.tif'));

  const meta = await sharp(path.join(root, '1-grey.jpg')).metadata();
  assert.equal(meta.channels, 1, 'fixture is single-channel');
  assert.equal((await sharp(path.join(root, '2-cmyk.jpg')).metadata()).space, 'cmyk', 'fixture is CMYK');
  assert.equal((await sharp(path.join(root, '4-16bit.png')).metadata()).depth, 'ushort', 'fixture is 16-bit');

  const { decoded } = await decodeFolder(root, 8);
  assert.deepEqual(decoded.skipped, []);
  assert.equal(decoded.pixels.length, 7 * 8 * 8 * 3);
  const [grey] = rgbAt(decoded.pixels, 8, 0, 4, 4);
  assert.deepEqual(rgbAt(decoded.pixels, 8, 0, 4, 4), [grey, grey, grey]);
  assertNear(rgbAt(decoded.pixels, 8, 1, 4, 4), [200, 100, 50], 16, 'CMYK');
  assertNear(rgbAt(decoded.pixels, 8, 2, 4, 4), [200, 100, 50], 4, 'palette');
  assertNear(rgbAt(decoded.pixels, 8, 3, 4, 4), [200, 100, 50], 2, '16-bit');
  assertNear(rgbAt(decoded.pixels, 8, 4, 1, 4), [200, 100, 50], 2, 'alpha, opaque side');
  assert.deepEqual(rgbAt(decoded.pixels, 8, 4, 7, 4), [0, 0, 0], 'alpha, transparent side');
  assertNear(rgbAt(decoded.pixels, 8, 5, 4, 4), [200, 100, 50], 12, 'GIF');
  assertNear(rgbAt(decoded.pixels, 8, 6, 4, 4), [200, 100, 50], 2, 'TIFF');
});

test('EXIF orientation is applied', async (t) => {
  const root = tempFolder(t);
  // Stored 40 x 20: left half red, right half blue. Orientation 6 = rotate 90 degrees clockwise to display,
  // so the displayed image is 20 x 40 with red on top and blue below.
  const w = 40, h = 20, raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) raw.set(i % w < w / 2 ? [255, 0, 0] : [0, 0, 255], i * 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(path.join(root, 'rotated.jpg'));
  assert.equal((await sharp(path.join(root, 'rotated.jpg')).metadata()).orientation, 6);
  const { decoded } = await decodeFolder(root, 16);
  assertNear(rgbAt(decoded.pixels, 16, 0, 8, 2), [255, 0, 0], 30, 'top');
  assertNear(rgbAt(decoded.pixels, 16, 0, 8, 13), [0, 0, 255], 30, 'bottom');
});

test('corrupt files are skipped with a reason and the rest kept in order: truncated, empty, text named .jpg', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'a-good.jpg'), 50, 40, 1);
  await writeTruncatedJpeg(path.join(root, 'b-truncated.jpg'));
  writeFileSync(path.join(root, 'c-empty.jpg'), '');
  await writeImage(path.join(root, 'd-good.png'), 50, 40, 2, 'png');
  writeFileSync(path.join(root, 'e-text.jpg'), 'this is not a JPEG\n');
  const { listing, decoded } = await decodeFolder(root, 16);
  assert.deepEqual(decoded.kept, [0, 3]);
  assert.deepEqual(decoded.skipped.map((s) => s.name), ['b-truncated.jpg', 'c-empty.jpg', 'e-text.jpg']);
  const [truncated, empty, text] = decoded.skipped.map((s) => s.reason);
  assert.match(truncated!, /truncated jpeg/);
  assert.equal(empty, 'empty file (0 bytes)');
  assert.match(text!, /not an image file/);
  // The kept images sit back to back, exactly as decoded alone.
  const second = await sharp(listing.files[3]!.path).resize(16, 16, { fit: 'fill' }).raw().toBuffer();
  assert.deepEqual(Buffer.from(decoded.pixels.subarray(768, 1536)), second);
  assert.equal(decoded.pixels.length, 2 * 768);
});

test('images smaller than the target size are enlarged and counted', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'big.jpg'), 64, 64, 1);
  await writeImage(path.join(root, 'small.jpg'), 10, 80, 2);
  const { decoded } = await decodeFolder(root, 32);
  assert.equal(decoded.enlarged, 1);
  assert.deepEqual(decoded.kept, [0, 1]);
});

test('progress reports count up to the total with rate, ETA and skipped so far', async (t) => {
  const root = tempFolder(t);
  for (let i = 0; i < 12; i++) await writeImage(path.join(root, `${String(i).padStart(2, '0')}.jpg`), 60, 40, i);
  writeFileSync(path.join(root, 'zz-bad.jpg'), 'nope');
  const listing = await findImages(root);
  const seen: DecodeProgress[] = [];
  await decodeImages(listing.files, { imgSize: 8, fit: 'fill', onProgress: (p) => seen.push({ ...p }), progressEveryMs: 0, concurrency: 2 });
  assert.deepEqual(seen[0], { done: 0, total: 13, imagesPerSec: 0, etaMs: Infinity, skipped: 0 });
  const last = seen.at(-1)!;
  assert.equal(last.done, 13);
  assert.equal(last.skipped, 1);
  assert.equal(last.etaMs, 0);
  assert.ok(last.imagesPerSec > 0);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.done >= seen[i - 1]!.done);
});
