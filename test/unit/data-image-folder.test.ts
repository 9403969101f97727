import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { TrainingBatches } from '../../src/trainer/data/batches';
import { loadImageFolder, describeLoad } from '../../src/trainer/data/imageFolderDataset';
import { loadDataset } from '../../src/trainer/data/loadDataset';
import { tempFolder, writeImage, writeTruncatedJpeg } from '../helpers/imageFixtures';

/** A torchvision-layout Stanford Cars folder with `train` + `test` small JPEGs of varied shapes. */
async function tinyStanfordCars(root: string, train = 5, test = 3): Promise<string> {
  const sc = path.join(root, 'stanford_cars');
  for (let i = 1; i <= train; i++) await writeImage(path.join(sc, 'cars_train', `${String(i).padStart(5, '0')}.jpg`), 60 + 7 * i, 40 + 3 * i, i);
  for (let i = 1; i <= test; i++) await writeImage(path.join(sc, 'cars_test', `${String(i).padStart(5, '0')}.jpg`), 50 + 5 * i, 45, 100 + i);
  return sc;
}

test('a stanford_cars folder loads train + test by default, or one split; names and pixels line up', async (t) => {
  const root = tempFolder(t);
  const sc = await tinyStanfordCars(root);
  const all = await loadImageFolder({ path: root, imgSize: 16 });
  assert.equal(all.name, 'stanford-cars');
  assert.equal(all.count, 8);
  assert.equal(all.imageName(0), 'cars_train/00001.jpg');
  assert.equal(all.imageName(5), 'cars_test/00001.jpg');
  assert.equal(all.report.layout, 'stanford-cars');
  assert.equal(all.report.cache, 'off');
  const expected = await sharp(path.join(sc, 'cars_test', '00001.jpg')).resize(16, 16, { fit: 'fill' }).raw().toBuffer();
  assert.deepEqual(Buffer.from(all.pixels(5)), expected);

  const train = await loadImageFolder({ path: root, imgSize: 16, split: 'train' });
  assert.equal(train.name, 'stanford-cars-train');
  assert.equal(train.count, 5);
  const test_ = await loadImageFolder({ path: sc, imgSize: 16, split: 'test' });
  assert.equal(test_.count, 3);
  assert.deepEqual(test_.pixels(0), all.pixels(5));
  assert.notEqual(train.fingerprint, all.fingerprint);
});

test('batches from a folder: [-1, 1] scaling of the decoded bytes and seeded horizontal flips', async (t) => {
  const root = tempFolder(t);
  for (let i = 0; i < 4; i++) await writeImage(path.join(root, `${i}.png`), 20, 30, i, 'png');
  const ds = await loadImageFolder({ path: root, imgSize: 8 });
  const batches = new TrainingBatches(ds, 4, 11);
  const { order, flips } = batches.plan(0);
  const [batch] = [...batches.epoch(0)].map((b) => Float32Array.from(b));
  assert.ok(flips.includes(1) && flips.includes(0), 'seed 11 flips some images and not others');
  const per = 8 * 8 * 3;
  for (let k = 0; k < 4; k++) {
    const src = ds.pixels(order[k]!);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) for (let c = 0; c < 3; c++) {
      const fromX = flips[k] ? 7 - x : x;
      const byte = src[(y * 8 + fromX) * 3 + c]!;
      assert.equal(batch![k * per + (y * 8 + x) * 3 + c], Math.fround(byte / 127.5 - 1));
    }
  }
  assert.ok(batch!.every((v) => v >= -1 && v <= 1));
});

test('a mixed folder with corrupt files: they are skipped, counted and named; the run goes on', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'ok1.jpg'), 40, 40, 1);
  await writeImage(path.join(root, 'sub', 'ok2.webp'), 40, 40, 2, 'webp');
  await writeTruncatedJpeg(path.join(root, 'truncated.jpg'));
  writeFileSync(path.join(root, 'zero.jpg'), '');
  writeFileSync(path.join(root, 'notes.jpg'), 'just text');
  writeFileSync(path.join(root, 'readme.md'), '# cars');
  const ds = await loadImageFolder({ path: root, imgSize: 8 });
  assert.equal(ds.count, 2);
  assert.deepEqual(ds.imageNames, ['ok1.jpg', 'sub/ok2.webp']);
  assert.equal(ds.report.skipped, 3);
  assert.deepEqual(ds.report.skippedExamples.map((s) => s.name), ['notes.jpg', 'truncated.jpg', 'zero.jpg']);
  const text = describeLoad(ds.report, 8).join('\n');
  assert.match(text, /2 images at 8x8/);
  assert.match(text, /skipped 3 unreadable image file\(s\): notes\.jpg \(not an image file.*\), truncated\.jpg \(truncated jpeg.*\), zero\.jpg \(empty file \(0 bytes\)\)/);
});

