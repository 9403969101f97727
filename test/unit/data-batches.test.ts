import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedImageDataset } from '../../src/trainer/data/dataset';
import { TrainingBatches, scaledImages } from '../../src/trainer/data/batches';
import { splitHeldOut } from '../../src/trainer/data/heldOut';
import { createToyCarsDataset } from '../../src/trainer/data/toyCars';

const toByte = (v: number) => Math.round((v + 1) * 127.5);

/**
 * 4x4 images that say who they are: red = the image's index everywhere, green = 60 * x,
 * blue = 60 * y. A batch slot then tells its index (red) and whether it was mirrored (green).
 */
function labelledDataset(count: number): PackedImageDataset {
  const size = 4;
  const data = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const o = ((i * size + y) * size + x) * 3;
    data[o] = i;
    data[o + 1] = 60 * x;
    data[o + 2] = 60 * y;
  }
  return new PackedImageDataset('labelled', size, `labelled-${count}`, data);
}

/** (index, mirrored) of each slot in a batch of the labelled dataset. */
function readSlots(batch: Float32Array, batchSize: number): Array<{ index: number; mirrored: boolean }> {
  const perImage = 4 * 4 * 3;
  return Array.from({ length: batchSize }, (_, k) => ({
    index: toByte(batch[k * perImage]!),
    mirrored: toByte(batch[k * perImage + 1]!) === 180,
  }));
}

test('drops the last incomplete batch', () => {
  assert.equal(new TrainingBatches(labelledDataset(37), 8, 0).batchesPerEpoch, 4);
  assert.equal(new TrainingBatches(labelledDataset(32), 8, 0).batchesPerEpoch, 4);
  assert.equal(new TrainingBatches(labelledDataset(8), 8, 0).batchesPerEpoch, 1);
  const batches = [...new TrainingBatches(labelledDataset(37), 8, 0).epoch(0)];
  assert.equal(batches.length, 4);
});

test('an epoch visits each image at most once, in the order its plan gives, and the plan covers all', () => {
  const ds = labelledDataset(37);
  const tb = new TrainingBatches(ds, 8, 42);
  const plan = tb.plan(3);
  assert.deepEqual([...plan.order].sort((a, b) => a - b), Array.from({ length: 37 }, (_, i) => i));
  const seen: number[] = [];
  for (const batch of tb.epoch(3)) for (const slot of readSlots(batch, 8)) seen.push(slot.index);
  assert.equal(seen.length, 32);
  assert.equal(new Set(seen).size, 32);
  assert.deepEqual(seen, [...plan.order.slice(0, 32)]);
});

test('over many epochs every image is used; with no remainder each epoch uses all of them', () => {
  const tb = new TrainingBatches(labelledDataset(32), 8, 1);
  for (let e = 0; e < 3; e++) {
    const seen = new Set<number>();
    for (const batch of tb.epoch(e)) for (const slot of readSlots(batch, 8)) seen.add(slot.index);
    assert.equal(seen.size, 32);
  }
  const dropped = new TrainingBatches(labelledDataset(37), 8, 1);
  const everUsed = new Set<number>();
  for (let e = 0; e < 20; e++) for (const batch of dropped.epoch(e)) for (const s of readSlots(batch, 8)) everUsed.add(s.index);
  assert.equal(everUsed.size, 37);
});

test('the shuffle differs between epochs, is reproducible per (seed, epoch), and depends on the seed', () => {
  const ds = labelledDataset(64);
  const a = new TrainingBatches(ds, 16, 9);
  const b = new TrainingBatches(ds, 16, 9);
  const c = new TrainingBatches(ds, 16, 10);
  assert.notDeepEqual(a.plan(0).order, a.plan(1).order);
  assert.notDeepEqual(a.plan(0).flips, a.plan(1).flips);
  // b replays epoch 5 without having run epochs 0..4: what a resumed run does.
  assert.deepEqual(b.plan(5), a.plan(5));
  assert.deepEqual(Array.from(b.epoch(5), (x) => Float32Array.from(x)), Array.from(a.epoch(5), (x) => Float32Array.from(x)));
  assert.notDeepEqual(c.plan(5).order, a.plan(5).order);
});

