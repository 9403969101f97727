// Beta schedules and the arrays derived from them, all in float64. The reference
// notebook computes them in float32 with torch; float64 is the exact value those
// approximate, and tensors built from these arrays are float32 anyway.

import type { ScheduleName } from './options';

export type BetaSchedule = (T: number, betaStart: number, betaEnd: number) => Float64Array;

/** `T` values from `start` to `end` inclusive, computed as torch.linspace does (two halves). */
export function linspace(start: number, end: number, T: number): Float64Array {
  const out = new Float64Array(T);
  if (T === 1) {
    out[0] = start;
    return out;
  }
  const step = (end - start) / (T - 1);
  const half = Math.floor(T / 2);
  for (let i = 0; i < T; i++) out[i] = i < half ? start + i * step : end - (T - 1 - i) * step;
  return out;
}

/** Improved DDPM (Nichol & Dhariwal 2021): alpha-bar follows cos^2; betaStart/betaEnd are unused. */
function cosineBetas(T: number): Float64Array {
  const s = 0.008;
  const alphaBar = (i: number) => Math.cos(((i / T + s) / (1 + s)) * Math.PI * 0.5) ** 2;
  const betas = new Float64Array(T);
  for (let i = 0; i < T; i++) {
    // Clipped as in the paper: near t = T alpha-bar reaches 0 and beta would be 1.
    betas[i] = Math.min(Math.max(1 - alphaBar(i + 1) / alphaBar(i), 0), 0.999);
  }
  return betas;
}

export const BETA_SCHEDULES: Readonly<Record<ScheduleName, BetaSchedule>> = {
  linear: (T, betaStart, betaEnd) => linspace(betaStart, betaEnd, T),
  cosine: (T) => cosineBetas(T),
  // denoising-diffusion-pytorch: the 1e-4..0.02 range is tuned for T = 1000; scaling by
  // 1000/T keeps the total amount of noise similar for other T.
  'linear-scaled': (T, betaStart, betaEnd) => {
    const scale = 1000 / T;
    return linspace(scale * betaStart, scale * betaEnd, T);
  },
};

export interface NoiseSchedule {
  readonly name: ScheduleName;
  /** Number of diffusion steps; t runs over 0..T-1. */
  readonly T: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** alphasCumprod shifted right by one, 1.0 first. */
  readonly alphasCumprodPrev: Float64Array;
  readonly sqrtRecipAlphas: Float64Array;
  readonly sqrtAlphasCumprod: Float64Array;
  readonly sqrtOneMinusAlphasCumprod: Float64Array;
  /** beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t): variance of q(x_{t-1} | x_t, x_0); 0 at t = 0. */
  readonly posteriorVariance: Float64Array;
  /** alphaBar_t / (1 - alphaBar_t). */
  readonly signalToNoise: Float64Array;
}

export function makeNoiseSchedule(
  name: ScheduleName,
  T: number,
  betaStart: number,
  betaEnd: number,
): NoiseSchedule {
  if (!Number.isInteger(T) || T < 1) throw new Error(`T must be a positive integer, got ${T}`);
  const schedule = BETA_SCHEDULES[name];
  if (!schedule) throw new Error(`unknown schedule "${name}"`);
  const betas = schedule(T, betaStart, betaEnd);
  for (let t = 0; t < T; t++) {
    // beta = 0 makes 1 - alphaBar_0 = 0 (posterior variance 0/0); beta >= 1 makes 1/sqrt(alpha) infinite.
    const b = betas[t]!;
    if (!(b > 0 && b < 1)) {
      throw new Error(`schedule "${name}" with T=${T}, beta ${betaStart}..${betaEnd} gives beta[${t}] = ${b}; need 0 < beta < 1`);
    }
  }

  const alphas = new Float64Array(T);
  const alphasCumprod = new Float64Array(T);
  const alphasCumprodPrev = new Float64Array(T);
  const sqrtRecipAlphas = new Float64Array(T);
  const sqrtAlphasCumprod = new Float64Array(T);
  const sqrtOneMinusAlphasCumprod = new Float64Array(T);
  const posteriorVariance = new Float64Array(T);
  const signalToNoise = new Float64Array(T);
  let product = 1;
  for (let t = 0; t < T; t++) {
    const beta = betas[t]!;
    const alpha = 1 - beta;
    alphasCumprodPrev[t] = product;
    product *= alpha;
    alphas[t] = alpha;
    alphasCumprod[t] = product;
    sqrtRecipAlphas[t] = Math.sqrt(1 / alpha);
    sqrtAlphasCumprod[t] = Math.sqrt(product);
    sqrtOneMinusAlphasCumprod[t] = Math.sqrt(1 - product);
    posteriorVariance[t] = (beta * (1 - alphasCumprodPrev[t]!)) / (1 - product);
    signalToNoise[t] = product / (1 - product);
  }
  return {
    name, T, betas, alphas, alphasCumprod, alphasCumprodPrev, sqrtRecipAlphas,
    sqrtAlphasCumprod, sqrtOneMinusAlphasCumprod, posteriorVariance, signalToNoise,
  };
}
