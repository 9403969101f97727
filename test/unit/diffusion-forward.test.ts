import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { forwardDiffusionStrip, qSample } from '../../src/trainer/diffusion/forwardProcess';
import { Random } from '../../src/trainer/random';

before(async () => {
  await tf.setBackend('cpu');
});

const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);

test('qSample matches a per-element float64 computation with its own t per example', () => {
  const rng = new Random(1);
  const [b, h, w, c] = [4, 3, 2, 3];
  const n = h * w * c;
  const x0 = rng.uniforms(b * n, -1, 1);
  const eps = rng.normals(b * n);
  const t = Int32Array.from([0, 17, 150, 299]);
  const before = tf.memory().numTensors;
  const x0Tensor = tf.tensor4d(x0, [b, h, w, c]);
  const noiseTensor = tf.tensor4d(eps, [b, h, w, c]);
  const xt = qSample(schedule, x0Tensor, t, noiseTensor);
  assert.deepEqual(xt.shape, [b, h, w, c]);
  const got = xt.dataSync();
  for (let i = 0; i < b; i++) {
    const acp = schedule.alphasCumprod[t[i]!]!;
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      const expected = Math.sqrt(acp) * x0[k]! + Math.sqrt(1 - acp) * eps[k]!;
      assert.ok(Math.abs(got[k]! - expected) < 1e-6, `example ${i} element ${j}: ${got[k]} vs ${expected}`);
    }
  }
  tf.dispose([x0Tensor, noiseTensor, xt]);
  assert.equal(tf.memory().numTensors, before, 'qSample leaves no tensors behind');
});

test('qSample of x0 = 0 has variance 1 - alphaBar_t; of noise = 0 is scaled x0', () => {
  const rng = new Random(2);
  const [b, size] = [3, 32];
  const n = size * size * 3;
  const t = Int32Array.from([5, 100, 299]);
  const noise = tf.tensor4d(rng.normals(b * n), [b, size, size, 3]);
  const zeros = tf.zeros([b, size, size, 3]) as tf.Tensor4D;
  const xtTensor = qSample(schedule, zeros, t, noise);
  const xt = xtTensor.dataSync();
  for (let i = 0; i < b; i++) {
    let sum = 0;
    let sumSq = 0;
    for (let j = 0; j < n; j++) {
      sum += xt[i * n + j]!;
      sumSq += xt[i * n + j]! ** 2;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    const expected = 1 - schedule.alphasCumprod[t[i]!]!;
    // 3072 samples: the sample variance is within ~3 standard errors (sqrt(2/n) relative).
    assert.ok(Math.abs(variance / expected - 1) < 0.08, `t=${t[i]}: variance ${variance}, expected ${expected}`);
    assert.ok(Math.abs(mean) < 4 * Math.sqrt(expected / n), `t=${t[i]}: mean ${mean}`);
  }
  const ones = tf.ones([b, 1, 1, 1]) as tf.Tensor4D;
  const noNoise = tf.zerosLike(ones);
  const scaledTensor = qSample(schedule, ones, t, noNoise);
  const scaled = scaledTensor.dataSync();
  for (let i = 0; i < b; i++) assert.ok(Math.abs(scaled[i]! - schedule.sqrtAlphasCumprod[t[i]!]!) < 1e-7);
  tf.dispose([noise, zeros, xtTensor, ones, noNoise, scaledTensor]);
});

test('qSample refuses mismatched batch, noise shape and out-of-range t', () => {
  const x = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
  assert.throws(() => qSample(schedule, x, Int32Array.from([0]), x), /1 timesteps for a batch of 2/);
  const other = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
  assert.throws(() => qSample(schedule, x, Int32Array.from([0, 1]), other), /noise shape/);
  assert.throws(() => qSample(schedule, x, Int32Array.from([0, 300]), x), /outside 0..299/);
  tf.dispose([x, other]);
});

test('forwardDiffusionStrip noises one image at t = 0, T/10, 2T/10, ... with fresh noise, clamped', () => {
  const [h, w] = [4, 4];
  const pixels = new Random(3).uniforms(h * w * 3, -1, 1);
  const image = tf.tensor3d(pixels, [h, w, 3]);
  const before = tf.memory().numTensors;
  const strip = forwardDiffusionStrip(schedule, image, new Random(9));
  assert.equal(tf.memory().numTensors, before + 1, 'only the strip itself stays alive');
  assert.deepEqual(strip.shape, [10, h, w, 3]);
  const got = strip.dataSync();
  // The same draws in the same order: image i's noise follows image i-1's.
  const noise = new Random(9).normals(10 * h * w * 3);
  const n = h * w * 3;
  for (let i = 0; i < 10; i++) {
    const acp = schedule.alphasCumprod[i * 30]!;
    for (let j = 0; j < n; j++) {
      const raw = Math.sqrt(acp) * pixels[j]! + Math.sqrt(1 - acp) * noise[i * n + j]!;
      const expected = Math.min(1, Math.max(-1, raw));
      assert.ok(Math.abs(got[i * n + j]! - expected) < 1e-6, `image ${i} (t=${i * 30}) element ${j}`);
    }
  }
  assert.ok(got.every((v) => v >= -1 && v <= 1));
  // Heavily noised images hit the clamp somewhere, so the clamp is really exercised.
  const rawLast = Array.from({ length: n }, (_, j) =>
    Math.sqrt(schedule.alphasCumprod[270]!) * pixels[j]! + Math.sqrt(1 - schedule.alphasCumprod[270]!) * noise[9 * n + j]!);
  assert.ok(rawLast.some((v) => Math.abs(v) > 1));
  tf.dispose([image, strip]);
});

test('forwardDiffusionStrip with T not divisible by count keeps count images at multiples of floor(T/count)', () => {
  const s = makeNoiseSchedule('linear', 25, 1e-4, 0.02);
  const image = tf.zeros([2, 2, 1]) as tf.Tensor3D;
  const strip = forwardDiffusionStrip(s, image, new Random(4), 4);
  assert.deepEqual(strip.shape, [4, 2, 2, 1]);
  // x0 = 0: the spread of each image grows with t = 0, 6, 12, 18.
  const noise = new Random(4).normals(16);
  const got = strip.dataSync();
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      const expected = Math.sqrt(1 - s.alphasCumprod[i * 6]!) * noise[i * 4 + j]!;
      assert.ok(Math.abs(got[i * 4 + j]! - Math.max(-1, Math.min(1, expected))) < 1e-6);
    }
  }
  assert.throws(() => forwardDiffusionStrip(s, image, new Random(4), 26), /count must be/);
  tf.dispose([image, strip]);
});
