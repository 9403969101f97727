import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { EpsModel } from '../../src/trainer/diffusion/samplers';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { bitsPerDim, bitsPerDimTimesteps } from '../../src/trainer/metrics/bitsPerDim';
import type { ImageSet } from '../../src/trainer/metrics/imageSet';
import { referenceDecoderLogLikelihood } from '../helpers/metricsReference';

before(async () => {
  await tf.setBackend('cpu');
});

// The notebook's schedule; every expected value below is derived from its betas alone.
const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
const T = schedule.T;
const betas = Array.from(schedule.betas);
const alphas = betas.map((b) => 1 - b);
const alphaBar: number[] = [];
alphas.reduce((product, a) => (alphaBar.push(product * a), product * a), 1);
const posteriorVariance = betas.map((b, t) => (t === 0 ? 0 : (b * (1 - alphaBar[t - 1]!)) / (1 - alphaBar[t]!)));

/** An 8-bit level scaled to [-1, 1], as the float32 value the images hold. */
const level = (k: number) => Math.fround((2 * k) / 255 - 1);

/** `count` copies of one image, with the pixel values of `pixels` (HWC). */
function copies(pixels: number[], size: number, count: number): ImageSet {
  const data = new Float32Array(count * pixels.length);
  for (let i = 0; i < count; i++) data.set(pixels, i * pixels.length);
  return { data, shape: [count, size, size, pixels.length / (size * size)] };
}

/**
 * Knows the data is copies of x0, so it returns the true noise of x_t, computed in float64
 * from the float32 x_t it is given, plus `bias`.
 */
function oracle(x0: number[], bias = 0): EpsModel {
  return (x, t) => {
    const xt = x.dataSync();
    const steps = t.dataSync();
    const n = x0.length;
    const out = new Float32Array(xt.length);
    for (let i = 0; i < xt.length; i++) {
      const abar = alphaBar[steps[Math.floor(i / n)]!]!;
      out[i] = (xt[i]! - Math.sqrt(abar) * x0[i % n]!) / Math.sqrt(1 - abar) + bias;
    }
    return tf.tensor4d(out, x.shape);
  };
}

/** L_T in bits/dim: KL(N(sqrt(abar) x, 1 - abar) || N(0, 1)) = 0.5 (-log(1 - abar) + (1 - abar) + abar x^2 - 1), averaged over pixels. */
function expectedPrior(x0: number[]): number {
  const abar = alphaBar[T - 1]!;
  const nats = x0.reduce((sum, x) => sum + 0.5 * (-Math.log(1 - abar) + (1 - abar) + abar * x * x - 1), 0);
  return nats / (x0.length * Math.LN2);
}

/**
 * L_{t-1} in bits/dim for a model whose eps is off by `bias` everywhere: its mean is off by
 * beta_t / sqrt(alpha_t (1 - abar_t)) * bias, so the KL is Ho et al.'s eq. 12 weight
 * beta^2 / (2 sigma^2 alpha (1 - abar)) times bias^2, plus, when sigma^2 is not the posterior
 * variance, the KL between two centred Gaussians of variances posteriorVariance and sigma^2.
 */
function expectedDiffusionTerm(t: number, bias: number, variance: 'posterior' | 'beta'): number {
  const sigma2 = variance === 'posterior' ? posteriorVariance[t]! : betas[t]!;
  const meanPart = (betas[t]! ** 2 * bias * bias) / (2 * sigma2 * alphas[t]! * (1 - alphaBar[t]!));
  const varPart = 0.5 * (Math.log(sigma2 / posteriorVariance[t]!) + posteriorVariance[t]! / sigma2 - 1);
  return (meanPart + varPart) / Math.LN2;
}

/** L_0 in bits/dim: the decoder at t = 0 has mean x0hat = x0 - sqrt(1/abar_0 - 1) bias and std sqrt(posteriorVariance_1). */
function expectedDecoder(x0: number[], bias: number): number {
  const std = Math.sqrt(posteriorVariance[1]!);
  const shift = Math.sqrt(1 / alphaBar[0]! - 1) * bias;
  const nats = x0.reduce((sum, x) => sum - referenceDecoderLogLikelihood(x, x - shift, std), 0);
  return nats / (x0.length * Math.LN2);
}

