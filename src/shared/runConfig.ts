import type { ErrorObject } from 'ajv';
import { PRESET_CHANNELS, PRESETS, RECIPES, TOY_CARS_MIN_IMG_SIZE, isOneOf, type BackendName } from './options';
import { RECIPE_VALUES } from './recipes';
import {
  RUN_CONFIG_FIELDS, RUN_CONFIG_TABLE, allowedValues, type FieldSpec, type ValueOfFieldSpec, type RunConfigField,
} from './runConfigSchema';
import { checkRunConfigSchema } from './runConfigValidator';
import { makeNoiseSchedule } from './noiseSchedules';

export { DATASET_SPLITS, IMAGE_FITS, type DatasetSplit, type ImageFit } from './options';

/**
 * Every hyperparameter of one training run, one field per entry of RUN_CONFIG_TABLE
 * (runConfigSchema.ts, where each is described). Defaults reproduce the course notebook.
 */
export type RunConfig = { -readonly [K in RunConfigField]: ValueOfFieldSpec<(typeof RUN_CONFIG_TABLE)[K]> };

/** The table's defaults in table order; channels, which has none there, are the default preset's widths. */
export const DEFAULT_RUN_CONFIG: Readonly<RunConfig> = Object.freeze(Object.fromEntries(RUN_CONFIG_FIELDS.map((field) => {
  const spec: FieldSpec = RUN_CONFIG_TABLE[field];
  return [field, field === 'channels' ? [...PRESET_CHANNELS[RUN_CONFIG_TABLE.preset.default]] : spec.default];
})) as RunConfig);

type DefaultOf<S> = S extends { readonly default: infer D } ? D : never;
type TableDefaults = {
  -readonly [K in RunConfigField as (typeof RUN_CONFIG_TABLE)[K] extends { default: unknown } ? K : never]: DefaultOf<(typeof RUN_CONFIG_TABLE)[K]>
};
/** Fails to compile when a default in the table does not fit its field, or a field but channels has none. */
export const TABLE_DEFAULTS_FIT: TableDefaults extends Omit<RunConfig, 'channels'> ? true : false = true;

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
  /** Set on runs made by `diffusion-lab import`: nothing was trained here, the weights came from this file. */
  importedFrom?: ImportedWeightsRecord;
}

/** Where an imported run's weights came from (RunEnvironment.importedFrom). */
export interface ImportedWeightsRecord {
  /** The .safetensors file, absolute. */
  file: string;
  sha256: string;
  /** The state_dict's tensors (parameters, running statistics, batch counts). */
  tensors: number;
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

/** Where a config problem is, so an editor can point at it: the fields at fault, the first the likeliest. */
export interface ConfigProblemDetail {
  fields: RunConfigField[];
  /** The nearest value of fields[0] that passes this check, when there is an obvious one. */
  nearest?: unknown;
}

export class ConfigError extends Error {
  override name = 'ConfigError';