test('no usable image: clear messages for an empty folder, only other files, only corrupt images', async (t) => {
  const empty = tempFolder(t, 'empty');
  await assert.rejects(loadImageFolder({ path: empty, imgSize: 8 }), { message: `no images in ${empty}: the folder (searched recursively) holds no files` });
  const others = tempFolder(t, 'others');
  writeFileSync(path.join(others, 'a.txt'), 'x');
  await assert.rejects(loadImageFolder({ path: others, imgSize: 8 }), new RegExp(`no images in ${others}: found 1 file\\(s\\) but none named like an image .*a\\.txt`));
  const corrupt = tempFolder(t, 'corrupt');
  writeFileSync(path.join(corrupt, 'a.jpg'), '');
  writeFileSync(path.join(corrupt, 'b.png'), 'not a png');
  await assert.rejects(loadImageFolder({ path: corrupt, imgSize: 8 }),
    new RegExp(`no readable image in ${corrupt}: all 2 image file\\(s\\) failed to decode \\(a\\.jpg: empty file \\(0 bytes\\); b\\.png: not an image file`));
});

test('the cache: written on first load, hit on the second with the same pixels, names and fingerprint', async (t) => {
  const root = tempFolder(t);
  const cacheDir = path.join(tempFolder(t, 'out'), 'cache');
  await tinyStanfordCars(root, 4, 2);
  writeFileSync(path.join(root, 'stanford_cars', 'cars_train', 'broken.jpg'), 'x');
  let progressCalls = 0;
  const first = await loadImageFolder({ path: root, imgSize: 16, cacheDir, onProgress: () => progressCalls++ });
  assert.equal(first.report.cache, 'written');
  assert.ok(progressCalls > 0);
  assert.equal(first.report.skipped, 1);
  const files = readdirSync(cacheDir);
  assert.equal(files.length, 2);
  assert.ok(files.some((f) => /^stanford_cars-all-16px-fill-[0-9a-f]{10}\.json$/.test(f)), files.join(', '));
  assert.ok(files.some((f) => /^stanford_cars-all-16px-fill-[0-9a-f]{10}\.[0-9a-f]{16}\.u8$/.test(f)), files.join(', '));

  progressCalls = 0;
  const second = await loadImageFolder({ path: root, imgSize: 16, cacheDir, onProgress: () => progressCalls++ });
  assert.equal(second.report.cache, 'hit');
  assert.equal(progressCalls, 0);
  assert.equal(second.fingerprint, first.fingerprint);
  assert.deepEqual(second.imageNames, first.imageNames);
  assert.equal(second.report.skipped, 1);
  assert.deepEqual(second.report.skippedExamples, first.report.skippedExamples);
  for (let i = 0; i < first.count; i++) assert.deepEqual(second.pixels(i), first.pixels(i));

  // Another size or fit is another entry; the first stays valid.
  const cover = await loadImageFolder({ path: root, imgSize: 16, fit: 'cover', cacheDir });
  assert.equal(cover.report.cache, 'written');
  assert.notEqual(cover.fingerprint, first.fingerprint);
  assert.equal((await loadImageFolder({ path: root, imgSize: 16, cacheDir })).report.cache, 'hit');
  const uncached = await loadImageFolder({ path: root, imgSize: 16 });
  assert.equal(uncached.fingerprint, first.fingerprint, 'the fingerprint names the pixels, cached or not');
});

