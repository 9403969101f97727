// The shape table of SimpleUnet: every layer and every state_dict entry, with PyTorch's
// names and layouts. The model, the parameter count, the FLOP count and the state_dict
// import/export are all built from this one table, so they cannot disagree.

import type { NormalizationName, ResidualName } from '../../shared/options';

/** Width of the sinusoidal time embedding and of the time MLP (fixed in the reference). */
export const TIME_EMBEDDING_DIM = 32;
export const IMAGE_CHANNELS = 3;

export type LayerKind = 'linear' | 'conv' | 'convTranspose' | 'batchNorm' | 'groupNorm';

/** What is inside each block besides its convolutions; the notebook's is NOTEBOOK_BLOCK. */
export interface BlockDesign {
  readonly normalization: NormalizationName;
  readonly residual: ResidualName;
}

export const NOTEBOOK_BLOCK: BlockDesign = { normalization: 'batch', residual: 'off' };

/** GroupNorm's group count: 8, or the largest divisor of the width below it. */
export function groupNormGroups(channels: number): number {
  let groups = Math.min(8, channels);
  while (channels % groups !== 0) groups--;
  return groups;
}

export interface LayerSpec {
  /** Module path in PyTorch, e.g. "downs.0.conv1". */
  readonly name: string;
  readonly kind: LayerKind;
  readonly inChannels: number;
  readonly outChannels: number;
  /** Square kernel size (1 for linear and batch norm). */
  readonly kernel: number;
  readonly stride: number;
  readonly padding: number;
  /** The layer's input is (image size / inputDownscale) pixels wide; 0 for the time MLP (no pixels). */
  readonly inputDownscale: number;
}

export type ParameterRole =
  | 'weight'
  | 'bias'
  | 'running_mean'
  | 'running_var'
  | 'num_batches_tracked';

export interface ParameterSpec {
  /** state_dict key, e.g. "downs.0.bnorm1.running_mean". */
  readonly name: string;
  readonly layer: LayerSpec;
  readonly role: ParameterRole;
  /** Shape in PyTorch's layout (OIHW conv, [in, out, kh, kw] transposed conv, [out, in] linear). */
  readonly torchShape: readonly number[];
  /** Learned by the optimiser (weights and biases), as opposed to a BatchNorm buffer. */
  readonly trainable: boolean;
}

/** Validates a channel list: at least two widths, positive integers. */
export function checkChannels(channels: readonly number[]): void {
  if (channels.length < 2) throw new Error(`channels needs at least two widths, got [${channels.join(', ')}]`);
  for (const c of channels) {
    if (!Number.isInteger(c) || c < 1) throw new Error(`channel widths must be positive integers, got [${channels.join(', ')}]`);
  }
}

/** Number of halvings of the image on the down path; the image size must be divisible by 2^depth. */
export function unetDepth(channels: readonly number[]): number {
  return channels.length - 1;
}

function layer(
  name: string,
  kind: LayerKind,
  inChannels: number,
  outChannels: number,
  inputDownscale: number,
  kernel = 1,
  stride = 1,
  padding = 0,
): LayerSpec {
  return { name, kind, inChannels, outChannels, kernel, stride, padding, inputDownscale };
}

/** Every layer with parameters, in PyTorch's module registration order (= state_dict order). */
export function simpleUnetLayers(channels: readonly number[], design: BlockDesign = NOTEBOOK_BLOCK): LayerSpec[] {
  checkChannels(channels);
  const E = TIME_EMBEDDING_DIM;
  const layers: LayerSpec[] = [
    layer('time_mlp.1', 'linear', E, E, 0),
    layer('conv0', 'conv', IMAGE_CHANNELS, channels[0]!, 1, 3, 1, 1),
  ];
  const depth = unetDepth(channels);
  const block = (prefix: string, inCh: number, outCh: number, scale: number, up: boolean): void => {
    // Registration order of the reference Block: time_mlp, conv1, transform, conv2, bnorm1, bnorm2
    // (gnorm1, gnorm2 with GroupNorm), then the residual shortcut when there is one.
    const blockIn = up ? 2 * inCh : inCh;
    layers.push(layer(`${prefix}.time_mlp`, 'linear', E, outCh, 0));
    layers.push(layer(`${prefix}.conv1`, 'conv', blockIn, outCh, scale, 3, 1, 1));
    layers.push(layer(`${prefix}.transform`, up ? 'convTranspose' : 'conv', outCh, outCh, scale, 4, 2, 1));
    layers.push(layer(`${prefix}.conv2`, 'conv', outCh, outCh, scale, 3, 1, 1));
    const [norm, kind] = design.normalization === 'group' ? ['gnorm', 'groupNorm' as const] : ['bnorm', 'batchNorm' as const];
    layers.push(layer(`${prefix}.${norm}1`, kind, outCh, outCh, scale));
    layers.push(layer(`${prefix}.${norm}2`, kind, outCh, outCh, scale));
    if (design.residual === 'on') layers.push(layer(`${prefix}.shortcut`, 'conv', blockIn, outCh, scale, 1, 1, 0));
  };
  for (let i = 0; i < depth; i++) block(`downs.${i}`, channels[i]!, channels[i + 1]!, 2 ** i, false);
  const upChannels = [...channels].reverse();
  for (let i = 0; i < depth; i++) block(`ups.${i}`, upChannels[i]!, upChannels[i + 1]!, 2 ** (depth - i), true);
  layers.push(layer('output', 'conv', channels[0]!, IMAGE_CHANNELS, 1, 1, 1, 0));
  return layers;
}