  constructor(message: string, readonly detail?: ConfigProblemDetail) {
    super(message);
  }
}

/**
 * Fills defaults, applies the preset's widths and the recipe's values where none are given,
 * and checks every field.
 * `source` names where the values came from (a file, "command line") for error messages.
 */
export function resolveRunConfig(partial: Partial<RunConfig> & Record<string, unknown>, source = 'config'): RunConfig {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  // An unknown preset keeps the default widths here; validateRunConfig then names it.
  const preset = isOneOf(PRESETS, defined.preset) ? defined.preset : DEFAULT_RUN_CONFIG.preset;
  const recipe = isOneOf(RECIPES, defined.recipe) ? RECIPE_VALUES[defined.recipe] : {};
  const config = { ...DEFAULT_RUN_CONFIG, channels: [...PRESET_CHANNELS[preset]], ...recipe, ...defined } as RunConfig;
  validateRunConfig(config, source);
  return config;
}

/** Held-out images of a set of `images`: min(count, round(fraction * images)), leaving at least one to train on. */
export function heldOutSize(images: number, count: number, fraction: number): number {
  return Math.max(0, Math.min(count, Math.round(fraction * images), images - 1));
}

/**
 * Checks every field against its entry in RUN_CONFIG_TABLE (Ajv), then what a schema cannot
 * say. Throws a ConfigError naming the source, the field, what is allowed and the value at fault.
 */
export function validateRunConfig(c: RunConfig, source = 'config'): void {
  const fail = (problem: string, fields: RunConfigField[], nearest?: unknown): never => {
    throw new ConfigError(`${source}: ${problem}`, { fields, ...(nearest === undefined ? {} : { nearest }) });
  };
  if (!checkRunConfigSchema(c)) {
    const e = checkRunConfigSchema.errors![0]!;
    fail(describeSchemaError(e, c), [(e.instancePath.split('/')[1] ?? 'preset') as RunConfigField]);
  }
  const depth = c.channels.length - 1;
  const step = 2 ** depth;
  if (c.imgSize % step !== 0) {
    fail(`imgSize ${c.imgSize} is not divisible by 2^${depth} = ${step} (the U-Net halves the image ${depth} times)`,
      ['imgSize', 'channels', 'preset'], Math.max(step, Math.round(c.imgSize / step) * step));
  }
  // Training normalises each channel over the batch: at a 1x1 bottom one image is one value, and
  // batch norm needs two (PyTorch refuses it too). Sampling and evaluation draw a second image.
  if (c.normalization === 'batch' && c.batchSize === 1 && c.imgSize === step) {
    fail(`batchSize must be at least 2 when imgSize ${c.imgSize} halves ${depth} times to 1x1 (batch norm needs two values per channel), got 1`,
      ['batchSize', 'imgSize', 'normalization'], 2);
  }
  if (c.betaStart >= c.betaEnd) fail(`betaStart/betaEnd need 0 < betaStart < betaEnd < 1, got ${c.betaStart} .. ${c.betaEnd}`, ['betaStart', 'betaEnd']);
  // linear-scaled multiplies the betas by 1000 / T: a short T can push them past 1.
  try {
    makeNoiseSchedule(c.schedule, c.timesteps, c.betaStart, c.betaEnd);
  } catch (err) {
    fail(`betaStart/betaEnd: ${(err as Error).message}`, ['betaEnd', 'betaStart', 'timesteps', 'schedule']);
  }
  if ((c.sampler === 'ddim' || c.previewSampler === 'ddim') && c.ddimSteps > c.timesteps) {
    const user = c.sampler === 'ddim' ? 'sampler' : 'previewSampler';
    fail(`ddimSteps must be at most timesteps (${c.timesteps}) for DDIM (${user} "ddim"), got ${c.ddimSteps}`, ['ddimSteps', 'timesteps', user], c.timesteps);
  }
  // A folder's size is known only when it is read; toy-cars' is known now.
  const toyTraining = c.toyCarsCount - heldOutSize(c.toyCarsCount, c.heldOutCount, c.heldOutFraction);
  if (c.dataset === 'toy-cars' && c.imgSize < TOY_CARS_MIN_IMG_SIZE) {
    fail(`imgSize must be at least ${TOY_CARS_MIN_IMG_SIZE} for toy-cars (a car needs a body, a cabin and wheels), got ${c.imgSize}`,
      ['imgSize', 'dataset'], Math.ceil(TOY_CARS_MIN_IMG_SIZE / step) * step);
  }
  if (c.dataset === 'toy-cars' && toyTraining < c.batchSize) {
    fail(`batchSize must be at most the ${toyTraining} toy cars left for training (toyCarsCount ${c.toyCarsCount} minus the held-out ones), got ${c.batchSize}`,
      ['batchSize', 'toyCarsCount', 'dataset'], toyTraining >= 1 ? toyTraining : undefined);
  }
  if (c.dataset === 'toy-cars' && c.datasetSplit !== 'all') {
    fail(`datasetSplit "${c.datasetSplit}" applies to Stanford Cars folders; toy-cars has no train/test split (use "all")`, ['datasetSplit', 'dataset'], 'all');
  }
}

/** Ajv stops at the first problem; this says it in the field's words, from its table entry. */
function describeSchemaError(e: ErrorObject, c: RunConfig): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `unknown field "${String(params.additionalProperty)}" (valid: ${RUN_CONFIG_FIELDS.join(', ')})`;
  if (e.keyword === 'required') return `${String(params.missingProperty)} is missing`;
  const field = e.instancePath.split('/')[1] as RunConfigField | undefined;
  if (!field) return `must be an object of run-config fields, got ${JSON.stringify(c)}`;
  const spec: FieldSpec = RUN_CONFIG_TABLE[field];
  const value: unknown = c[field];
  const got = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return spec.enum ? `${field} ${got} is not known (valid: ${spec.enum.join(', ')})` : `${field} must be ${allowedValues(spec)}, got ${got}`;
}
