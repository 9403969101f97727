import {
  ACTIVATIONS, ActivationName, BACKENDS, BackendName, BackendRequest, LOSSES, LossName,
  PRESET_CHANNELS, PRESETS, PresetName, SAMPLERS, SAMPLING_BATCH_NORMS, SAMPLING_CLAMPS, SCHEDULES,
  SamplerName, SamplingBatchNorm, SamplingClamp, ScheduleName, isOneOf,
} from './options';

/** Which part of a Stanford Cars folder to use; the notebook concatenates train and test (`all`). */
export const DATASET_SPLITS = ['train', 'test', 'all'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** How a non-square image becomes square: `fill` stretches (the notebook), `cover` centre-crops. */
export const IMAGE_FITS = ['fill', 'cover'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];

/** Every hyperparameter of one training run. Defaults reproduce the course notebook. */
export interface RunConfig {
  preset: PresetName;
  /** Down-path widths, conv0 first; defaults to the preset's. */
  channels: number[];
  /** `toy-cars` (built in) or a folder of images. */
  dataset: string;
  /** Stanford Cars folders only: `train`, `test` or both (`all`). */
  datasetSplit: DatasetSplit;
  /** `fill` resizes to imgSize x imgSize ignoring the aspect ratio; `cover` centre-crops. */
  imageFit: ImageFit;
  /** Images in the built-in toy-cars set. */
  toyCarsCount: number;
  /** Held-out images, never trained on: min(heldOutCount, round(heldOutFraction * images)). */
  heldOutCount: number;
  heldOutFraction: number;
  imgSize: number;
  batchSize: number;
  /** T: number of diffusion steps. */
  timesteps: number;
  schedule: ScheduleName;
  betaStart: number;
  betaEnd: number;
  activation: ActivationName;
  loss: LossName;
  /** Transition point of the huber and smooth-l1 losses. */
  huberDelta: number;
  lr: number;
  epochs: number;
  /** Stop after this many optimiser steps even if epochs remain (0 = no limit). */
  maxSteps: number;
  /** Save a reverse-process strip and checkpoint every this many epochs (0 = only at the end). */
  sampleEvery: number;
  /** Images in the final sample grid. */
  sampleCount: number;
  seed: number;
  backend: BackendRequest;
  // Options that fix the notebook's known weaknesses; each default is the notebook's behaviour.
  sampler: SamplerName;
  /** DDIM only: model evaluations, evenly spaced over T. */
  ddimSteps: number;
  /** DDIM only: 0 deterministic, 1 as much noise as DDPM. */
  ddimEta: number;
  samplingClamp: SamplingClamp;
  samplingBatchNorm: SamplingBatchNorm;
  /** Exponential moving average of the weights, sampled from when on (0 = off; e.g. 0.999). */
  emaDecay: number;
  /** Learning rate rises linearly from lr/warmup to lr over this many steps (0 = off). */
  lrWarmupSteps: number;
  /** Gradients are scaled down to this global L2 norm when above it (0 = off). */
  gradClipNorm: number;
  /** Held-out images for the held-out loss and bits/dim (0 = no quality evaluation). */
  evalImages: number;
  /** Diffusion terms the bits/dim estimate evaluates (Monte-Carlo over t). */
  evalTimesteps: number;
}

export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = Object.freeze({
  preset: 'reference',
  channels: [...PRESET_CHANNELS.reference],
  dataset: 'toy-cars',
  datasetSplit: 'all',
  imageFit: 'fill',
  toyCarsCount: 2048,
  heldOutCount: 512,
  heldOutFraction: 0.05,
  imgSize: 32,
  batchSize: 128,
  timesteps: 300,
  schedule: 'linear',
  betaStart: 1e-4,
  betaEnd: 0.02,
  activation: 'relu',
  loss: 'l1',
  huberDelta: 1,
  lr: 1e-4,
  epochs: 20,
  maxSteps: 0,
  sampleEvery: 2,
  sampleCount: 16,
  seed: 0,
  backend: 'auto',
  sampler: 'ddpm',
  ddimSteps: 50,
  ddimEta: 0,
  samplingClamp: 'x_t',
  samplingBatchNorm: 'train',
  emaDecay: 0,
  lrWarmupSteps: 0,
  gradClipNorm: 0,
  evalImages: 64,
  evalTimesteps: 16,
} satisfies RunConfig);

/** What the trainer found out while starting a run; written into config.json beside the config. */
export interface RunEnvironment {
  backend: BackendName;
  /** GPU name when tfjs reports one. */
  gpu?: string;
  /** What started and how, e.g. `wasm (SIMD, 2 threads, custom conv gradient kernels)`. */
  backendDetail?: string;
  /** The WebGPU adapter, when the backend is webgpu. */
  gpuAdapter?: GpuAdapterRecord;
  parameterCount: number;
  datasetFingerprint: string;
  /** What the run trained and evaluated on (written by trainers that know it). */
  dataset?: DatasetRecord;
  diffusionLabVersion: string;
  createdAt: string;
}

/** A WebGPU adapter as Dawn reports it, with the limits that bound the largest tensor. */
export interface GpuAdapterRecord {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** SwiftShader, llvmpipe or another fallback adapter: correct, but far slower than wasm. */
  software: boolean;
  /** Bytes. */
  maxBufferSize: number;
  /** Bytes: the largest tensor one kernel can bind. */
  maxStorageBufferBindingSize: number;
}

/** The images behind a run, as recorded in config.json. */
export interface DatasetRecord {
  /** `toy-cars`, `stanford-cars`, or the folder's name. */
  name: string;
  /** The folder read, absolute; absent for toy-cars. */
  path?: string;
  /** Usable images (training + held out). */
  images: number;
  /** Files that looked like images but could not be read (corrupt, empty, unsupported). */
  skipped: number;
  trainImages: number;
  heldOutImages: number;
  /** Names which images were held out; the same at every image size. */
  heldOutFingerprint: string;
}

/** The content of a run's config.json. */
export interface RunConfigFile {
  formatVersion: 1;
  runId: string;
  config: RunConfig;
  environment: RunEnvironment;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const INTEGER_FIELDS = ['toyCarsCount', 'heldOutCount', 'imgSize', 'batchSize', 'timesteps', 'epochs', 'maxSteps',
  'sampleEvery', 'sampleCount', 'seed', 'ddimSteps', 'lrWarmupSteps', 'evalImages', 'evalTimesteps'] as const;

/**
 * Fills defaults, applies the preset's widths when none are given, and checks every field.
 * `source` names where the values came from (a file, "command line") for error messages.
 */
export function resolveRunConfig(partial: Partial<RunConfig> & Record<string, unknown>, source = 'config'): RunConfig {
  const known = new Set(Object.keys(DEFAULT_RUN_CONFIG));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new ConfigError(`${source}: unknown field "${key}" (valid: ${[...known].join(', ')})`);
  }
  const preset = partial.preset ?? DEFAULT_RUN_CONFIG.preset;
  if (!isOneOf(PRESETS, preset)) throw new ConfigError(`${source}: unknown preset "${String(preset)}" (valid: ${PRESETS.join(', ')})`);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const config: RunConfig = {
    ...DEFAULT_RUN_CONFIG,
    channels: [...PRESET_CHANNELS[preset]],
    ...defined,
    preset,
  } as RunConfig;
  validateRunConfig(config, source);
  return config;
}

/** Throws a ConfigError naming the field and the value at fault. */
export function validateRunConfig(c: RunConfig, source = 'config'): void {
  const fail = (field: string, msg: string): never => {
    throw new ConfigError(`${source}: ${field} ${msg}`);
  };
  const names: [keyof RunConfig, readonly string[]][] = [
    ['activation', ACTIVATIONS], ['loss', LOSSES], ['schedule', SCHEDULES], ['backend', BACKENDS],
    ['datasetSplit', DATASET_SPLITS], ['imageFit', IMAGE_FITS], ['sampler', SAMPLERS],
    ['samplingClamp', SAMPLING_CLAMPS], ['samplingBatchNorm', SAMPLING_BATCH_NORMS],
  ];
  for (const [field, list] of names) {
    if (!isOneOf(list, c[field])) fail(field, `"${String(c[field])}" is not known (valid: ${list.join(', ')})`);
  }
  for (const field of INTEGER_FIELDS) {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(field, `must be an integer, got ${JSON.stringify(v)}`);
  }
  for (const field of ['toyCarsCount', 'imgSize', 'batchSize', 'epochs', 'sampleCount', 'evalTimesteps'] as const) {
    if (c[field] <= 0) fail(field, `must be positive, got ${c[field]}`);
  }
  for (const field of ['maxSteps', 'sampleEvery', 'seed', 'heldOutCount', 'lrWarmupSteps', 'evalImages'] as const) {
    if (c[field] < 0) fail(field, `must be zero or more, got ${c[field]}`);
  }
  if (c.timesteps < 2) fail('timesteps', `must be at least 2, got ${c.timesteps}`);
  // One term would train to the end and then fail: bits/dim needs two for a standard error.
  if (c.evalTimesteps < 2) fail('evalTimesteps', `must be at least 2 (the bits/dim estimate needs two terms for its standard error), got ${c.evalTimesteps}`);
  if (!Array.isArray(c.channels) || c.channels.length < 2 || !c.channels.every((w) => Number.isInteger(w) && w > 0)) {
    fail('channels', `must list at least two positive integer widths, got ${JSON.stringify(c.channels)}`);
  }
  const depth = c.channels.length - 1;
  if (c.imgSize % 2 ** depth !== 0) {
    fail('imgSize', `${c.imgSize} is not divisible by 2^${depth} = ${2 ** depth} (the U-Net halves the image ${depth} times)`);
  }
  for (const field of ['lr', 'betaStart', 'betaEnd', 'huberDelta'] as const) {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(field, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  if (c.betaEnd >= 1 || c.betaStart >= c.betaEnd) {
    fail('betaStart/betaEnd', `need 0 < betaStart < betaEnd < 1, got ${c.betaStart} .. ${c.betaEnd}`);
  }
  if (typeof c.dataset !== 'string' || c.dataset.length === 0) fail('dataset', 'must be "toy-cars" or a folder path');
  if (typeof c.heldOutFraction !== 'number' || !(c.heldOutFraction >= 0 && c.heldOutFraction < 1)) {
    fail('heldOutFraction', `must be a number from 0 (no held-out set) up to but not including 1, got ${JSON.stringify(c.heldOutFraction)}`);
  }
  if (c.ddimSteps < 1) fail('ddimSteps', `must be positive, got ${c.ddimSteps}`);
  if (c.sampler === 'ddim' && c.ddimSteps > c.timesteps) fail('ddimSteps', `must be at most timesteps (${c.timesteps}) for DDIM, got ${c.ddimSteps}`);
  for (const [field, low, high] of [['ddimEta', 0, Infinity], ['emaDecay', 0, 1], ['gradClipNorm', 0, Infinity]] as const) {
    const v = c[field];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < low || v >= high) {
      fail(field, `must be a number ${high === 1 ? 'from 0 up to but not including 1' : 'of 0 or more'}, got ${JSON.stringify(v)}`);
    }
  }
  if (c.dataset === 'toy-cars' && c.datasetSplit !== 'all') {
    fail('datasetSplit', `"${c.datasetSplit}" applies to Stanford Cars folders; toy-cars has no train/test split (use "all")`);
  }
}
