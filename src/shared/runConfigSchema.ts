// JSON Schema of one RunConfig field each: the sweep file's `base`, `axes` and `grid` are
// built from these. `satisfies Record<keyof RunConfig, …>` makes a field added to RunConfig
// without an entry here (or an entry without a field) a compile error, and sweepSchema.ts
// checks that the type derived from these schemas is RunConfig itself.
import { ACTIVATIONS, BACKENDS, LOSSES, PRESETS, SAMPLERS, SAMPLING_BATCH_NORMS, SAMPLING_CLAMPS, SCHEDULES } from './options';
import { DATASET_SPLITS, DEFAULT_RUN_CONFIG, IMAGE_FITS, type RunConfig } from './runConfig';

const d = DEFAULT_RUN_CONFIG;

/** The subset of JSON Schema (draft-07) the run-config field schemas use. */
export interface FieldSchema {
  readonly type: 'integer' | 'number' | 'string' | 'array';
  readonly description: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
  readonly items?: { readonly type: 'integer'; readonly minimum: number };
  readonly default?: unknown;
}

export const RUN_CONFIG_PROPERTIES = {
  preset: {
    type: 'string', enum: PRESETS, default: d.preset,
    description: 'Model widths: `reference` is the notebook\'s 62M-parameter SimpleUnet; `small` trains in minutes on a CPU.',
  },
  channels: {
    type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2,
    description: 'Down-path widths, conv0 first (e.g. [32, 64, 128, 256]); overrides the preset\'s. Each extra width halves the image once more.',
  },
  dataset: {
    type: 'string', minLength: 1, default: d.dataset,
    description: '`toy-cars` (built in, drawn on the fly) or a folder of images, e.g. a Stanford Cars folder in torchvision\'s layout.',
  },
  datasetSplit: {
    type: 'string', enum: DATASET_SPLITS, default: d.datasetSplit,
    description: 'Stanford Cars folders only: `train`, `test`, or both (`all`, as the notebook does).',
  },
  imageFit: {
    type: 'string', enum: IMAGE_FITS, default: d.imageFit,
    description: 'How images become square: `fill` stretches to imgSize x imgSize (the notebook), `cover` centre-crops.',
  },
  toyCarsCount: {
    type: 'integer', minimum: 1, default: d.toyCarsCount,
    description: 'Images in the built-in toy-cars set.',
  },
  heldOutCount: {
    type: 'integer', minimum: 0, default: d.heldOutCount,
    description: 'At most this many images are held out (never trained on) for the quality measurements.',
  },
  heldOutFraction: {
    type: 'number', minimum: 0, exclusiveMaximum: 1, default: d.heldOutFraction,
    description: 'Fraction of the images held out, capped by heldOutCount; 0 holds none out.',
  },
  imgSize: {
    type: 'integer', minimum: 1, default: d.imgSize,
    description: 'IMG_SIZE: images are resized to N x N; must be divisible by 2^(number of channels - 1).',
  },
  batchSize: {
    type: 'integer', minimum: 1, default: d.batchSize,
    description: 'BATCH_SIZE: images per optimiser step; the last incomplete batch of an epoch is dropped.',
  },
  timesteps: {
    type: 'integer', minimum: 2, default: d.timesteps,
    description: 'T: number of diffusion steps, for noising in training and denoising when sampling.',
  },
  schedule: {
    type: 'string', enum: SCHEDULES, default: d.schedule,
    description: 'Beta schedule: `linear` (the notebook), `cosine` (Nichol & Dhariwal), `linear-scaled` (linear, betas scaled by 1000/T).',
  },
  betaStart: {
    type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: d.betaStart,
    description: 'First beta of the linear schedules (the notebook: 1e-4); must be below betaEnd.',
  },
  betaEnd: {
    type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: d.betaEnd,
    description: 'Last beta of the linear schedules (the notebook: 0.02).',
  },
  activation: {
    type: 'string', enum: ACTIVATIONS, default: d.activation,
    description: 'Activation inside the U-Net blocks; the notebook uses `relu`.',
  },
  loss: {
    type: 'string', enum: LOSSES, default: d.loss,
    description: 'Loss between true and predicted noise: `l1` (the notebook), `l2`, `huber`, `smooth-l1`.',
  },
  huberDelta: {
    type: 'number', exclusiveMinimum: 0, default: d.huberDelta,
    description: 'Transition point of the `huber` loss, and beta of `smooth-l1`.',
  },
  lr: {
    type: 'number', exclusiveMinimum: 0, default: d.lr,
    description: 'Adam learning rate (the notebook: 1e-4).',
  },
  epochs: {
    type: 'integer', minimum: 1, default: d.epochs,
    description: 'Passes over the training images (the notebook: 20).',
  },
  maxSteps: {
    type: 'integer', minimum: 0, default: d.maxSteps,
    description: 'Stop after this many optimiser steps even if epochs remain; 0 means no limit.',
  },
  sampleEvery: {
    type: 'integer', minimum: 0, default: d.sampleEvery,
    description: 'Save a reverse-process strip and a checkpoint every N epochs; 0 means only at the end.',
  },
  sampleCount: {
    type: 'integer', minimum: 1, default: d.sampleCount,
    description: 'Images in the final sample grid.',
  },
  seed: {
    type: 'integer', minimum: 0, default: d.seed,
    description: 'Random seed for weights, batches, noise and sampling; `repeats` adds 0, 1, 2, ... to it.',
  },
  backend: {
    type: 'string', enum: BACKENDS, default: d.backend,
    description: 'TensorFlow.js backend: `auto` tries tensorflow (CUDA, then CPU), then webgpu on a hardware GPU (Metal, Vulkan, D3D12), then wasm, then cpu. `webgpu` asked for by name also takes a software adapter (SwiftShader), and says so.',
  },
  sampler: {
    type: 'string', enum: SAMPLERS, default: d.sampler,
    description: '`ddpm`: ancestral sampling over all T steps (the notebook); `ddim`: Song et al., ddimSteps steps, much faster.',
  },
  ddimSteps: {
    type: 'integer', minimum: 1, default: d.ddimSteps,
    description: 'DDIM only: model evaluations, evenly spaced over T (at most T).',
  },
  ddimEta: {
    type: 'number', minimum: 0, default: d.ddimEta,
    description: 'DDIM only: noise per step, 0 deterministic, 1 as much as DDPM.',
  },
  samplingClamp: {
    type: 'string', enum: SAMPLING_CLAMPS, default: d.samplingClamp,
    description: '`x_t`: clamp the image to [-1, 1] after every step (the notebook); `x0`: clamp the predicted x_0 instead (keeps the noise level right); `none`.',
  },
  samplingBatchNorm: {
    type: 'string', enum: SAMPLING_BATCH_NORMS, default: d.samplingBatchNorm,
    description: 'BatchNorm while sampling: `train` uses the batch\'s statistics (the notebook never calls model.eval()); `eval` uses the running statistics.',
  },
  emaDecay: {
    type: 'number', minimum: 0, exclusiveMaximum: 1, default: d.emaDecay,
    description: 'Keep an exponential moving average of the weights with this decay (e.g. 0.999) and sample from it; 0 is off (the notebook).',
  },
  lrWarmupSteps: {
    type: 'integer', minimum: 0, default: d.lrWarmupSteps,
    description: 'Raise the learning rate linearly over the first N steps; 0 is off (the notebook).',
  },
  gradClipNorm: {
    type: 'number', minimum: 0, default: d.gradClipNorm,
    description: 'Scale gradients down to this global L2 norm when larger (e.g. 1); 0 is off (the notebook).',
  },
  evalImages: {
    type: 'integer', minimum: 0, default: d.evalImages,
    description: 'Held-out images scored for the held-out loss (at every sampling epoch) and bits/dim (at the end); 0 turns quality evaluation off.',
  },
  evalTimesteps: {
    type: 'integer', minimum: 2, default: d.evalTimesteps,
    description: 'Diffusion terms the bits/dim bound evaluates (a Monte-Carlo estimate over t, at least 2 for its standard error; T-1 or more is exact).',
  },
} as const satisfies Record<keyof RunConfig, FieldSchema>;

export type RunConfigField = keyof typeof RUN_CONFIG_PROPERTIES;

export const RUN_CONFIG_FIELDS = Object.keys(RUN_CONFIG_PROPERTIES) as RunConfigField[];
