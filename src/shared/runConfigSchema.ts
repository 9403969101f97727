// Every field of a run config, once: its JSON Schema (type, bounds, default, a one-line
// description) and whether the trainer CLI has a flag for it. Derived from this table: the
// RunConfig type and DEFAULT_RUN_CONFIG (runConfig.ts), the Ajv check of a run config
// (runConfigValidator.ts), the sweep file's schema (sweepSchema.ts), the CLI's flags and
// help (src/trainer/cliArgs.ts) and the choices of Train Single Run. A new field is one entry
// here plus its use; a new entry without a `flag` decision does not compile.
import {
  ACTIVATIONS, BACKENDS, DATASET_SPLITS, IMAGE_FITS, LOSSES, NORMALIZATIONS, PRESETS, RECIPES, RESIDUALS, SAMPLERS, SAMPLING_BATCH_NORMS, SAMPLING_CLAMPS, SCHEDULES,
} from './options';

/** One field: the subset of JSON Schema (draft-07) the fields use, and its command-line flag. */
export interface FieldSpec {
  readonly type: 'integer' | 'number' | 'string' | 'array';
  /** One line: the editor shows it on hover, the CLI in --help, Train Single Run under its choices. */
  readonly description: string;
  readonly enum?: readonly string[];
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
  readonly items?: { readonly type: 'integer'; readonly minimum: number };
  /** The course notebook's value. Absent only for channels, which defaults to the preset's widths. */
  readonly default?: string | number;
  /** Values worth trying (the assignment's): the editor offers them, and so does Train Single Run. */
  readonly examples?: readonly number[];
  /** true: the trainer CLI takes `--kebab-case-name VALUE`; false: set in a config or sweep file only. */
  readonly flag: boolean;
}

