// Conv2DBackpropFilter for the wasm backend, which has none: without it no conv net trains.
//
// The filter gradient of an NHWC convolution is one matrix product,
//   dW[(kh, kw, ci), co] = sum over m = (n, oy, ox) of  P[(kh, kw, ci), m] * dy[m, co],
// P being the input's patches (im2col) transposed. dy is already that right-hand matrix
// (NHWC, rows m), and the product's [kh*kw*ci, co] is dW's HWIO layout, so the only copy is
// building P. The product runs through XNNPACK's GEMM (the wasm BatchMatMul's fast path)
// in chunks of whole images whose P fits in cache; chunk results are summed.
//
// (Before: a dilated XNNPACK convolution of the input, channels as batch, with dy as the
// filter. Its two full transposes and a GEMM with K = batch*outH*outW in one pass ran at
// about half the forward convolution's rate; see bench/NOTES.md.)
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { croppedToTaps, geometryOf, requireChannelsLast, usedTapWindow } from './convGeometry';
import { accumulate, imagesToChannelsFirst, patchesTransposed } from './layoutLoops';
import { withWasmKernelScope, type Shape4 } from './wasmKernelScope';

/**
 * Columns (the GEMM's reduction length) per chunk. XNNPACK's GEMM keeps an mr x K block of
 * the patches in L1 while it sweeps dy's columns, so K near a thousand is its sweet spot;
 * measured in bench/NOTES.md.
 */
let patchChunkColumns = 2048;

/** For tests (several chunks on small inputs) and benchmarks; returns the previous value. */
export function setPatchChunkColumns(columns: number): number {
  const previous = patchChunkColumns;
  patchChunkColumns = columns;
  return previous;
}

/** Images per chunk when each image has `columnsPerImage` patch columns. */
export function imagesPerChunk(batch: number, columnsPerImage: number, chunkColumns = patchChunkColumns): number {
  return Math.max(1, Math.min(batch, Math.round(chunkColumns / columnsPerImage)));
}

function conv2dBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  requireChannelsLast(Conv2DBackpropFilter, dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inChannels, outChannels] = filterShape;
  const { batchSize: batch, inHeight, inWidth, outHeight, outWidth } = info;
  // Taps that see only padding get a zero gradient, and no rows in the product.
  const geometry = geometryOf(info);
  const window = usedTapWindow(geometry);
  const cropped = croppedToTaps(geometry, window);
  const tapsH = window.y1 - window.y0;
  const tapsW = window.x1 - window.x0;
  const rows = tapsH * tapsW * inChannels;
  const columnsPerImage = outHeight * outWidth;
  const perChunk = imagesPerChunk(batch, columnsPerImage);

  return withWasmKernelScope(backend, (k) => {
    if (rows === 0) {
      const zeros = k.alloc(filterShape);
      k.heap(zeros).fill(0);
      return zeros;
    }
    const channelsFirst = k.alloc([inChannels, perChunk, inHeight, inWidth]);
    const patches = k.alloc([rows, perChunk * columnsPerImage]);
    let result: TensorInfo | undefined;
    for (let n0 = 0; n0 < batch; n0 += perChunk) {
      const count = Math.min(perChunk, batch - n0);
      const columns = count * columnsPerImage;
      imagesToChannelsFirst(k.heap(x), inHeight * inWidth, inChannels, n0, count, k.heap(channelsFirst));
      patchesTransposed(k.heap(channelsFirst), { ...cropped, batch: count }, k.heap(patches));
      const a = k.alias(patches, 0, [1, rows, columns]);
      const b = k.alias(dy, n0 * columnsPerImage * outChannels, [1, columns, outChannels]);
      const partial = k.matMul(a, b);
      // Frees the XNNPACK operator (and its packed copy of this chunk of dy) cached on b.
      k.release(b);
      k.release(a);
      if (result === undefined) {
        result = partial;
      } else {
        accumulate(k.heap(result), k.heap(partial));
        k.free(partial);
      }
    }
    if (tapsH === kh && tapsW === kw) {
      result!.shape = [kh, kw, inChannels, outChannels];
      return result!;
    }
    const full = k.alloc(filterShape);
    const [dst, src] = [k.heap(full), k.heap(result!)];
    dst.fill(0);
    const block = inChannels * outChannels;
    let from = 0;
    for (let ty = window.y0; ty < window.y1; ty++) {
      for (let tx = window.x0; tx < window.x1; tx++, from += block) dst.set(src.subarray(from, from + block), (ty * kw + tx) * block);
    }
    return full;
  });
}

export const wasmConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as KernelFunc,
};
