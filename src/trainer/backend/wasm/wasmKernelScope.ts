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

/** The parts of BackendWasm's private storage that aliasing needs. */
interface WasmStorage {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined; delete(dataId: object): void };
  wasm: { tfjs: { disposeData(id: number): void } };
}

export class WasmKernelScope {
  private readonly made: TensorInfo[] = [];
  private readonly aliases: TensorInfo[] = [];

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
   * A tensor that shares `base`'s memory from element `offset` on (no copy): how a chunk of
   * a matrix is handed to a wasm kernel. It must not outlive `base`; the scope unregisters
   * it (without freeing the memory, which is base's) when the kernel ends.
   */
  alias(base: TensorInfo, offset: number, shape: number[]): TensorInfo {
    const storage = this.backend as unknown as WasmStorage;
    const data = storage.dataIdMap.get(base.dataId);
    if (data === undefined) throw new Error('alias of a tensor that is not on the wasm heap');
    const out = this.backend.makeOutput(shape, 'float32', data.memoryOffset + 4 * offset);
    this.aliases.push(out);
    return out;
  }

  /**
   * out[rows, n] = a[rows, k] x b[k, n] through XNNPACK's fully-connected operator (the
   * wasm BatchMatMul's fast path: batch 1, no transposes). `b` is packed once per call
   * and the operator freed with `b`, so `b` should be a tensor (or alias) of this scope.
   */
  matMul(a: TensorInfo, b: TensorInfo): TensorInfo {
    return this.run('BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
  }

  /** Frees a tensor this scope made, before the kernel ends. */
  free(t: TensorInfo): void {
    const i = this.made.indexOf(t);
    if (i < 0) throw new Error('free of a tensor this scope did not make');
    this.made.splice(i, 1);
    this.backend.disposeData(t.dataId);
  }

  /** Unregisters an alias now (e.g. to free the XNNPACK operator cached on it). */
  release(alias: TensorInfo): void {
    const i = this.aliases.indexOf(alias);
    if (i < 0) throw new Error('release of a tensor that is not an alias of this scope');
    this.aliases.splice(i, 1);
    dropAlias(this.backend, alias);
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
    // Aliases first: they point into tensors freed below.
    for (const a of this.aliases) dropAlias(this.backend, a);
    this.aliases.length = 0;
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    this.made.length = 0;
  }
}

/** Unregisters an alias from tfjs and from the wasm side (which frees operators cached on it) without freeing memory. */
function dropAlias(backend: BackendWasm, alias: TensorInfo): void {
  const storage = backend as unknown as WasmStorage;
  const data = storage.dataIdMap.get(alias.dataId);
  if (data === undefined) return;
  storage.wasm.tfjs.disposeData(data.id);
  storage.dataIdMap.delete(alias.dataId);
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
