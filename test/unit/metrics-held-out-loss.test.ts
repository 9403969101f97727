import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { EpsModel } from '../../src/trainer/diffusion/samplers';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { heldOutLoss, timestepBuckets } from '../../src/trainer/metrics/heldOutLoss';
import type { ImageSet } from '../../src/trainer/metrics/imageSet';
import { Random } from '../../src/trainer/random';

before(async () => {
  await tf.setBackend('cpu');
});

const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
const lossOptions = { huberDelta: 1 };

function randomImages(count: number, size: number, seed: number): ImageSet {
  return { data: new Random(seed).uniforms(count * size * size * 3, -1, 1), shape: [count, size, size, 3] };
}

/** Records the timesteps of every call, and answers zeros (loss = the noise's own size). */
function spyModel(): { model: EpsModel; calls: number[][] } {
  const calls: number[][] = [];
  return { calls, model: (x, t) => (calls.push(Array.from(t.dataSync())), tf.zerosLike(x)) };
}

test('buckets split 0..T-1 into B bands with no gaps and widths differing by at most 1', () => {
  assert.deepEqual(timestepBuckets(300, 10).slice(0, 3), [{ tFrom: 0, tTo: 30 }, { tFrom: 30, tTo: 60 }, { tFrom: 60, tTo: 90 }]);
  for (const [T, B] of [[300, 10], [250, 10], [37, 7], [5, 5]] as const) {
    const buckets = timestepBuckets(T, B);
    assert.equal(buckets.length, B);
    assert.equal(buckets[0]!.tFrom, 0);
    assert.equal(buckets[B - 1]!.tTo, T);
    buckets.forEach((b, i) => i > 0 && assert.equal(b.tFrom, buckets[i - 1]!.tTo));
    const widths = buckets.map((b) => b.tTo - b.tFrom);
    assert.ok(Math.max(...widths) - Math.min(...widths) <= 1 && Math.min(...widths) >= 1);
  }
  assert.throws(() => timestepBuckets(5, 6), /buckets/);
});

test('every image is evaluated once per bucket, at a t inside that bucket', async () => {
  const images = randomImages(7, 4, 1);
  const { model, calls } = spyModel();
  const result = await heldOutLoss(model, schedule, images, { loss: 'l1', lossOptions, seed: 3, buckets: 10, batchSize: 4 });
  assert.equal(result.buckets.length, 10);
  // Two batches (4 + 3 images) per bucket, buckets in order.
  assert.equal(calls.length, 20);
  result.buckets.forEach((bucket, b) => {
    const ts = [...calls[2 * b]!, ...calls[2 * b + 1]!];
    assert.equal(ts.length, 7);
    for (const t of ts) assert.ok(t >= bucket.tFrom && t < bucket.tTo, `bucket ${b}: t = ${t} outside [${bucket.tFrom}, ${bucket.tTo})`);
  });
  // t varies within a bucket rather than sitting at its start.
  assert.ok(new Set(calls.flat()).size > 20);
});

test('a zero model scores the noise itself: mse ~ 1 and l1 ~ sqrt(2/pi) in every bucket', async () => {
  const images = randomImages(8, 8, 2);
  const result = await heldOutLoss((x) => tf.zerosLike(x), schedule, images, { loss: 'l1', lossOptions, seed: 4 });
  // 1536 noise values per bucket: standard errors ~0.036 (mse) and ~0.015 (l1).
  for (const b of result.buckets) {
    assert.ok(Math.abs(b.mse - 1) < 0.15, `mse ${b.mse}`);
    assert.ok(Math.abs(b.loss - Math.sqrt(2 / Math.PI)) < 0.06, `l1 ${b.loss}`);
  }
  const widthWeighted = result.buckets.reduce((s, b) => s + ((b.tTo - b.tFrom) / 300) * b.loss, 0);
  assert.ok(Math.abs(result.meanLoss - widthWeighted) < 1e-12);
});

test('a perfect denoiser scores ~0; the loss follows the run\'s loss function', async () => {
  const x0 = new Random(5).uniforms(4 * 4 * 3, -1, 1);
  const images: ImageSet = { data: Float32Array.from([...x0, ...x0, ...x0]), shape: [3, 4, 4, 3] };
  // Knows the data: eps = (x_t - sqrt(abar_t) x0) / sqrt(1 - abar_t).
  const oracle: EpsModel = (x, t) => tf.tidy(() => {
    const steps = Array.from(t.dataSync());
    const a = tf.tensor4d(steps.map((s) => schedule.sqrtAlphasCumprod[s]!), [steps.length, 1, 1, 1]);
    const b = tf.tensor4d(steps.map((s) => schedule.sqrtOneMinusAlphasCumprod[s]!), [steps.length, 1, 1, 1]);
    return tf.div(tf.sub(x, tf.mul(a, tf.tensor4d(x0, [1, 4, 4, 3]))), b);
  });
  const perfect = await heldOutLoss(oracle, schedule, images, { loss: 'l2', lossOptions, seed: 6 });
  // float32: x_t carries ~1e-7 of rounding, divided by sqrt(1 - abar) >= 0.01 at t = 0.
  for (const b of perfect.buckets) assert.ok(b.loss < 1e-8 && b.mse === b.loss, `bucket ${b.tFrom}: ${b.loss}`);

  const zero: EpsModel = (x) => tf.zerosLike(x);
  const huber = await heldOutLoss(zero, schedule, images, { loss: 'huber', lossOptions: { huberDelta: 0.5 }, seed: 6 });
  const l2 = await heldOutLoss(zero, schedule, images, { loss: 'l2', lossOptions, seed: 6 });
  assert.equal(huber.loss, 'huber');
  assert.ok(huber.meanLoss < 0.5 * l2.meanLoss, 'huber with delta 0.5 is below half the squared error');
  assert.deepEqual(huber.buckets.map((b) => b.mse), l2.buckets.map((b) => b.mse), 'mse is the same whatever the loss');
});

test('deterministic per seed and independent of the batch size; no tensors left', async () => {
  const images = randomImages(9, 4, 7);
  const model: EpsModel = (x, t) => tf.tidy(() => tf.mul(tf.tanh(x), tf.reshape(tf.div(t, 300), [-1, 1, 1, 1])));
  const before = tf.memory().numTensors;
  const a = await heldOutLoss(model, schedule, images, { loss: 'l1', lossOptions, seed: 11, batchSize: 9 });
  assert.equal(tf.memory().numTensors, before, 'heldOutLoss leaves no tensors behind');
  const b = await heldOutLoss(model, schedule, images, { loss: 'l1', lossOptions, seed: 11, batchSize: 2 });
  const c = await heldOutLoss(model, schedule, images, { loss: 'l1', lossOptions, seed: 12, batchSize: 9 });
  a.buckets.forEach((bucket, i) => {
    assert.ok(Math.abs(bucket.loss - b.buckets[i]!.loss) < 1e-6, `bucket ${i}: ${bucket.loss} vs ${b.buckets[i]!.loss}`);
    assert.ok(Math.abs(bucket.mse - b.buckets[i]!.mse) < 1e-6);
  });
  assert.ok(a.buckets.some((bucket, i) => Math.abs(bucket.loss - c.buckets[i]!.loss) > 1e-4), 'another seed draws other t and noise');
  assert.equal(a.images, 9);
  assert.equal(a.seed, 11);
});