export const RUN_CONFIG_TABLE = {
  recipe: {
    type: 'string', enum: RECIPES, default: 'faithful', flag: true,
    description: '`faithful`: the notebook\'s training and sampling. `improved`: the fixes for its poor cars (GroupNorm, residual blocks, SiLU, cosine schedule, L2 loss, lr 2e-3 with warmup, EMA 0.995, x0 clamp, eval-mode BatchNorm); any field given explicitly wins over the recipe.',
  },
  preset: {
    type: 'string', enum: PRESETS, default: 'reference', flag: true,
    description: 'Model widths: `reference` is the notebook\'s 62M-parameter SimpleUnet; `small` trains in minutes on a CPU.',
  },
  channels: {
    type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 2, flag: true,
    description: 'Down-path widths, conv0 first (e.g. [32, 64, 128, 256]); overrides the preset\'s. Each extra width halves the image once more.',
  },
  dataset: {
    type: 'string', minLength: 1, default: 'toy-cars', flag: true,
    description: '`toy-cars` (built in, drawn on the fly) or a folder of images, e.g. a Stanford Cars folder in torchvision\'s layout.',
  },
  datasetSplit: {
    type: 'string', enum: DATASET_SPLITS, default: 'all', flag: true,
    description: 'Stanford Cars folders only: `train`, `test`, or both (`all`, as the notebook does).',
  },
  imageFit: {
    type: 'string', enum: IMAGE_FITS, default: 'fill', flag: true,
    description: 'How images become square: `fill` stretches to imgSize x imgSize (the notebook), `cover` centre-crops.',
  },
  toyCarsCount: {
    type: 'integer', minimum: 1, default: 2048, flag: true,
    description: 'Images in the built-in toy-cars set.',
  },
  heldOutCount: {
    type: 'integer', minimum: 0, default: 512, flag: true,
    description: 'At most this many images are held out (never trained on) for the quality measurements.',
  },
  heldOutFraction: {
    type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0.05, flag: true,
    description: 'Fraction of the images held out, capped by heldOutCount; 0 holds none out.',
  },
  imgSize: {
    type: 'integer', minimum: 1, default: 32, examples: [16, 32, 64, 128], flag: true,
    description: 'IMG_SIZE: images are resized to N x N; must be divisible by 2^(number of channels - 1).',
  },
  batchSize: {
    type: 'integer', minimum: 1, default: 128, examples: [64, 128, 256], flag: true,
    description: 'BATCH_SIZE: images per optimiser step; the last incomplete batch of an epoch is dropped.',
  },
  timesteps: {
    type: 'integer', minimum: 2, default: 300, examples: [250, 300, 350], flag: true,
    description: 'T: number of diffusion steps, for noising in training and denoising when sampling.',
  },
  schedule: {
    type: 'string', enum: SCHEDULES, default: 'linear', flag: true,
    description: 'Beta schedule: `linear` (the notebook), `cosine` (Nichol & Dhariwal), `linear-scaled` (linear, betas scaled by 1000/T).',
  },
  betaStart: {
    type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 1e-4, flag: true,
    description: 'First beta of the linear schedules (the notebook: 1e-4); must be below betaEnd.',
  },
  betaEnd: {
    type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.02, flag: true,
    description: 'Last beta of the linear schedules (the notebook: 0.02).',
  },
  activation: {
    type: 'string', enum: ACTIVATIONS, default: 'relu', flag: true,
    description: 'Activation inside the U-Net blocks; the notebook uses `relu`.',
  },
  normalization: {
    type: 'string', enum: NORMALIZATIONS, default: 'batch', flag: true,
    description: 'Normalisation in the U-Net blocks: `batch` (the notebook\'s BatchNorm) or `group` (GroupNorm, 8 groups: the same in training and sampling, nothing to go stale under EMA).',
  },
  residual: {
    type: 'string', enum: RESIDUALS, default: 'off', flag: true,
    description: '`on` adds a 1x1-convolution shortcut around each U-Net block (a residual block, as in Ho et al.); `off` is the notebook.',
  },
  loss: {
    type: 'string', enum: LOSSES, default: 'l1', flag: true,
    description: 'Loss between true and predicted noise: `l1` (the notebook), `l2`, `huber`, `smooth-l1`.',
  },
  huberDelta: {
    type: 'number', exclusiveMinimum: 0, default: 1, flag: true,
    description: 'Transition point of the `huber` loss, and beta of `smooth-l1`.',
  },
  lr: {
    type: 'number', exclusiveMinimum: 0, default: 1e-4, flag: true,
    description: 'Adam learning rate (the notebook: 1e-4).',
  },
  epochs: {
    type: 'integer', minimum: 1, default: 20, flag: true,
    description: 'Passes over the training images (the notebook: 20).',
  },
  maxSteps: {
    type: 'integer', minimum: 0, default: 0, flag: true,
    description: 'Stop after this many optimiser steps even if epochs remain; 0 means no limit.',
  },
  sampleEvery: {
    type: 'integer', minimum: 0, default: 2, flag: true,
    description: 'Save a reverse-process strip and a checkpoint every N epochs; 0 means only at the end.',
  },
  sampleCount: {
    type: 'integer', minimum: 1, default: 16, flag: true,
    description: 'Images in the final sample grid.',
  },
  previewCount: {
    type: 'integer', minimum: 1, default: 1, flag: true,
    description: 'Images sampled every sampleEvery epochs, shown as a grid and scored by SWD to follow quality over training time (the notebook: 1); the first one\'s reverse process is the strip.',
  },
  previewSampler: {
    type: 'string', enum: SAMPLERS, default: 'ddpm', flag: true,
    description: 'Sampler of the images every sampleEvery epochs: `ddpm` (all T steps, the notebook) or `ddim` (ddimSteps steps: a grid for the cost of one image).',
  },
  seed: {
    type: 'integer', minimum: 0, default: 0, flag: true,
    description: 'Random seed for weights, batches, noise and sampling; `repeats` adds 0, 1, 2, ... to it.',
  },
  backend: {
    type: 'string', enum: BACKENDS, default: 'auto', flag: true,
    description: 'TensorFlow.js backend: `auto` tries tensorflow (CUDA, then CPU), then webgpu on a hardware GPU (Metal, Vulkan, D3D12), then wasm, then cpu. `webgpu` asked for by name also takes a software adapter (SwiftShader), and says so.',
  },
  sampler: {
    type: 'string', enum: SAMPLERS, default: 'ddpm', flag: true,
    description: '`ddpm`: ancestral sampling over all T steps (the notebook); `ddim`: Song et al., ddimSteps steps, much faster.',
  },
  ddimSteps: {
    type: 'integer', minimum: 1, default: 50, flag: true,
    description: 'DDIM only: model evaluations, evenly spaced over T (at most T).',
  },
  ddimEta: {
    type: 'number', minimum: 0, default: 0, flag: true,
    description: 'DDIM only: noise per step, 0 deterministic, 1 as much as DDPM.',
  },
  samplingClamp: {
    type: 'string', enum: SAMPLING_CLAMPS, default: 'x_t', flag: true,
    description: '`x_t`: clamp the image to [-1, 1] after every step (the notebook); `x0`: clamp the predicted x_0 instead (keeps the noise level right); `none`.',
  },
  samplingBatchNorm: {
    type: 'string', enum: SAMPLING_BATCH_NORMS, default: 'train', flag: true,
    description: 'BatchNorm while sampling: `train` uses the batch\'s statistics (the notebook never calls model.eval()); `eval` uses the running statistics.',
  },
  emaDecay: {
    type: 'number', minimum: 0, exclusiveMaximum: 1, default: 0, flag: true,
    description: 'Keep an exponential moving average of the weights with this decay (e.g. 0.999; ramped up as (1+n)/(10+n) over the first steps) and sample from it; 0 is off (the notebook).',
  },
  lrWarmupSteps: {
    type: 'integer', minimum: 0, default: 0, flag: true,
    description: 'Raise the learning rate linearly over the first N steps; 0 is off (the notebook).',
  },
  gradClipNorm: {
    type: 'number', minimum: 0, default: 0, flag: true,
    description: 'Scale gradients down to this global L2 norm when larger (e.g. 1); 0 is off (the notebook).',
  },
  evalImages: {
    type: 'integer', minimum: 0, default: 64, flag: true,
    description: 'Held-out images scored for the held-out loss (at every sampling epoch) and bits/dim (at the end); 0 turns quality evaluation off.',
  },
  evalTimesteps: {
    type: 'integer', minimum: 2, default: 16, flag: true,
    description: 'Diffusion terms the bits/dim bound evaluates (a Monte-Carlo estimate over t, at least 2 for its standard error; T-1 or more is exact).',
  },
} as const satisfies Record<string, FieldSpec>;

