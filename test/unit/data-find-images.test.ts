import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { findImages } from '../../src/trainer/data/findImages';
import { tempFolder, writeImage } from '../helpers/imageFixtures';

const names = (listing: { files: Array<{ name: string }> }) => listing.files.map((f) => f.name);

/** torchvision's layout: ROOT/stanford_cars/{cars_train,cars_test,devkit}. */
async function torchvisionLayout(root: string): Promise<string> {
  const sc = path.join(root, 'stanford_cars');
  await writeImage(path.join(sc, 'cars_train', '00002.jpg'), 30, 20, 2);
  await writeImage(path.join(sc, 'cars_train', '00001.jpg'), 30, 20, 1);
  await writeImage(path.join(sc, 'cars_test', '00001.jpg'), 30, 20, 3);
  mkdirSync(path.join(sc, 'devkit'), { recursive: true });
  writeFileSync(path.join(sc, 'devkit', 'cars_meta.mat'), 'not an image');
  writeFileSync(path.join(sc, 'cars_test_annos_withlabels.mat'), 'not an image');
  return sc;
}

test('torchvision stanford_cars layout: train then test, each sorted, devkit ignored; ROOT or ROOT/stanford_cars', async (t) => {
  const root = tempFolder(t);
  const sc = await torchvisionLayout(root);
  for (const given of [root, sc]) {
    const all = await findImages(given, 'all');
    assert.equal(all.layout, 'stanford-cars');
    assert.equal(all.root, sc);
    assert.deepEqual(names(all), ['cars_train/00001.jpg', 'cars_train/00002.jpg', 'cars_test/00001.jpg']);
  }
  assert.deepEqual(names(await findImages(root, 'train')), ['cars_train/00001.jpg', 'cars_train/00002.jpg']);
  assert.deepEqual(names(await findImages(root, 'test')), ['cars_test/00001.jpg']);
});

test('Kaggle layout: cars_train/cars_train and cars_test/cars_test', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'cars_train', 'cars_train', '00001.jpg'), 30, 20, 1);
  await writeImage(path.join(root, 'cars_test', 'cars_test', '00001.jpg'), 30, 20, 2);
  await writeImage(path.join(root, 'cars_test', 'cars_test', '00002.jpg'), 30, 20, 3);
  writeFileSync(path.join(root, 'cars_annos.mat'), 'not an image');
  const all = await findImages(root);
  assert.equal(all.layout, 'stanford-cars-kaggle');
  assert.deepEqual(names(all), ['cars_train/cars_train/00001.jpg', 'cars_test/cars_test/00001.jpg', 'cars_test/cars_test/00002.jpg']);
  assert.deepEqual(names(await findImages(root, 'test')), ['cars_test/cars_test/00001.jpg', 'cars_test/cars_test/00002.jpg']);
});

test('a Stanford Cars folder missing one split: all uses the other with a note; asking for it is an error', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'cars_train', 'a.jpg'), 20, 20, 1);
  const all = await findImages(root, 'all');
  assert.deepEqual(names(all), ['cars_train/a.jpg']);
  assert.match(all.notes.join('\n'), /no cars_test\/ folder/);
  await assert.rejects(findImages(root, 'test'), new RegExp(`no cars_test/ folder`));
});

test('any folder: recursive, every supported extension in any case, stable code-unit order, hidden and other files left out', async (t) => {
  const root = tempFolder(t);
  await writeImage(path.join(root, 'b', 'z.png'), 10, 10, 1, 'png');
  await writeImage(path.join(root, 'b', 'A.JPG'), 10, 10, 2);
  await writeImage(path.join(root, 'a.webp'), 10, 10, 3, 'webp');
  await writeImage(path.join(root, 'B.jpeg'), 10, 10, 4);
  await writeImage(path.join(root, '.hidden', 'x.jpg'), 10, 10, 5);
  await writeImage(path.join(root, '.diffusion', 'cache', 'x.png'), 10, 10, 6, 'png');
  writeFileSync(path.join(root, 'readme.txt'), 'hello');
  writeFileSync(path.join(root, 'labels.csv'), 'a,b');
  const listing = await findImages(root);
  assert.equal(listing.layout, 'image-folder');
  assert.deepEqual(names(listing), ['B.jpeg', 'a.webp', 'b/A.JPG', 'b/z.png']);
  assert.equal(listing.otherFiles.count, 2);
  assert.deepEqual(listing.otherFiles.examples.sort(), ['labels.csv', 'readme.txt']);
  for (const f of listing.files) {
    assert.ok(path.isAbsolute(f.path));
    assert.ok(f.bytes > 0 && f.mtimeMs > 0);
  }
});

test('symbolic links: folders followed once, loops and broken links reported, never followed forever', async (t) => {
  const root = tempFolder(t);
  const outside = tempFolder(t, 'outside');
  await writeImage(path.join(root, 'cars', '1.jpg'), 10, 10, 1);
  await writeImage(path.join(outside, 'more', '2.jpg'), 10, 10, 2);
  symlinkSync(root, path.join(root, 'cars', 'loop'));
  symlinkSync(path.join(root, 'cars'), path.join(root, 'cars', 'self'));
  symlinkSync(path.join(outside, 'more'), path.join(root, 'linked'));
  symlinkSync(path.join(root, 'missing.jpg'), path.join(root, 'broken.jpg'));
  symlinkSync('selfref.jpg', path.join(root, 'selfref.jpg'));
  const listing = await findImages(root);
  assert.deepEqual(names(listing), ['cars/1.jpg', 'linked/2.jpg']);
  assert.deepEqual(listing.unreadable, [
    { name: 'broken.jpg', reason: 'broken symbolic link' },
    { name: 'selfref.jpg', reason: 'symbolic link loop' },
  ]);
  const notes = listing.notes.join('\n');
  assert.match(notes, /cars\/loop: it links back to/);
  assert.match(notes, /cars\/self: it links back to/);
});

test('bad paths: missing, a file, a plain folder asked for a split; messages name the path', async (t) => {
  const root = tempFolder(t);
  const missing = path.join(root, 'nope');
  await assert.rejects(findImages(missing), { message: `dataset folder not found: ${missing}` });
  const file = await writeImage(path.join(root, 'one.jpg'), 10, 10, 1);
  await assert.rejects(findImages(file), { message: `dataset path ${file} is a file, not a folder of images` });
  await assert.rejects(findImages(root, 'train'), new RegExp(`needs a Stanford Cars folder .*${root.replace(/[/\\]/g, '.')}.*use split "all"`));
});

test('an empty folder lists nothing', async (t) => {
  const root = tempFolder(t);
  const listing = await findImages(root);
  assert.deepEqual(listing.files, []);
  assert.equal(listing.otherFiles.count, 0);
});
