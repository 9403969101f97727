// The variational bound on -log p(x_0) in bits per dimension, as DDPM reports it
// (Ho et al. 2020, eq. 5 and §3.3; calc_bpd_loop in diffusion_utils_2.py), for any eps-model:
//
//   L = L_T + sum_{t=2..T} L_{t-1} + L_0                           (paper's 1-based t)
//   L_T     = KL(q(x_T | x_0) || N(0, I))                           the prior term
//   L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))         the diffusion terms
//   L_0     = -log p(x_0 | x_1), the discretised Gaussian decoder   (eq. 13)
//
// In this code's 0-based t (0..T-1, as the notebook): the prior uses alphaBar_{T-1}; step t >= 1
// holds a KL between q(x_{t-1} | x_t, x_0) and the model; step 0 holds the decoder. Both
// distributions at step t are Gaussians over each pixel:
//   q: mean c1_t x_0 + c2_t x_t, variance posteriorVariance_t                  (eq. 6-7)
//   p: mean c1_t x0hat + c2_t x_t, variance fixed (eq. 11 once x0hat is substituted), where
//      x0hat = sqrt(1/alphaBar_t) x_t - sqrt(1/alphaBar_t - 1) eps_theta(x_t, t)
//      c1_t = beta_t sqrt(alphaBar_{t-1}) / (1 - alphaBar_t)
//      c2_t = (1 - alphaBar_{t-1}) sqrt(alpha_t) / (1 - alphaBar_t)
// The sum over t is estimated by Monte-Carlo: L_0 and L_T are computed for every image, and
// the T-1 diffusion terms from K timesteps drawn uniformly without replacement from 1..T-1,
// sum ~= (T-1)/K * sum over the drawn t (unbiased; exact when K = T-1).
// Each term is in nats per image; bits/dim divides by D ln 2, D = H*W*C.

import * as tf from '@tensorflow/tfjs-core';
import type { EpsModel } from '../diffusion/samplers';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { Random } from '../random';
import { discretizedGaussianLogLikelihood, normalKl } from './gaussian';
import { type ImageSet, checkImageSet, imageLength } from './imageSet';

/**
 * The fixed variance of p(x_{t-1} | x_t): 'posterior' = posteriorVariance_t (Ho's fixedsmall,
 * what the notebook's sampler adds), 'beta' = beta_t (fixedlarge). At t = 0 both use
 * posteriorVariance_1, as Ho's code does, since posteriorVariance_0 = 0 has no logarithm.
 */
export type ReverseVariance = 'posterior' | 'beta';

export interface BitsPerDimOptions {
  seed: number;
  /** Diffusion terms to evaluate, drawn from 1..T-1; T-1 or more evaluates all of them (exact). Default 32. */
  timesteps?: number;
  /** Default 'posterior'. */
  variance?: ReverseVariance;
  /** Clip x0hat to [-1, 1] before forming the model's mean, as Ho's calc_bpd_loop does by default. Default false (eq. 11 as written). */
  clipDenoised?: boolean;
  /** Images per model call. Default 64. */
  batchSize?: number;
  /** Called after each model call. */
  onProgress?: (done: number, total: number) => void;
}

export interface BitsPerDimResult {
  /** prior + diffusion + decoder: the bound on -log2 p(x_0) / D, averaged over the images. */
  total: number;
  /** L_T. */
  prior: number;
  /** sum of L_{t-1} over the T-1 diffusion steps (estimated unless exact). */
  diffusion: number;
  /** Standard error of `diffusion` from drawing the timesteps (0 when exact). */
  diffusionStdErr: number;
  /** L_0. */
  decoder: number;
  /** The diffusion timesteps evaluated (0-based, ascending). */
  timesteps: number[];
  exact: boolean;
  variance: ReverseVariance;
  clipDenoised: boolean;
  images: number;
  seed: number;
  ms: number;
}

/** Per-timestep constants, float64. */
interface StepCoefficients {
  sqrtAlphaBar: number;
  sqrtOneMinusAlphaBar: number;
  sqrtRecipAlphaBar: number;
  sqrtRecipM1AlphaBar: number;
  c1: number;
  c2: number;
  /** log of q(x_{t-1} | x_t, x_0)'s variance (unused at t = 0). */
  trueLogVar: number;
  modelLogVar: number;
}

function stepCoefficients(schedule: NoiseSchedule, t: number, variance: ReverseVariance): StepCoefficients {
  const { betas, alphas, alphasCumprod, alphasCumprodPrev, posteriorVariance } = schedule;
  const abar = alphasCumprod[t]!;
  const abarPrev = alphasCumprodPrev[t]!;
  const modelVar = t === 0 ? posteriorVariance[1]! : variance === 'posterior' ? posteriorVariance[t]! : betas[t]!;
  return {
    sqrtAlphaBar: Math.sqrt(abar),
    sqrtOneMinusAlphaBar: Math.sqrt(1 - abar),
    sqrtRecipAlphaBar: Math.sqrt(1 / abar),
    sqrtRecipM1AlphaBar: Math.sqrt(1 / abar - 1),
    c1: (betas[t]! * Math.sqrt(abarPrev)) / (1 - abar),
    c2: ((1 - abarPrev) * Math.sqrt(alphas[t]!)) / (1 - abar),
    trueLogVar: Math.log(posteriorVariance[t]!),
    modelLogVar: Math.log(modelVar),
  };
}

/** Snaps to the nearest of the 256 levels -1 + k/127.5: the decoder's bins assume 8-bit data. */
function quantize(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(Math.max(Math.round((values[i]! + 1) * 127.5), 0), 255) / 127.5 - 1;
  return out;
}