test('the cache is invalidated by a changed, an added and a removed file', async (t) => {
  const root = tempFolder(t);
  const cacheDir = path.join(tempFolder(t, 'out'), 'cache');
  const sc = await tinyStanfordCars(root, 3, 1);
  const load = () => loadImageFolder({ path: root, imgSize: 8, cacheDir });
  const original = await load();
  assert.equal(original.report.cache, 'written');

  const changed = path.join(sc, 'cars_train', '00002.jpg');
  await writeImage(changed, 70, 50, 999);
  utimesSync(changed, new Date(), new Date(Date.now() + 5000));
  const afterChange = await load();
  assert.equal(afterChange.report.cache, 'written');
  assert.match(afterChange.report.cacheNote!, /1 changed \(cars_train\/00002\.jpg\)/);
  assert.notEqual(afterChange.fingerprint, original.fingerprint);
  assert.notDeepEqual(afterChange.pixels(1), original.pixels(1));
  assert.equal((await load()).report.cache, 'hit');

  await writeImage(path.join(sc, 'cars_test', '00009.jpg'), 30, 30, 9);
  const afterAdd = await load();
  assert.match(afterAdd.report.cacheNote!, /1 added \(cars_test\/00009\.jpg\)/);
  assert.equal(afterAdd.count, 5);

  rmSync(path.join(sc, 'cars_train', '00001.jpg'));
  const afterRemove = await load();
  assert.match(afterRemove.report.cacheNote!, /1 removed \(cars_train\/00001\.jpg\)/);
  assert.equal(afterRemove.count, 4);
  assert.equal(afterRemove.imageName(0), 'cars_train/00002.jpg');
  // Rewriting an entry removes the pixels it replaced.
  assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.u8')).length, 1);
});

test('a damaged cache file is not trusted: the folder is decoded again', async (t) => {
  const root = tempFolder(t);
  const cacheDir = path.join(tempFolder(t, 'out'), 'cache');
  await writeImage(path.join(root, 'a.jpg'), 30, 30, 1);
  await writeImage(path.join(root, 'b.jpg'), 30, 30, 2);
  const first = await loadImageFolder({ path: root, imgSize: 8, cacheDir });
  const u8 = readdirSync(cacheDir).find((f) => f.endsWith('.u8'))!;
  truncateSync(path.join(cacheDir, u8), 100);
  const again = await loadImageFolder({ path: root, imgSize: 8, cacheDir });
  assert.equal(again.report.cache, 'written');
  assert.match(again.report.cacheNote!, /unusable \(100 bytes, the index expects 384\)/);
  assert.equal(again.fingerprint, first.fingerprint);
  writeFileSync(path.join(cacheDir, readdirSync(cacheDir).find((f) => f.endsWith('.json'))!), '{ not json');
  assert.match((await loadImageFolder({ path: root, imgSize: 8, cacheDir })).report.cacheNote!, /cache index .* unreadable/);
});

test('an unwritable cache folder costs the cache, not the run', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'a.jpg'), 30, 30, 1);
  const blocker = path.join(tempFolder(t, 'out'), 'cache');
  writeFileSync(blocker, 'a file where the cache folder should be');
  const ds = await loadImageFolder({ path: root, imgSize: 8, cacheDir: blocker });
  assert.equal(ds.count, 1);
  assert.equal(ds.report.cache, 'write-failed');
  assert.match(ds.report.cacheNote!, /cannot write the cache in .*cache \(EEXIST\)/);
});

test('loadDataset: toy-cars with a report; a folder path with cache dir and progress', async (t) => {
  const toy = await loadDataset({ dataset: 'toy-cars', imgSize: 8, seed: 1, toyCarsCount: 10 });
  assert.equal(toy.count, 10);
  assert.equal(toy.report.layout, 'toy-cars');
  assert.equal(toy.report.skipped, 0);

  const root = tempFolder(t);
  const cacheDir = path.join(tempFolder(t, 'out'), 'cache');
  await tinyStanfordCars(root, 2, 2);
  const seen: number[] = [];
  const cars = await loadDataset(
    { dataset: root, imgSize: 16, seed: 0, toyCarsCount: 1, datasetSplit: 'test', imageFit: 'cover' },
    { cacheDir, onProgress: (p) => seen.push(p.done) },
  );
  assert.equal(cars.count, 2);
  assert.equal(cars.report.fit, 'cover');
  assert.equal(cars.report.cache, 'written');
  assert.equal(seen.at(-1), 2);
  await assert.rejects(loadDataset({ dataset: path.join(root, 'missing'), imgSize: 16, seed: 0, toyCarsCount: 1 }), /dataset folder not found: .*missing/);
});
