// A convolution as one GEMM in which XNNPACK packs the input's patches, not the weights.
//
// XNNPACK packs a convolution's weights when it creates the operator, and the wasm
// backend caches that operator per filter tensor. Training makes new filter tensors every
// step, so every layer's weights were transposed and packed afresh twice a step (forward
// and input gradient; bench/NOTES.md section 4.6). For layers whose weights outnumber their
// patches (512-1024 channels on 1-2 px maps) that cost more than the arithmetic. Here
//   out^T[co, m] = weightRows[co, k] x P[k, m],
// the weights being the GEMM's left operand, read where they lie, and P the transposed
// patch matrix, which is what XNNPACK packs. Taps that see only padding for every output
// are left out of both: a 3x3 'same' conv of a 1 px map is its centre tap alone.
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { croppedToTaps, usedTapWindow, type ConvGeometry, type TapWindow } from './convGeometry';
import { imagesToChannelsFirst, patchesTransposed, transposeInto } from './layoutLoops';
import type { WasmKernelScope } from './wasmKernelScope';

/** Writes weightRows [outChannels, (ty, tx, ci)] for the window's taps into `dst`. */
export type WeightRowsWriter = (window: TapWindow, dst: Float32Array) => void;

export type UnpackedWeightsMode = 'auto' | 'always' | 'never';
let mode: UnpackedWeightsMode = 'auto';

/** For tests (both paths on every shape) and benchmarks; returns the previous mode. */
export function setUnpackedWeightsMode(next: UnpackedWeightsMode): UnpackedWeightsMode {
  const previous = mode;
  mode = next;
  return previous;
}

/**
 * True when the GEMM on unpacked weights should beat XNNPACK's convolution: when the
 * weights (taps x in x out) are at least as many as the patches (taps x in x outputs),
 * packing them is the larger cost (bench/NOTES.md section 4.7) - unless the same filter
 * tensor has been convolved twice already. Training convolves each filter tensor at most
 * twice (forward, and a transposed conv's input gradient) before Adam replaces it; a filter
 * used more often stays (sampling), and XNNPACK packs it once and keeps it.
 */
export function prefersUnpackedWeights(g: ConvGeometry, earlierUses = 0): boolean {
  if (mode !== 'auto') return mode === 'always';
  return earlierUses < 2 && g.outChannels >= g.batch * g.outHeight * g.outWidth;
}

/** The convolution of `x` (NHWC, on the wasm heap) as out^T = weightRows x P; the result is NHWC. */
export function conv2dWithUnpackedWeights(k: WasmKernelScope, x: TensorInfo, g: ConvGeometry, writeWeightRows: WeightRowsWriter): TensorInfo {
  const window = usedTapWindow(g);
  const taps = (window.y1 - window.y0) * (window.x1 - window.x0);
  const outputs = g.batch * g.outHeight * g.outWidth;
  const out = k.alloc([g.batch, g.outHeight, g.outWidth, g.outChannels]);
  if (taps === 0 || g.inChannels === 0 || outputs === 0) {
    k.heap(out).fill(0);
    return out;
  }
  const depth = taps * g.inChannels;
  const channelsFirst = k.alloc([g.inChannels, g.batch, g.inHeight, g.inWidth]);
  const patches = k.alloc([1, depth, outputs]);
  const weightRows = k.alloc([1, g.outChannels, depth]);
  imagesToChannelsFirst(k.heap(x), g.inHeight * g.inWidth, g.inChannels, 0, g.batch, k.heap(channelsFirst));
  patchesTransposed(k.heap(channelsFirst), croppedToTaps(g, window), k.heap(patches));
  k.free(channelsFirst);
  writeWeightRows(window, k.heap(weightRows));
  const outT = k.matMul(weightRows, patches);
  transposeInto(k.heap(outT), 0, g.outChannels, outputs, k.heap(out), 0, g.outChannels);
  return out;
}

/** Weight rows of a forward convolution from its HWIO filter: rows[co, (ty, tx, ci)] = W[y0 + ty, x0 + tx, ci, co]. */
export function forwardWeightRows(filter: () => Float32Array, g: ConvGeometry): WeightRowsWriter {
  return (window, dst) => {
    const w = filter();
    const { inChannels: ci, outChannels: co, filterWidth: fw } = g;
    const depth = (window.y1 - window.y0) * (window.x1 - window.x0) * ci;
    let column = 0;
    for (let ky = window.y0; ky < window.y1; ky++) {
      for (let kx = window.x0; kx < window.x1; kx++) {
        transposeInto(w, (ky * fw + kx) * ci * co, ci, co, dst, column, depth);
        column += ci;
      }
    }
  };
}
