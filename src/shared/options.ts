// The named options of a run. Each list is the contract between a config file and the
// trainer's registries: a registry is typed Record<Name, …>, so adding a name here
// without an implementation fails to compile.

export const ACTIVATIONS = ['relu', 'silu', 'gelu', 'leaky-relu', 'elu', 'mish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const LOSSES = ['l1', 'l2', 'huber', 'smooth-l1'] as const;
export type LossName = (typeof LOSSES)[number];

export const SCHEDULES = ['linear', 'cosine', 'linear-scaled'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** What actually ran: tfjs's own backend names, in the order `auto` tries them. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const BACKENDS = ['auto', ...BACKEND_NAMES] as const;
export type BackendRequest = (typeof BACKENDS)[number];

/** Normalisation inside the U-Net blocks: `batch` (the notebook's BatchNorm2d) or `group` (GroupNorm, no running statistics). */
export const NORMALIZATIONS = ['batch', 'group'] as const;
export type NormalizationName = (typeof NORMALIZATIONS)[number];

/** `on` adds a 1x1-convolution shortcut from a block's input to its output, before the resampling. */
export const RESIDUALS = ['off', 'on'] as const;
export type ResidualName = (typeof RESIDUALS)[number];

/** Named sets of training and sampling values (src/shared/recipes.ts): the notebook's, and the fixes for its poor samples. */
export const RECIPES = ['faithful', 'improved'] as const;
export type RecipeName = (typeof RECIPES)[number];

export const PRESETS = ['reference', 'small'] as const;
export type PresetName = (typeof PRESETS)[number];

/** Down-path widths; the up path mirrors them. The first is conv0's output width. */
export const PRESET_CHANNELS: Readonly<Record<PresetName, readonly number[]>> = {
  reference: [64, 128, 256, 512, 1024],
  small: [32, 64, 128, 256],
};

/** Names a value must be one of, for messages like `unknown activation "x" (valid: …)`. */
export function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}

/**
 * How sampling keeps images in range. `x_t`: clamp the running image to [-1, 1] after every
 * step, as the notebook does. `x0`: clamp the model's estimate of x_0 instead and step from it
 * (Ho et al.'s released code), which keeps the noise level of x_t intact. `none`: neither.
 */
export const SAMPLING_CLAMPS = ['x_t', 'x0', 'none'] as const;
export type SamplingClamp = (typeof SAMPLING_CLAMPS)[number];

/** BatchNorm while sampling: batch statistics (`train`, the notebook never calls model.eval()) or running ones. */
export const SAMPLING_BATCH_NORMS = ['train', 'eval'] as const;
export type SamplingBatchNorm = (typeof SAMPLING_BATCH_NORMS)[number];

export const SAMPLERS = ['ddpm', 'ddim'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Which part of a Stanford Cars folder to use; the notebook concatenates train and test (`all`). */
export const DATASET_SPLITS = ['train', 'test', 'all'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/** How a non-square image becomes square: `fill` stretches (the notebook), `cover` centre-crops. */
export const IMAGE_FITS = ['fill', 'cover'] as const;
export type ImageFit = (typeof IMAGE_FITS)[number];

/** The built-in toy cars are drawn with a body, a cabin and wheels: below 4 px there is no room for them. */
export const TOY_CARS_MIN_IMG_SIZE = 4;
