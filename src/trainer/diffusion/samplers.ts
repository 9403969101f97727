// Reverse-process samplers: ancestral DDPM exactly as the reference notebook, and DDIM.
// All noise comes from the caller's Random, so a seed gives the same images on every backend.

import * as tf from '@tensorflow/tfjs-core';
import type { Random } from '../random';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import type { SamplerName, SamplingClamp } from '../../shared/options';
import type { RunConfig } from '../../shared/runConfig';

/** Predicts the noise in x at the given timesteps (float32 values, one per example). */
export type EpsModel = (x: tf.Tensor4D, t: tf.Tensor1D) => tf.Tensor4D;

export interface SamplerOptions {
  count: number;
  imgSize: number;
  rng: Random;
  clamp: SamplingClamp;
  /** Image channels; 3 (RGB) unless given. */
  channels?: number;
  /** How many intermediate images of example 0 to keep; the notebook's strip has 10 (the default). */
  snapshots?: number;
  onProgress?: (stepsDone: number, total: number) => void;
}

export interface DdimOptions extends SamplerOptions {
  /** Model evaluations, evenly spaced over 0..T-1 (1..T). */
  steps: number;
  /** 0: deterministic DDIM; 1: the DDPM posterior variance. Default 0. */
  eta?: number;
}

export interface SampleResult {
  images: tf.Tensor4D;
  /** [snapshots, H, W, C]: example 0 after the steps listed in snapshotSteps, in sampling order. */
  snapshots: tf.Tensor4D;
  /** The timestep t processed by the step after which each snapshot was taken. */
  snapshotSteps: number[];
}

const DEFAULT_SNAPSHOTS = 10;

/** Ancestral DDPM (Ho et al. 2020): T model calls, t = T-1 .. 0. */
export async function ddpmSample(model: EpsModel, schedule: NoiseSchedule, opts: SamplerOptions): Promise<SampleResult> {
  const { betas, sqrtRecipAlphas, sqrtOneMinusAlphasCumprod, posteriorVariance } = schedule;
  const timesteps: number[] = [];
  for (let t = schedule.T - 1; t >= 0; t--) timesteps.push(t);
  const { alphas, alphasCumprod, alphasCumprodPrev } = schedule;
  return runReverseProcess(timesteps, opts, (x, t) => {
    const eps = predictNoise(model, x, t);
    let mean: tf.Tensor;
    if (opts.clamp === 'x0') {
      // Posterior mean of q(x_{t-1} | x_t, x_0) at the clamped estimate of x_0 (DDPM eq. 7).
      const x0 = clampedX0(x, eps, alphasCumprod[t]!);
      const denom = 1 - alphasCumprod[t]!;
      const x0Coef = (betas[t]! * Math.sqrt(alphasCumprodPrev[t]!)) / denom;
      const xtCoef = ((1 - alphasCumprodPrev[t]!) * Math.sqrt(alphas[t]!)) / denom;
      mean = tf.add(tf.mul(x0, x0Coef), tf.mul(x, xtCoef));
    } else {
      mean = tf.mul(tf.sub(x, tf.mul(eps, betas[t]! / sqrtOneMinusAlphasCumprod[t]!)), sqrtRecipAlphas[t]!);
    }
    if (t === 0) return mean as tf.Tensor4D;
    return tf.add(mean, tf.mul(drawNoise(opts.rng, x.shape), Math.sqrt(posteriorVariance[t]!))) as tf.Tensor4D;
  });
}

/**
 * DDIM (Song et al. 2021) over `steps` timesteps -1 + floor(i T / steps), i = steps..1, each
 * stepping to the next lower one (to "t = -1", alphaBar = 1, at the end). eta scales the noise.
 */
export async function ddimSample(model: EpsModel, schedule: NoiseSchedule, opts: DdimOptions): Promise<SampleResult> {
  const { T, alphasCumprod } = schedule;
  const { steps } = opts;
  const eta = opts.eta ?? 0;
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`ddimSample: steps must be an integer in 1..${T}, got ${steps}`);
  }
  if (!(eta >= 0)) throw new Error(`ddimSample: eta must be >= 0, got ${eta}`);
  const times: number[] = [];
  for (let i = steps; i >= 0; i--) times.push(-1 + Math.floor((i * T) / steps));
  const nextTime = new Map<number, number>();
  for (let i = 0; i < steps; i++) nextTime.set(times[i]!, times[i + 1]!);

  return runReverseProcess(times.slice(0, steps), opts, (x, t) => {
    const tNext = nextTime.get(t)!;
    const abar = alphasCumprod[t]!;
    const abarNext = tNext >= 0 ? alphasCumprod[tNext]! : 1;
    const sigma = eta * Math.sqrt(((1 - abarNext) / (1 - abar)) * (1 - abar / abarNext));
    const towardsEps = Math.sqrt(Math.max(1 - abarNext - sigma * sigma, 0));
    // x_next = sqrt(abarNext) x0_pred + towardsEps eps + sigma z, with
    // x0_pred = (x - sqrt(1 - abar) eps) / sqrt(abar), folded into one coefficient each.
    const eps = predictNoise(model, x, t);
    let mean: tf.Tensor;
    if (opts.clamp === 'x0') {
      // Step from the clamped x_0 estimate, with the noise direction re-derived from it.
      const x0 = clampedX0(x, eps, abar);
      const epsFromX0 = tf.div(tf.sub(x, tf.mul(x0, Math.sqrt(abar))), Math.sqrt(1 - abar));
      mean = tf.add(tf.mul(x0, Math.sqrt(abarNext)), tf.mul(epsFromX0, towardsEps));
    } else {
      const xCoef = Math.sqrt(abarNext / abar);
      const epsCoef = towardsEps - xCoef * Math.sqrt(1 - abar);
      mean = tf.add(tf.mul(x, xCoef), tf.mul(eps, epsCoef));
    }
    if (sigma === 0) return mean as tf.Tensor4D;
    return tf.add(mean, tf.mul(drawNoise(opts.rng, x.shape), sigma)) as tf.Tensor4D;
  });
}

