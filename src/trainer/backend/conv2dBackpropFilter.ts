// Conv2DBackpropFilter for the wasm backend, which has none: without it no conv net trains.
//
// The filter gradient of an NHWC convolution,
//   dW[kh, kw, ci, co] = sum over n, oy, ox of  xPadded[n, oy*sh + kh, ox*sw + kw, ci] * dy[n, oy, ox, co],
// is itself a convolution if the roles are swapped: take the input's channels as the batch
// ([ci, h, w, n]), the output gradient as the filter ([oy, ox, n, co]), dilated by the
// forward stride. Its output [ci, kh, kw, co] is dW up to a transpose. That runs through
// XNNPACK's convolution, the fastest thing the wasm backend has.
import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireChannelsLast } from './convGeometry';
import { withWasmKernelScope, type Shape4 } from './wasmKernelScope';

/**
 * Padding after the input, along one axis, that makes the dilated gradient-filter fit
 * exactly `filterSize` times: (filterSize - 1) + (outSize - 1) * stride + 1 = padded length.
 * Negative when the forward pass never read the input's last rows.
 */
function trailingPadForFilterGradient(inSize: number, filterSize: number, outSize: number, stride: number, padBefore: number): number {
  return filterSize + (outSize - 1) * stride - inSize - padBefore;
}

function conv2dBackpropFilter(args: Parameters<KernelFunc>[0]): TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  requireChannelsLast(Conv2DBackpropFilter, dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inChannels, outChannels] = filterShape;
  const { top, left } = info.padInfo;
  const bottom = trailingPadForFilterGradient(info.inHeight, kh, info.outHeight, info.strideHeight, top);
  const right = trailingPadForFilterGradient(info.inWidth, kw, info.outWidth, info.strideWidth, left);

  return withWasmKernelScope(backend, (k) => {
    const channelsAsBatch = k.permute4(x, [3, 1, 2, 0]);
    const gradientAsFilter = k.permute4(dy, [1, 2, 0, 3]);
    // Unread trailing rows (negative pad) are simply not padded; the extra output rows
    // they produce are cropped by the final transpose.
    const g = k.conv2d(channelsAsBatch, gradientAsFilter, {
      strides: 1,
      dilations: [info.strideHeight, info.strideWidth],
      pad: [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    });
    return k.permute4(g, [1, 2, 0, 3], [kh, kw, inChannels, outChannels]);
  });
}

export const wasmConv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as KernelFunc,
};