/** The K diffusion timesteps: K drawn without replacement from 1..T-1, or all of them. */
export function bitsPerDimTimesteps(T: number, count: number, seed: number): number[] {
  if (T < 2) throw new Error(`bits/dim needs T >= 2, got ${T}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`bits/dim: timesteps must be a positive integer, got ${count}`);
  if (count >= T - 1) return Array.from({ length: T - 1 }, (_, i) => i + 1);
  if (count < 2) throw new Error('bits/dim: draw at least 2 timesteps (or all of them) so the estimate has a standard error');
  return Array.from(Random.derive(seed, 'bits-per-dim/timesteps').permutation(T - 1).subarray(0, count), (i) => i + 1).sort((a, b) => a - b);
}

export async function bitsPerDim(model: EpsModel, schedule: NoiseSchedule, images: ImageSet, opts: BitsPerDimOptions): Promise<BitsPerDimResult> {
  const start = performance.now();
  checkImageSet(images, 'bits/dim');
  const T = schedule.T;
  const variance = opts.variance ?? 'posterior';
  const clipDenoised = opts.clipDenoised ?? false;
  const batchSize = opts.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`bits/dim: batchSize must be a positive integer, got ${batchSize}`);
  const diffusionSteps = bitsPerDimTimesteps(T, opts.timesteps ?? 32, opts.seed);
  const exact = diffusionSteps.length === T - 1;
  const [count, h, w, c] = images.shape;
  const D = imageLength(images);
  const toBitsPerDim = 1 / (D * Math.LN2);
  const x0 = quantize(images.data);

  // L_T = KL(N(sqrt(alphaBar_{T-1}) x_0, 1 - alphaBar_{T-1}) || N(0, 1)) per pixel, exact.
  const abarLast = schedule.alphasCumprod[T - 1]!;
  const priorLogVar = Math.log(1 - abarLast);
  const sqrtAbarLast = Math.sqrt(abarLast);
  let priorNats = 0;
  for (let i = 0; i < x0.length; i++) priorNats += normalKl(sqrtAbarLast * x0[i]!, priorLogVar, 0, 0);
  const prior = (priorNats / count) * toBitsPerDim;

  const modelCalls = (diffusionSteps.length + 1) * Math.ceil(count / batchSize);
  let callsDone = 0;
  /** The mean over images of step t's term, in bits/dim: the decoder at t = 0, else the KL. */
  const termAt = async (t: number): Promise<number> => {
    const k = stepCoefficients(schedule, t, variance);
    // Fixed noise per (seed, t), drawn image by image, so batching does not change it.
    const rng = Random.derive(opts.seed, `bits-per-dim/noise/t-${t}`);
    let nats = 0;
    for (let from = 0; from < count; from += batchSize) {
      const n = Math.min(batchSize, count - from);
      const x0Batch = x0.subarray(from * D, (from + n) * D);
      const noise = rng.normals(n * D);
      // x_t in float32, exactly what the model sees; q's mean below uses the same values.
      const xt = new Float32Array(n * D);
      for (let i = 0; i < xt.length; i++) xt[i] = k.sqrtAlphaBar * x0Batch[i]! + k.sqrtOneMinusAlphaBar * noise[i]!;
      const epsTensor = tf.tidy(() => {
        const shape: [number, number, number, number] = [n, h, w, c];
        const out = model(tf.tensor4d(xt, shape), tf.fill([n], t, 'float32') as tf.Tensor1D);
        if (!tf.util.arraysEqual(out.shape, shape)) throw new Error(`bits/dim: the eps-model returned shape [${out.shape}] for input [${shape}]`);
        return out;
      });
      const eps = (await epsTensor.data()) as Float32Array;
      epsTensor.dispose();
      for (let i = 0; i < xt.length; i++) {
        let x0hat = k.sqrtRecipAlphaBar * xt[i]! - k.sqrtRecipM1AlphaBar * eps[i]!;
        if (clipDenoised) x0hat = Math.min(Math.max(x0hat, -1), 1);
        const modelMean = k.c1 * x0hat + k.c2 * xt[i]!;
        if (t === 0) {
          // L_0: c1_0 = 1 and c2_0 = 0, so the decoder's mean is x0hat; its std is exp(modelLogVar / 2).
          nats -= discretizedGaussianLogLikelihood(x0Batch[i]!, modelMean, 0.5 * k.modelLogVar);
        } else {
          nats += normalKl(k.c1 * x0Batch[i]! + k.c2 * xt[i]!, k.trueLogVar, modelMean, k.modelLogVar);
        }
      }
      opts.onProgress?.(++callsDone, modelCalls);
    }
    return (nats / count) * toBitsPerDim;
  };

  const decoder = await termAt(0);
  const perStep: number[] = [];
  for (const t of diffusionSteps) perStep.push(await termAt(t));
  const K = perStep.length;
  const mean = perStep.reduce((a, b) => a + b, 0) / K;
  const diffusion = (T - 1) * mean;
  // Sampling K of the T-1 steps without replacement: Var = (T-1)^2 s^2 / K (1 - K/(T-1)).
  const sampleVar = K > 1 ? perStep.reduce((a, v) => a + (v - mean) ** 2, 0) / (K - 1) : 0;
  const diffusionStdErr = exact ? 0 : (T - 1) * Math.sqrt((sampleVar / K) * (1 - K / (T - 1)));
  return {
    total: prior + diffusion + decoder,
    prior,
    diffusion,
    diffusionStdErr,
    decoder,
    timesteps: diffusionSteps,
    exact,
    variance,
    clipDenoised,
    images: count,
    seed: opts.seed,
    ms: performance.now() - start,
  };
}
