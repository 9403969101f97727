// One Adam update of a parameter in a single pass over the wasm heap. The tensor-op
// version takes ~9 kernel calls per parameter (each a pass over memory, a fresh output and
// tfjs bookkeeping): ~700 calls a step on the small model, more time than all of Adam's
// arithmetic. Here p, m, v and g are read once and the new p, m, v written once, into new
// tensors (tfjs tensors stay immutable), in float64 with torch.optim.Adam's formula.
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface HeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
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
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : undefined;
}

/** New [p, m, v] after one step; the caller owns them. All four inputs must be float32 of one shape. */
export function heapAdamStep(
  backend: HeapBackend,
  param: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  c: AdamCoefficients,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  for (const t of [param, m, v, g]) {
    if (t.dtype !== 'float32' || t.size !== param.size) throw new Error(`heapAdamStep: float32 tensors of ${param.size} values expected`);
  }
  const outs = [0, 1, 2].map(() => backend.makeOutput([...param.shape], 'float32'));
  // Views only after the last allocation: a growing heap detaches earlier ones.
  const [p0, m0, v0, g0] = [param, m, v, g].map((t) => backend.typedArrayFromHeap(t as unknown as TensorInfo)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const [p1, m1, v1] = outs.map((t) => backend.typedArrayFromHeap(t)) as [Float32Array, Float32Array, Float32Array];
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
  return outs.map((t) => engine.makeTensorFromTensorInfo(t)) as [tf.Tensor, tf.Tensor, tf.Tensor];
}