test('a perfect denoiser on a constant image: every diffusion KL is 0 and the bound is L_T + L_0, by hand', async () => {
  const v = level(100);
  const x0 = new Array(2 * 2 * 3).fill(v);
  const result = await bitsPerDim(oracle(x0), schedule, copies(x0, 2, 3), { seed: 1, timesteps: T });
  // By hand: every pixel alike, so L_T = 0.5(-log(1 - abar) - abar + abar v^2)/ln 2 and
  // L_0 = -log2 P(|N(0, sigma^2)| < 1/255) with sigma^2 = posteriorVariance_1.
  const abar = alphaBar[T - 1]!;
  const prior = (0.5 * (-Math.log(1 - abar) - abar + abar * v * v)) / Math.LN2;
  const sigma = Math.sqrt(posteriorVariance[1]!);
  const decoder = -referenceDecoderLogLikelihood(v, v, sigma) / Math.LN2;
  assert.ok(result.exact);
  assert.equal(result.timesteps.length, T - 1);
  assert.ok(Math.abs(result.diffusion) < 1e-9, `diffusion ${result.diffusion}`);
  assert.ok(Math.abs(result.prior - prior) < 1e-12, `prior ${result.prior} vs ${prior}`);
  assert.ok(Math.abs(result.decoder - decoder) < 1e-7, `decoder ${result.decoder} vs ${decoder}`);
  assert.ok(Math.abs(result.total - (prior + decoder)) < 1e-7);
  // Sanity of the numbers themselves: 0.219^2 of the signal left costs little; the decoder,
  // whose std 0.0079 is about one bin wide, about 1.4 bits.
  assert.ok(prior > 0 && prior < 0.05, `prior ${prior}`);
  assert.ok(decoder > 1 && decoder < 2, `decoder ${decoder}`);
});

test('prior term L_T on a varied image matches a float64 computation, edge bins included in L_0', async () => {
  // Pixels at -1 and 1 use the open edge bins; the others are interior.
  const x0 = [level(0), level(255), level(128), level(3), level(250), level(77), level(0), level(255), level(1), level(254), level(200), level(31)];
  const result = await bitsPerDim(oracle(x0), schedule, copies(x0, 2, 2), { seed: 2, timesteps: T });
  assert.ok(Math.abs(result.prior - expectedPrior(x0)) < 1e-12, `prior ${result.prior} vs ${expectedPrior(x0)}`);
  assert.ok(Math.abs(result.decoder - expectedDecoder(x0, 0)) < 1e-7, `decoder ${result.decoder} vs ${expectedDecoder(x0, 0)}`);
  assert.ok(Math.abs(result.diffusion) < 1e-9);
});

test('a biased denoiser: every diffusion term follows eq. 12, for both fixed variances, and all t gives the exact sum', async () => {
  const x0 = [level(10), level(128), level(255), level(0), level(60), level(190), level(33), level(222), level(99), level(140), level(5), level(250)];
  const bias = 0.05;
  for (const variance of ['posterior', 'beta'] as const) {
    const result = await bitsPerDim(oracle(x0, bias), schedule, copies(x0, 2, 2), { seed: 3, timesteps: T, variance });
    let diffusion = 0;
    for (let t = 1; t < T; t++) diffusion += expectedDiffusionTerm(t, bias, variance);
    const decoder = expectedDecoder(x0, bias);
    assert.ok(result.exact);
    assert.equal(result.diffusionStdErr, 0);
    // The model's output is float32: eps off by ~6e-8 moves each KL by ~2 * 6e-8 / bias relative.
    assert.ok(Math.abs(result.diffusion / diffusion - 1) < 1e-5, `${variance}: diffusion ${result.diffusion} vs ${diffusion}`);
    assert.ok(Math.abs(result.decoder - decoder) < 1e-7, `${variance}: decoder ${result.decoder} vs ${decoder}`);
    assert.ok(Math.abs(result.total - (expectedPrior(x0) + diffusion + decoder)) < 1e-5 * diffusion);
  }
});

test('Monte-Carlo over t: (T-1)/K times the drawn terms, unbiased, with a standard error that covers the exact sum', async () => {
  const x0 = [level(10), level(128), level(255), level(0), level(60), level(190), level(33), level(222), level(99), level(140), level(5), level(250)];
  const bias = 0.05;
  let exact = 0;
  for (let t = 1; t < T; t++) exact += expectedDiffusionTerm(t, bias, 'posterior');
  const result = await bitsPerDim(oracle(x0, bias), schedule, copies(x0, 2, 2), { seed: 4, timesteps: 40 });
  assert.equal(result.exact, false);
  assert.equal(result.timesteps.length, 40);
  const drawn = result.timesteps.reduce((sum, t) => sum + expectedDiffusionTerm(t, bias, 'posterior'), 0);
  assert.ok(Math.abs(result.diffusion / (((T - 1) / 40) * drawn) - 1) < 1e-5, 'the estimate is (T-1)/K times the sum over the drawn t');
  assert.ok(result.diffusionStdErr > 0);
  assert.ok(Math.abs(result.diffusion - exact) < 4 * result.diffusionStdErr, `estimate ${result.diffusion} +- ${result.diffusionStdErr}, exact ${exact}`);
  // Over many seeds the estimates average to the exact sum (unbiased, without a model call).
  let mean = 0;
  const seeds = 300;
  for (let seed = 0; seed < seeds; seed++) {
    const steps = bitsPerDimTimesteps(T, 40, seed);
    mean += (((T - 1) / 40) * steps.reduce((sum, t) => sum + expectedDiffusionTerm(t, bias, 'posterior'), 0)) / seeds;
  }
  assert.ok(Math.abs(mean / exact - 1) < 0.02, `mean of estimates ${mean} vs ${exact}`);
});