test('starting mid-epoch yields the same batches as running the epoch from its start', () => {
  const tb = new TrainingBatches(labelledDataset(40), 8, 3);
  const full = Array.from(tb.epoch(2), (x) => Float32Array.from(x));
  assert.equal(full.length, 5);
  const resumed = Array.from(tb.epoch(2, 3), (x) => Float32Array.from(x));
  assert.equal(resumed.length, 2);
  assert.deepEqual(resumed, full.slice(3));
});

test('a flipped image is the source mirrored pixel by pixel; an unflipped one is the source', () => {
  const ds = createToyCarsDataset({ count: 20, imgSize: 16, seed: 4 });
  const size = 16;
  const perImage = size * size * 3;
  const tb = new TrainingBatches(ds, 10, 77);
  const { order, flips } = tb.plan(0);
  let flipped = 0;
  let kept = 0;
  let b = 0;
  for (const batch of tb.epoch(0)) {
    for (let k = 0; k < 10; k++) {
      const slot = b * 10 + k;
      const src = ds.pixels(order[slot]!);
      const mirror = flips[slot] === 1;
      mirror ? flipped++ : kept++;
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
        const sx = mirror ? size - 1 - x : x;
        const got = batch[k * perImage + (y * size + x) * 3 + c]!;
        assert.equal(got, Math.fround(src[(y * size + sx) * 3 + c]! / 127.5 - 1), `slot ${slot} (${y},${x},${c})`);
      }
    }
    b++;
  }
  assert.ok(flipped > 0 && kept > 0, `${flipped} flipped, ${kept} kept`);
  // The labelled set shows flips happen at about half the rate.
  const labelled = new TrainingBatches(labelledDataset(200), 200, 5);
  const mirrored = readSlots(labelled.epoch(0).next().value!, 200).filter((s) => s.mirrored).length;
  assert.ok(mirrored > 70 && mirrored < 130, `${mirrored} of 200 mirrored`);
});

test('scales 0 to -1 and 255 to 1 exactly', () => {
  const data = new Uint8Array(2 * 2 * 2 * 3);
  data.fill(0, 0, 12);
  data.fill(255, 12, 24);
  const ds = new PackedImageDataset('ends', 2, 'ends', data);
  const batch = new TrainingBatches(ds, 2, 0).epoch(0).next().value!;
  const values = new Set(batch);
  assert.deepEqual([...values].sort(), [-1, 1]);
  assert.equal(batch.filter((v) => v === -1).length, 12);
  assert.equal(scaledImages(ds, [0])[0], -1);
  assert.equal(scaledImages(ds, [1])[11], 1);
});

test('holds one batch of floats, reused, never the whole dataset', () => {
  const ds = createToyCarsDataset({ count: 96, imgSize: 16, seed: 0 });
  const tb = new TrainingBatches(ds, 8, 0);
  assert.equal(tb.batchLength, 8 * 16 * 16 * 3);
  const buffers = new Set<Float32Array>();
  for (const batch of tb.epoch(0)) {
    assert.equal(batch.length, 8 * 16 * 16 * 3);
    buffers.add(batch);
  }
  assert.equal(buffers.size, 1);
  assert.ok([...buffers][0]!.byteLength < ds.count * 16 * 16 * 3 * 4);
});

test('refuses a dataset smaller than one batch, with a message that says so', () => {
  assert.throws(() => new TrainingBatches(labelledDataset(5), 8, 0), /5 training images, fewer than one batch of 8/);
  assert.throws(() => new TrainingBatches(labelledDataset(5), 0, 0), /batch size/);
});

test('the held-out split is kept out of training', () => {
  const ds = labelledDataset(50);
  const { heldOut, training } = splitHeldOut(ds, { heldOutCount: 10, heldOutFraction: 0.5, seed: 123 });
  assert.equal(heldOut.length, 10);
  assert.equal(training.length, 40);
  const tb = new TrainingBatches(ds, 8, 0, training);
  assert.equal(tb.batchesPerEpoch, 5);
  const heldSet = new Set(heldOut);
  const seen = new Set<number>();
  for (const batch of tb.epoch(0)) for (const s of readSlots(batch, 8)) {
    assert.ok(!heldSet.has(s.index), `held-out ${s.index} in training`);
    seen.add(s.index);
  }
  assert.equal(seen.size, 40, 'every training image once per epoch');
  const floats = scaledImages(ds, heldOut);
  assert.equal(floats.length, 10 * 4 * 4 * 3);
  assert.equal(toByte(floats[0]!), heldOut[0]);
});
