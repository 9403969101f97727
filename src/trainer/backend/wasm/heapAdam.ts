// One Adam update of a parameter in a single pass over the wasm heap. The tensor-op
// version takes ~9 kernel calls per parameter (each a pass over memory, a fresh output and
// tfjs bookkeeping): ~700 calls a step on the small model, more time than all of Adam's
// arithmetic. Here p, m, v and g are read once and the new p, m, v written once, in float64
// with torch.optim.Adam's formula. The new p is a new tensor: tfjs caches XNNPACK operators
// (with packed weights) per filter tensor, so a parameter's values must never change under
// its dataId. The moments are Adam's alone and are overwritten in place when no other
// tensor shares their data (saves 2 x 4 bytes per parameter of fresh memory a step).
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  refCount(dataId: object): number;
}

export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 - beta1^k) */
  stepSize: number;
  /** sqrt(1 - beta2^k) */
  bias2Sqrt: number;
}

/** The active backend, if Adam can run on its heap (wasm, float32 tensors). */
export function heapAdamBackend(): HeapBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' && typeof b.refCount === 'function' ? (b as HeapBackend) : undefined;
}

/** After one step: the new parameter, and new moments where the old could not be overwritten. The caller owns them. */
export interface HeapAdamResult {
  param: tf.Tensor;
  m?: tf.Tensor;
  v?: tf.Tensor;
}

/** All four inputs must be float32 of one shape. */
export function heapAdamStep(
  backend: HeapBackend,
  param: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  c: AdamCoefficients,
): HeapAdamResult {
  for (const t of [param, m, v, g]) {
    if (t.dtype !== 'float32' || t.size !== param.size) throw new Error(`heapAdamStep: float32 tensors of ${param.size} values expected`);
  }
  const replace = (t: tf.Tensor) => (backend.refCount(t.dataId) > 1 ? backend.makeOutput([...t.shape], 'float32') : undefined);
  const p1Info = backend.makeOutput([...param.shape], 'float32');
  const m1Info = replace(m);
  const v1Info = replace(v);
  // Views only after the last allocation: a growing heap detaches earlier ones.
  const view = (t: TensorInfo) => backend.typedArrayFromHeap(t);
  const [p0, m0, v0, g0] = [param, m, v, g].map((t) => view(t as unknown as TensorInfo)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const p1 = view(p1Info);
  const m1 = m1Info ? view(m1Info) : m0;
  const v1 = v1Info ? view(v1Info) : v0;
  const { beta1, beta2, eps, stepSize, bias2Sqrt } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < p0.length; i++) {
    const gi = g0[i]!;
    const mi = beta1 * m0[i]! + a1 * gi;
    const vi = beta2 * v0[i]! + a2 * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    p1[i] = p0[i]! - (stepSize * mi) / (Math.sqrt(vi) / bias2Sqrt + eps);
  }
  const engine = tf.engine();
  return {
    param: engine.makeTensorFromTensorInfo(p1Info),
    ...(m1Info ? { m: engine.makeTensorFromTensorInfo(m1Info) } : {}),
    ...(v1Info ? { v: engine.makeTensorFromTensorInfo(v1Info) } : {}),
  };
}
