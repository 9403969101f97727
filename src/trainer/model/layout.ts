// Moves one parameter between PyTorch's layout (flat row-major data + torch shape) and
// the tfjs tensor the model holds; the permutations are in parameters.ts's tfjsLayout.

import * as tf from '@tensorflow/tfjs-core';
import { elementCount, tfjsLayout, type ParameterSpec } from './parameters';

/** A float32 tensor in tfjs layout from row-major data in PyTorch's layout. */
export function tensorFromTorchLayout(spec: ParameterSpec, data: Float32Array): tf.Tensor {
  const n = elementCount(spec.torchShape);
  if (data.length !== n) throw new Error(`${spec.name}: expected ${n} values for shape [${spec.torchShape.join(', ')}], got ${data.length}`);
  const { perm } = tfjsLayout(spec);
  return tf.tidy(() => {
    const t = tf.tensor(data, [...spec.torchShape], 'float32');
    return perm ? tf.transpose(t, perm) : t;
  });
}

/** Row-major float32 data in PyTorch's layout from a tensor in tfjs layout. */
export function torchLayoutData(spec: ParameterSpec, tensor: tf.Tensor): Float32Array {
  const { shape, perm } = tfjsLayout(spec);
  if (!sameShape(tensor.shape, shape)) {
    throw new Error(`${spec.name}: tfjs tensor has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  // A copy: the cpu backend hands out its own storage.
  if (!perm) return (tensor.dataSync() as Float32Array).slice();
  const inverse = perm.map((_, i) => perm.indexOf(i));
  const t = tf.transpose(tensor, inverse);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
