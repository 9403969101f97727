import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { PackedImageDataset } from '../../src/trainer/data/dataset';
import { heldOutSize } from '../../src/shared/runConfig';
import { splitHeldOut } from '../../src/trainer/data/heldOut';
import { loadImageFolder } from '../../src/trainer/data/imageFolderDataset';
import { datasetRecord, loadDataset } from '../../src/trainer/data/loadDataset';
import { ConfigError, resolveRunConfig } from '../../src/shared/runConfig';
import { tempFolder, writeImage } from '../helpers/imageFixtures';

/** A dataset of `count` 1x1 images whose names are given, as a folder's would be. */
function namedDataset(names: string[]) {
  return Object.assign(new PackedImageDataset('named', 1, `named-${names.length}`, new Uint8Array(names.length * 3)), {
    imageName: (i: number) => names[i]!,
  });
}

const fileNames = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => `cars_train/${String(i + offset).padStart(5, '0')}.jpg`);

test('held-out size: min(count, round(fraction * images)), never all of them', () => {
  assert.equal(heldOutSize(24_239, 512, 0.05), 512);
  assert.equal(heldOutSize(2048, 512, 0.05), 102);
  assert.equal(heldOutSize(100, 512, 0), 0);
  assert.equal(heldOutSize(100, 0, 0.05), 0);
  assert.equal(heldOutSize(3, 512, 0.9), 2);
  assert.equal(heldOutSize(1, 512, 0.9), 0);
});

test('the split is disjoint, complete, ascending and the same for the same seed', () => {
  const ds = namedDataset(fileNames(1000));
  const a = splitHeldOut(ds, { heldOutCount: 512, heldOutFraction: 0.05, seed: 3 });
  assert.equal(a.heldOut.length, 50);
  assert.equal(a.training.length, 950);
  const all = [...a.heldOut, ...a.training].sort((x, y) => x - y);
  assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
  for (const list of [a.heldOut, a.training]) for (let i = 1; i < list.length; i++) assert.ok(list[i - 1]! < list[i]!);
  const again = splitHeldOut(ds, { heldOutCount: 512, heldOutFraction: 0.05, seed: 3 });
  assert.deepEqual(again.heldOut, a.heldOut);
  assert.equal(again.fingerprint, a.fingerprint);
  const other = splitHeldOut(ds, { heldOutCount: 512, heldOutFraction: 0.05, seed: 4 });
  assert.notDeepEqual(other.heldOut, a.heldOut);
  assert.notEqual(other.fingerprint, a.fingerprint);
});

test('adding or removing a few files barely moves the held-out set', () => {
  const cfg = { heldOutCount: 40, heldOutFraction: 0.5, seed: 0 };
  const before = namedDataset(fileNames(1000));
  const heldNames = (ds: ReturnType<typeof namedDataset>) => new Set(Array.from(splitHeldOut(ds, cfg).heldOut, (i) => ds.imageName(i)));
  const base = heldNames(before);
  // Five new files sort in front of all the others, shifting every index.
  const added = heldNames(namedDataset([...fileNames(5, 100_000).map((n) => `a/${n}`), ...fileNames(1000)]));
  const kept = [...base].filter((n) => added.has(n)).length;
  assert.ok(kept >= 40 - 5, `only ${kept} of 40 held-out images kept after adding 5 files`);
  const removed = heldNames(namedDataset(fileNames(1000).filter((_, i) => i % 100 !== 0)));
  assert.ok([...removed].filter((n) => base.has(n)).length >= 40 - 10);
});

test('a folder holds out the same images at every image size, recorded for config.json', async (t) => {
  const root = tempFolder(t);
  for (let i = 0; i < 40; i++) await writeImage(path.join(root, `${String(i).padStart(3, '0')}.jpg`), 24, 24, i);
  const cfg = { heldOutCount: 512, heldOutFraction: 0.1, seed: 0 };
  const small = await loadImageFolder({ path: root, imgSize: 8 });
  const large = await loadImageFolder({ path: root, imgSize: 16 });
  const a = splitHeldOut(small, cfg);
  const b = splitHeldOut(large, cfg);
  assert.equal(a.heldOut.length, 4);
  assert.deepEqual(a.heldOut, b.heldOut);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.deepEqual(datasetRecord(small, a), {
    name: path.basename(root), path: root, images: 40, skipped: 0, trainImages: 36, heldOutImages: 4, heldOutFingerprint: a.fingerprint,
  });
  const toy = await loadDataset({ dataset: 'toy-cars', imgSize: 8, seed: 0, toyCarsCount: 100 });
  const toySplit = splitHeldOut(toy, { heldOutCount: 512, heldOutFraction: 0.05, seed: 0 });
  assert.equal(toySplit.heldOut.length, 5);
  assert.equal(datasetRecord(toy, toySplit).path, undefined);
});

test('config: the data fields default as the notebook and reject bad values by name', () => {
  const c = resolveRunConfig({});
  assert.equal(c.datasetSplit, 'all');
  assert.equal(c.imageFit, 'fill');
  assert.equal(c.heldOutCount, 512);
  assert.equal(c.heldOutFraction, 0.05);
  assert.equal(resolveRunConfig({ dataset: '/data/cars', datasetSplit: 'train', imageFit: 'cover' }).datasetSplit, 'train');
  assert.throws(() => resolveRunConfig({ dataset: '/data/cars', datasetSplit: 'val' as never }), { name: 'ConfigError', message: 'config: datasetSplit "val" is not known (valid: train, test, all)' });
  assert.throws(() => resolveRunConfig({ imageFit: 'contain' as never }), /imageFit "contain" is not known \(valid: fill, cover\)/);
  assert.throws(() => resolveRunConfig({ heldOutCount: -1 }), /heldOutCount must be an integer of 0 or more, got -1/);
  assert.throws(() => resolveRunConfig({ heldOutCount: 1.5 }), /heldOutCount must be an integer/);
  assert.throws(() => resolveRunConfig({ heldOutFraction: 1 }), /heldOutFraction must be a number in \[0, 1\), got 1/);
  assert.throws(() => resolveRunConfig({ datasetSplit: 'test' }), (err: Error) => err instanceof ConfigError && /toy-cars has no train\/test split/.test(err.message));
});