export type RunConfigField = keyof typeof RUN_CONFIG_TABLE;

export const RUN_CONFIG_FIELDS = Object.keys(RUN_CONFIG_TABLE) as RunConfigField[];

/** What a field holds: one of its names, a number, a string, or (channels) a list of widths. */
export type ValueOfFieldSpec<S extends FieldSpec> = S extends { readonly enum: readonly (infer E)[] } ? E
  : S['type'] extends 'integer' | 'number' ? number
  : S['type'] extends 'array' ? number[]
  : string;

/** A field's JSON Schema: its table entry without the CLI's `flag`. */
type PropertySchema<K extends RunConfigField> = Omit<(typeof RUN_CONFIG_TABLE)[K], 'flag'>;

/** The JSON Schema of each field, for the sweep file's `base`, `axes` and `grid`. */
export const RUN_CONFIG_PROPERTIES = Object.fromEntries(RUN_CONFIG_FIELDS.map((field) => {
  const { flag, ...schema } = RUN_CONFIG_TABLE[field] as FieldSpec;
  return [field, schema];
})) as { readonly [K in RunConfigField]: PropertySchema<K> };

/** A whole resolved run config: every field, nothing else (what config.json records). */
export const RUN_CONFIG_SCHEMA = {
  $id: 'diffusion-lab-run-config',
  type: 'object',
  additionalProperties: false,
  required: RUN_CONFIG_FIELDS,
  properties: RUN_CONFIG_PROPERTIES,
} as const;

/** The options Ajv compiles RUN_CONFIG_SCHEMA with: in runConfigValidator.ts, and in esbuild.mjs for the bundles. */
export const RUN_CONFIG_AJV_OPTIONS = { strict: true } as const;

/** A field's description without its markdown backticks, for a terminal or a quick pick. */
export function plainDescription(spec: Pick<FieldSpec, 'description'>): string {
  return spec.description.replaceAll('`', '');
}

/** What a field accepts, in words: `one of relu, silu`, `a positive integer`, `a number in [0, 1)`. */
export function allowedValues(spec: Pick<FieldSpec, 'type'> & Partial<FieldSpec>): string {
  if (spec.enum) return `one of ${spec.enum.join(', ')}`;
  if (spec.type === 'array') {
    const items = spec.items ? `${allowedValues(spec.items).replace(/^an? /, '')}s` : 'values';
    return `a list of at least ${spec.minItems ?? 0} ${items}`;
  }
  if (spec.type === 'string') return spec.minLength ? 'a non-empty string' : 'a string';
  const kind = spec.type === 'integer' ? 'an integer' : 'a number';
  const inclusive = spec.minimum !== undefined;
  const low = spec.minimum ?? spec.exclusiveMinimum;
  const high = spec.exclusiveMaximum;
  if (low === undefined) return high === undefined ? kind : `${kind} below ${high}`;
  if (high !== undefined) return `${kind} in ${inclusive ? '[' : '('}${low}, ${high})`;
  if (inclusive ? low === 1 && spec.type === 'integer' : low === 0) return `a positive ${spec.type}`;
  return inclusive ? `${kind} of ${low} or more` : `${kind} above ${low}`;
}
