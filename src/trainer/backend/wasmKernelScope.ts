// Runs the wasm backend's own kernels from inside another wasm kernel. A kernel receives
// and returns TensorInfos, not Tensors, so nothing tracks its intermediates: the scope
// remembers every tensor it made and frees all but the result when the kernel ends.
import {
  getKernel,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { permute4 } from './layoutLoops';

export type Shape4 = [number, number, number, number];
/** tfjs-core's conv_util.ExplicitPadding, which its entry point does not export. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

export interface ConvolutionParams {
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: 'valid' | ExplicitPadding;
}

export class WasmKernelScope {
  private readonly made: TensorInfo[] = [];

  constructor(readonly backend: BackendWasm) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, 'wasm');
    if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new Error(`wasm kernel ${kernelName} returned several tensors; expected one`);
    this.made.push(out);
    return out;
  }

  /** A new float32 tensor on the wasm heap, to be filled through `heap`. */
  alloc(shape: number[]): TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    this.made.push(out);
    return out;
  }

  /**
   * A view of a tensor's values on the wasm heap. Any later allocation may grow the heap
   * and detach it, so take views only after the last `alloc`/`run` that precedes their use.
   */
  heap(t: TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(t) as Float32Array;
  }

  /** A forward NHWC convolution through XNNPACK; the filter is HWIO. */
  conv2d(x: TensorInfo, filter: TensorInfo, params: ConvolutionParams): TensorInfo {
    return this.run('Conv2D', { x, filter }, { ...params, dataFormat: 'NHWC' } as unknown as NamedAttrMap);
  }

  /** Transposes a rank-4 tensor, optionally cropping each output axis to `extent`. */
  permute4(x: TensorInfo, perm: number[], extent: number[] = perm.map((p) => x.shape[p]!)): TensorInfo {
    const out = this.alloc(extent);
    permute4(this.heap(x), x.shape, perm, this.heap(out), extent);
    return out;
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** Frees every tensor this scope made except `result` (shared data survives by refcount). */
  finish(result: TensorInfo | null): void {
    if (result !== null && !this.made.includes(result)) {
      // A kernel's output must be a tensor of its own; handing back an input would let
      // the engine free the caller's data twice.
      this.finish(null);
      throw new Error('a wasm kernel must return a tensor it made, not one of its inputs');
    }
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Runs `body` with a fresh scope; on success or failure only the returned tensor lives on. */
export function withWasmKernelScope(backend: BackendWasm, body: (scope: WasmKernelScope) => TensorInfo): TensorInfo {
  const scope = new WasmKernelScope(backend);
  let result: TensorInfo | null = null;
  try {
    result = body(scope);
    return result;
  } finally {
    scope.finish(result);
  }
}
