// Index arithmetic shared by the convolution kernels, kept apart from the kernels so it
// can be read (and tested) as plain numbers.
import type { backend_util } from '@tensorflow/tfjs-core';

/** XNNPACK's convolution, which the gradient kernels build on, is NHWC only. */
export function requireChannelsLast(kernelName: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') {
    throw new Error(`wasm ${kernelName} supports dataFormat 'NHWC' only, got '${dataFormat}'`);
  }
}

/**
 * One spatial axis of a strided transposed convolution, split into `stride` phases.
 *
 * Input position y of the forward conv received taps kh with y + padBefore = oy*stride + kh.
 * Output positions sharing r = (y + padBefore) mod stride use only taps r, r + stride, … ,
 * so each phase is a stride-1 convolution of dy with `taps` taps. Running all phases as one
 * convolution (phases stacked on output channels), then interleaving them, gives dx with
 * no multiplications by inserted zeros.
 */
export interface SubPixelAxis {
  stride: number;
  /** Taps per phase: the filter, zero-padded to a multiple of the stride, divided by it. */
  taps: number;
  /** Padding of dy before/after along this axis; negative means crop dy instead. */
  padBefore: number;
  padAfter: number;
  /** Length of each phase's output. */
  phaseLength: number;
  /** Where dx starts in the interleaved phases (phaseLength * stride long). */
  offset: number;
}

export function subPixelAxis(inSize: number, filterSize: number, stride: number, forwardPadBefore: number, outSize: number): SubPixelAxis {
  const taps = Math.ceil(filterSize / stride);
  const firstBlock = Math.floor(forwardPadBefore / stride);
  const lastBlock = Math.floor((inSize - 1 + forwardPadBefore) / stride);
  const phaseLength = lastBlock - firstBlock + 1;
  const padBefore = taps - 1 - firstBlock;
  const padAfter = phaseLength + taps - 1 - outSize - padBefore;
  return { stride, taps, padBefore, padAfter, phaseLength, offset: forwardPadBefore - firstBlock * stride };
}

/** Splits signed paddings into a crop (for negative values) and a non-negative pad. */
export function cropAndPad(padBefore: number, padAfter: number): { cropBefore: number; cropAfter: number; pad: [number, number] } {
  return {
    cropBefore: Math.max(-padBefore, 0),
    cropAfter: Math.max(-padAfter, 0),
    pad: [Math.max(padBefore, 0), Math.max(padAfter, 0)],
  };
}

/** First and one-past-last output index o with 0 <= o * stride + shift < size. */
export function validRange(outSize: number, stride: number, shift: number, size: number): [number, number] {
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-shift / stride)));
  const hi = Math.max(lo, Math.min(outSize, Math.floor((size - 1 - shift) / stride) + 1));
  return [lo, hi];
}

/**
 * The taps [first, end) along one axis that read the input for at least one output
 * position; the others see only padding. (A 3x3 'same' conv of a 1-pixel map uses its
 * centre tap only; a 4x4 stride-2 conv of a 2-pixel map, taps 1 and 2.)
 */
export function usedTaps(inSize: number, outSize: number, filterSize: number, stride: number, padBefore: number): [number, number] {
  let first = filterSize;
  let end = 0;
  for (let t = 0; t < filterSize; t++) {
    const [lo, hi] = validRange(outSize, stride, t - padBefore, inSize);
    if (lo < hi) {
      first = Math.min(first, t);
      end = t + 1;
    }
  }
  return first < end ? [first, end] : [0, 0];
}

/** A stride/padding convolution of NHWC input (no dilation). */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

export function geometryOf(info: backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** The taps [y0, y1) x [x0, x1) that read the input somewhere. */
export interface TapWindow {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

export function usedTapWindow(g: ConvGeometry): TapWindow {
  const [y0, y1] = usedTaps(g.inHeight, g.outHeight, g.filterHeight, g.strideH, g.padTop);
  const [x0, x1] = usedTaps(g.inWidth, g.outWidth, g.filterWidth, g.strideW, g.padLeft);
  return { y0, y1, x0, x1 };
}

/** The same convolution with its filter cut to `window`: what im2col needs to leave unused taps out. */
export function croppedToTaps(g: ConvGeometry, window: TapWindow): ConvGeometry {
  return {
    ...g,
    filterHeight: window.y1 - window.y0,
    filterWidth: window.x1 - window.x0,
    padTop: g.padTop - window.y0,
    padLeft: g.padLeft - window.x0,
  };
}