function parametersOf(l: LayerSpec): ParameterSpec[] {
  const p = (role: ParameterRole, torchShape: number[], trainable = true): ParameterSpec => ({
    name: `${l.name}.${role}`, layer: l, role, torchShape, trainable,
  });
  const k = l.kernel;
  switch (l.kind) {
    case 'linear':
      return [p('weight', [l.outChannels, l.inChannels]), p('bias', [l.outChannels])];
    case 'conv':
      return [p('weight', [l.outChannels, l.inChannels, k, k]), p('bias', [l.outChannels])];
    case 'convTranspose':
      return [p('weight', [l.inChannels, l.outChannels, k, k]), p('bias', [l.outChannels])];
    case 'groupNorm':
      return [p('weight', [l.outChannels]), p('bias', [l.outChannels])];
    case 'batchNorm':
      return [
        p('weight', [l.outChannels]),
        p('bias', [l.outChannels]),
        p('running_mean', [l.outChannels], false),
        p('running_var', [l.outChannels], false),
        p('num_batches_tracked', [], false),
      ];
  }
}

/** Every state_dict entry of SimpleUnet(channels), in state_dict order. */
export function simpleUnetParameters(channels: readonly number[], design: BlockDesign = NOTEBOOK_BLOCK): ParameterSpec[] {
  return simpleUnetLayers(channels, design).flatMap(parametersOf);
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Trainable parameters, as `sum(p.numel() for p in model.parameters())` counts them. */
export function parameterCount(channels: readonly number[], design: BlockDesign = NOTEBOOK_BLOCK): number {
  return simpleUnetParameters(channels, design)
    .filter((p) => p.trainable)
    .reduce((sum, p) => sum + elementCount(p.torchShape), 0);
}

/**
 * The fan-in PyTorch's default initialisation uses: weight.size(1) * receptive field.
 * For ConvTranspose2d, size(1) is the *output* width (its weight is [in, out, kh, kw]).
 */
export function torchFanIn(l: LayerSpec): number {
  switch (l.kind) {
    case 'linear':
      return l.inChannels;
    case 'conv':
      return l.inChannels * l.kernel * l.kernel;
    case 'convTranspose':
      return l.outChannels * l.kernel * l.kernel;
    case 'batchNorm':
    case 'groupNorm':
      throw new Error(`${l.name}: a norm layer has no fan-in`);
  }
}

/**
 * How a PyTorch tensor maps to the layout the tfjs model holds: the tfjs shape and the
 * permutation with tfjsTensor = transpose(torchTensor, perm).
 *   conv OIHW -> HWIO; transposed conv [in, out, kh, kw] -> [kh, kw, out, in] (what
 *   tf.conv2dTranspose takes); linear [out, in] -> [in, out] (for x @ W); 1-D as is.
 */
export function tfjsLayout(spec: ParameterSpec): { shape: number[]; perm: number[] | null } {
  const s = spec.torchShape;
  if (spec.role === 'weight' && s.length === 4) {
    // Both conv kinds use the same permutation: a transposed conv's weight is the weight of
    // the forward conv it is the gradient of, whose O is the transposed conv's input.
    return { shape: [s[2]!, s[3]!, s[1]!, s[0]!], perm: [2, 3, 1, 0] };
  }
  if (spec.role === 'weight' && s.length === 2) return { shape: [s[1]!, s[0]!], perm: [1, 0] };
  return { shape: [...s], perm: null };
}
