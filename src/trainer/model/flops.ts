// Forward FLOPs of SimpleUnet per image, counted from the shape table the way
// reference_torch.py's forward_flops_per_image counts them: 2 x multiply-accumulates of
// convolutions, transposed convolutions and linears; bias, norm, activation, add and
// concat are left out.

import { NOTEBOOK_BLOCK, simpleUnetLayers, unetDepth, type BlockDesign, type LayerSpec } from './parameters';

export interface ForwardFlops {
  conv: number;
  convTranspose: number;
  linear: number;
  total: number;
}

function convOutputSize(inputSize: number, l: LayerSpec): number {
  return Math.floor((inputSize + 2 * l.padding - l.kernel) / l.stride) + 1;
}

/** Multiply-accumulates of one layer for one image of `imgSize` pixels. */
function layerMacs(l: LayerSpec, imgSize: number): number {
  const k2 = l.kernel * l.kernel;
  switch (l.kind) {
    case 'linear':
      return l.outChannels * l.inChannels;
    case 'conv': {
      const out = convOutputSize(imgSize / l.inputDownscale, l);
      return out * out * l.outChannels * l.inChannels * k2;
    }
    case 'convTranspose': {
      // Every input element scatters into out x k x k outputs.
      const inSize = imgSize / l.inputDownscale;
      return inSize * inSize * l.inChannels * l.outChannels * k2;
    }
    case 'batchNorm':
    case 'groupNorm':
      return 0;
  }
}

export function forwardFlopsBreakdown(channels: readonly number[], imgSize: number, design: BlockDesign = NOTEBOOK_BLOCK): ForwardFlops {
  const depth = unetDepth(channels);
  if (!Number.isInteger(imgSize) || imgSize < 1 || imgSize % 2 ** depth !== 0) {
    throw new Error(`image size ${imgSize} must be a positive multiple of 2^${depth} = ${2 ** depth} for ${depth} halvings`);
  }
  const flops: ForwardFlops = { conv: 0, convTranspose: 0, linear: 0, total: 0 };
  for (const l of simpleUnetLayers(channels, design)) {
    const f = 2 * layerMacs(l, imgSize);
    if (l.kind === 'conv') flops.conv += f;
    else if (l.kind === 'convTranspose') flops.convTranspose += f;
    else if (l.kind === 'linear') flops.linear += f;
    flops.total += f;
  }
  return flops;
}

/** Forward FLOPs for one image (2.865e9 for the reference model at 32 px). */
export function forwardFlopsPerImage(channels: readonly number[], imgSize: number, design: BlockDesign = NOTEBOOK_BLOCK): number {
  return forwardFlopsBreakdown(channels, imgSize, design).total;
}

/**
 * The most float32 values any one tensor of a training step holds: the largest activation
 * (a layer's input or output) times the batch, or the largest weight. A GPU must bind it
 * whole (WebGPU's maxStorageBufferBindingSize).
 */
export function largestTensorElements(channels: readonly number[], imgSize: number, batch: number): number {
  let activation = 0;
  let weight = 0;
  for (const l of simpleUnetLayers(channels)) {
    if (l.kind !== 'conv' && l.kind !== 'convTranspose') continue;
    const inSize = imgSize / l.inputDownscale;
    const outSize = l.kind === 'conv' ? convOutputSize(inSize, l) : inSize * l.stride;
    activation = Math.max(activation, inSize * inSize * l.inChannels, outSize * outSize * l.outChannels);
    weight = Math.max(weight, l.kernel * l.kernel * l.inChannels * l.outChannels);
  }
  return Math.max(batch * activation, weight);
}