test('clipDenoised clips x0hat to [-1, 1] before forming the model mean', async () => {
  // A large bias pushes x0hat = x0 - sqrt(1/abar - 1) bias far below -1 at large t.
  const x0 = [level(0), level(128), level(255), level(64)];
  const bias = 1;
  const result = await bitsPerDim(oracle(x0, bias), schedule, copies(x0, 1, 1), { seed: 5, timesteps: T, clipDenoised: true });
  let diffusion = 0;
  for (let t = 1; t < T; t++) {
    const c1 = (betas[t]! * Math.sqrt(alphaBar[t - 1]!)) / (1 - alphaBar[t]!);
    const r = Math.sqrt(1 / alphaBar[t]! - 1);
    for (const x of x0) {
      const x0hat = Math.min(Math.max(x - r * bias, -1), 1);
      diffusion += (c1 * (x0hat - x)) ** 2 / (2 * posteriorVariance[t]!);
    }
  }
  diffusion /= x0.length * Math.LN2;
  assert.ok(Math.abs(result.diffusion / diffusion - 1) < 1e-5, `clipped ${result.diffusion} vs ${diffusion}`);
  const unclipped = await bitsPerDim(oracle(x0, bias), schedule, copies(x0, 1, 1), { seed: 5, timesteps: T });
  assert.ok(unclipped.diffusion > result.diffusion * 1.5, 'clipping changes the answer for this model');
});

test('fixed seeded noise: same seed same bits/dim, batching changes nothing, another seed differs; no tensors left', async () => {
  const model: EpsModel = (x) => tf.tanh(x);
  const images: ImageSet = { data: Float32Array.from({ length: 5 * 4 * 4 * 3 }, (_, i) => level((i * 37) % 256)), shape: [5, 4, 4, 3] };
  const before = tf.memory().numTensors;
  const a = await bitsPerDim(model, schedule, images, { seed: 7, timesteps: 20, batchSize: 64 });
  assert.equal(tf.memory().numTensors, before, 'bitsPerDim leaves no tensors behind');
  const b = await bitsPerDim(model, schedule, images, { seed: 7, timesteps: 20, batchSize: 2 });
  const c = await bitsPerDim(model, schedule, images, { seed: 8, timesteps: 20, batchSize: 64 });
  assert.deepEqual(b.timesteps, a.timesteps);
  for (const key of ['total', 'prior', 'diffusion', 'decoder'] as const) {
    assert.ok(Math.abs(a[key] - b[key]) < 1e-9 * Math.abs(a[key]), `${key}: ${a[key]} vs ${b[key]}`);
  }
  assert.notDeepEqual(c.timesteps, a.timesteps);
  assert.notEqual(c.decoder, a.decoder, 'different noise at t = 0');
  assert.equal(c.prior, a.prior, 'the prior term has no noise in it');
});

test('the timesteps drawn are distinct, in 1..T-1, ascending, and fixed by the seed', () => {
  const steps = bitsPerDimTimesteps(T, 50, 9);
  assert.equal(steps.length, 50);
  assert.equal(new Set(steps).size, 50);
  assert.ok(steps.every((t, i) => t >= 1 && t < T && (i === 0 || t > steps[i - 1]!)));
  assert.deepEqual(bitsPerDimTimesteps(T, 50, 9), steps);
  assert.deepEqual(bitsPerDimTimesteps(T, 1000, 9), Array.from({ length: T - 1 }, (_, i) => i + 1));
  assert.throws(() => bitsPerDimTimesteps(T, 1, 9), /at least 2/);
  assert.throws(() => bitsPerDimTimesteps(1, 5, 9), /T >= 2/);
});

test('off-grid pixel values are snapped to the 256 levels before anything is computed', async () => {
  const x0 = [level(40), level(41), level(200), level(255)];
  const onGrid = await bitsPerDim(oracle(x0), schedule, copies(x0, 1, 1), { seed: 10, timesteps: 10 });
  const nudged = copies(x0.map((x) => x + 0.3 / 255), 1, 1);
  const snapped = await bitsPerDim(oracle(x0), schedule, nudged, { seed: 10, timesteps: 10 });
  assert.equal(snapped.total, onGrid.total);
});
