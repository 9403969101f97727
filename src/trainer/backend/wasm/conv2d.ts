// Conv2D for the wasm backend: layers whose weights outnumber their patches run as a GEMM
// on unpacked weights (conv2dUnpackedWeights.ts) while their filter tensor is new; all
// others, and dilated or channels-first convolutions, run the wasm backend's own XNNPACK
// convolution.
import { backend_util, type Conv2DAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { geometryOf } from './convGeometry';
import { conv2dWithUnpackedWeights, forwardWeightRows, prefersUnpackedWeights } from './conv2dUnpackedWeights';
import { withWasmKernelScope, type Shape4 } from './wasmKernelScope';

/** Convolutions so far per filter tensor (dataIds are objects: entries leave with their tensors). */
const filterUses = new WeakMap<object, number>();

export function unpackedWeightsConv2DConfig(builtin: KernelConfig): KernelConfig {
  return {
    kernelName: builtin.kernelName,
    backendName: 'wasm',
    ...(builtin.setupFunc ? { setupFunc: builtin.setupFunc } : {}),
    kernelFunc: ((args) => {
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as Conv2DAttrs;
      if (dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') return builtin.kernelFunc(args);
      const info = backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode);
      if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return builtin.kernelFunc(args);
      const g = geometryOf(info);
      const earlierUses = filterUses.get(filter.dataId) ?? 0;
      filterUses.set(filter.dataId, earlierUses + 1);
      if (!prefersUnpackedWeights(g, earlierUses)) return builtin.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      return withWasmKernelScope(backend, (k) => conv2dWithUnpackedWeights(k, x, g, forwardWeightRows(() => k.heap(filter), g)));
    }) as KernelFunc,
  };
}
