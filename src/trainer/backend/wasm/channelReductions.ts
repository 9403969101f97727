// Sum and Mean over every axis but the last (per-channel totals of an NHWC tensor: bias and
// BatchNorm gradients, BatchNorm's moments) in one pass over the wasm heap. The wasm
// backend's own first transposes the tensor so that the reduced axes are innermost (a full
// strided copy), then reduces. Accumulation is in float64, as the cpu backend's is.
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** True when `axes` (any order, negatives allowed) are exactly 0 .. rank-2. */
export function reducesAllButLast(axis: number | number[], shape: readonly number[]): boolean {
  if (shape.length < 2) return false;
  const axes = util.parseAxisParam(axis, shape as number[]);
  const set = new Set(axes);
  if (set.size !== shape.length - 1) return false;
  for (let i = 0; i < shape.length - 1; i++) if (!set.has(i)) return false;
  return true;
}

/** totals[c] = sum over rows of src[row * channels + c], in float64. */
export function channelTotals(src: Float32Array, channels: number): Float64Array {
  const totals = new Float64Array(channels);
  for (let o = 0; o < src.length; o += channels) {
    for (let c = 0; c < channels; c++) totals[c] = totals[c]! + src[o + c]!;
  }
  return totals;
}

function channelReduction(builtin: KernelConfig, mean: boolean): KernelConfig {
  return {
    kernelName: builtin.kernelName,
    backendName: 'wasm',
    ...(builtin.setupFunc ? { setupFunc: builtin.setupFunc } : {}),
    kernelFunc: ((args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
      if (x.dtype !== 'float32' || !reducesAllButLast(axis, x.shape) || util.sizeFromShape(x.shape) === 0) return builtin.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const channels = x.shape[x.shape.length - 1]!;
      const rows = util.sizeFromShape(x.shape) / channels;
      const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, -1).map(() => 1), channels] : [channels], 'float32');
      const totals = channelTotals(backend.typedArrayFromHeap(x) as Float32Array, channels);
      const dst = backend.typedArrayFromHeap(out) as Float32Array;
      for (let c = 0; c < channels; c++) dst[c] = mean ? totals[c]! / rows : totals[c]!;
      return out;
    }) as KernelFunc,
  };
}

export const channelSumConfig = (builtin: KernelConfig): KernelConfig => channelReduction(builtin, false);
export const channelMeanConfig = (builtin: KernelConfig): KernelConfig => channelReduction(builtin, true);