/** A sampler by name, and the run-config fields that are its own options. */
export interface Sampler<Option extends keyof RunConfig> {
  /** Fields only this sampler reads; their descriptions say so (e.g. `DDIM only: ...`). */
  readonly options: readonly Option[];
  readonly sample: (model: EpsModel, schedule: NoiseSchedule, opts: SamplerOptions, config: Pick<RunConfig, Option>) => Promise<SampleResult>;
}

/** Infers a sampler's options from its list, so that `sample` may read those fields and no others. */
function sampler<Option extends keyof RunConfig>(entry: Sampler<Option>): Sampler<Option> {
  return entry;
}

/** A new sampler is a name in SAMPLERS (shared/options.ts), an entry here, and its options in RUN_CONFIG_TABLE. */
export const REVERSE_SAMPLERS = {
  // Ho et al. 2020, Algorithm 2: every one of the T steps.
  ddpm: sampler({ options: [], sample: ddpmSample }),
  // Song et al. 2021, eq. 12: ddimSteps of the T steps; ddimEta = 0 is deterministic.
  ddim: sampler({
    options: ['ddimSteps', 'ddimEta'],
    sample: (model, schedule, opts, c) => ddimSample(model, schedule, { ...opts, steps: c.ddimSteps, eta: c.ddimEta }),
  }),
} as const satisfies Readonly<Record<SamplerName, Sampler<keyof RunConfig>>>;

/** The run-config fields some sampler reads for itself. */
export type SamplerOptionField = (typeof REVERSE_SAMPLERS)[SamplerName]['options'][number];

/** x_0 = (x_t - sqrt(1 - abar) eps) / sqrt(abar), clamped to the data range. */
function clampedX0(x: tf.Tensor4D, eps: tf.Tensor4D, abar: number): tf.Tensor {
  return tf.clipByValue(tf.div(tf.sub(x, tf.mul(eps, Math.sqrt(1 - abar))), Math.sqrt(abar)), -1, 1);
}

function predictNoise(model: EpsModel, x: tf.Tensor4D, t: number): tf.Tensor4D {
  const eps = model(x, tf.fill([x.shape[0]], t, 'float32') as tf.Tensor1D);
  if (!tf.util.arraysEqual(eps.shape, x.shape)) {
    throw new Error(`eps-model returned shape [${eps.shape}] for input [${x.shape}]`);
  }
  return eps;
}

function drawNoise(rng: Random, shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tensor4d(rng.normals(shape[0] * shape[1] * shape[2] * shape[3]), shape);
}

/** Yields to the event loop so a trainer process can handle messages during a long loop. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Step indices (into a run of `stepCount` steps) after which to keep a snapshot: those with
 * r = stepCount-1-index a multiple of floor(stepCount / snapshots), the last `snapshots` of them.
 * With stepCount = T this is the notebook's `t % (T // 10) == 0`.
 */
function snapshotIndices(stepCount: number, snapshots: number): Set<number> {
  const n = Math.min(Math.max(Math.floor(snapshots), 0), stepCount);
  const picked = new Set<number>();
  if (n === 0) return picked;
  const interval = Math.floor(stepCount / n);
  for (let k = 0; k < n; k++) picked.add(stepCount - 1 - k * interval);
  return picked;
}

/**
 * The loop both samplers share: x ~ N(0, I) from the rng, then `step` for each timestep in
 * order, clamping, snapshots, progress and tensor disposal.
 */
async function runReverseProcess(
  timesteps: number[],
  opts: SamplerOptions,
  step: (x: tf.Tensor4D, t: number) => tf.Tensor4D,
): Promise<SampleResult> {
  const { count, imgSize, rng, clamp, onProgress } = opts;
  const channels = opts.channels ?? 3;
  for (const [name, value] of [['count', count], ['imgSize', imgSize], ['channels', channels]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`sampler: ${name} must be a positive integer, got ${value}`);
  }
  const shape: [number, number, number, number] = [count, imgSize, imgSize, channels];
  const keep = snapshotIndices(timesteps.length, opts.snapshots ?? DEFAULT_SNAPSHOTS);
  const kept: tf.Tensor4D[] = [];
  const snapshotSteps: number[] = [];

  let x = drawNoise(rng, shape);
  try {
    for (let i = 0; i < timesteps.length; i++) {
      const t = timesteps[i]!;
      const previous = x;
      x = tf.tidy(() => {
        const next = step(previous, t);
        return clamp === 'x_t' ? tf.clipByValue(next, -1, 1) : next;
      });
      previous.dispose();
      if (keep.has(i)) {
        const current = x;
        kept.push(tf.tidy(() => tf.slice(current, [0, 0, 0, 0], [1, imgSize, imgSize, channels])));
        snapshotSteps.push(t);
      }
      onProgress?.(i + 1, timesteps.length);
      await yieldToEventLoop();
    }
    const snapshots = kept.length > 0 ? tf.concat(kept, 0) : tf.zeros([0, imgSize, imgSize, channels]) as tf.Tensor4D;
    return { images: x, snapshots, snapshotSteps };
  } catch (error) {
    x.dispose();
    throw error;
  } finally {
    for (const s of kept) s.dispose();
  }
}
