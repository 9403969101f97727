// Moves one parameter between PyTorch's layout (flat row-major data + torch shape) and
// the tfjs tensor the model holds; the permutations are in parameters.ts's tfjsLayout.
// Permuted in plain JS: the cpu backend's transpose takes seconds on the 62M-parameter model.

import * as tf from '@tensorflow/tfjs-core';
import { elementCount, tfjsLayout, type ParameterSpec } from './parameters';

/** Row-major `data` of `shape` permuted so that out.shape[i] = shape[perm[i]] (rank 1 to 4). */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  if (perm.length !== rank || rank > 4) throw new Error(`permute: rank ${rank} with perm [${perm.join(', ')}]`);
  // Pad to rank 4 with leading unit axes.
  const s = [1, 1, 1, 1];
  const p = [0, 1, 2, 3];
  for (let i = 0; i < rank; i++) {
    s[4 - rank + i] = shape[i]!;
    p[4 - rank + i] = perm[i]! + 4 - rank;
  }
  const inStride = [s[1]! * s[2]! * s[3]!, s[2]! * s[3]!, s[3]!, 1];
  const [o0, o1, o2, o3] = p.map((axis) => s[axis]!) as [number, number, number, number];
  const [st0, st1, st2, st3] = p.map((axis) => inStride[axis]!) as [number, number, number, number];
  const out = new Float32Array(data.length);
  let k = 0;
  for (let a = 0; a < o0; a++) {
    for (let b = 0; b < o1; b++) {
      for (let c = 0; c < o2; c++) {
        let from = a * st0 + b * st1 + c * st2;
        for (let d = 0; d < o3; d++, from += st3) out[k++] = data[from]!;
      }
    }
  }
  return out;
}

function inversePermutation(perm: readonly number[]): number[] {
  return perm.map((_, i) => perm.indexOf(i));
}

/** A float32 tensor in tfjs layout from row-major data in PyTorch's layout. */
export function tensorFromTorchLayout(spec: ParameterSpec, data: Float32Array): tf.Tensor {
  const n = elementCount(spec.torchShape);
  if (data.length !== n) throw new Error(`${spec.name}: expected ${n} values for shape [${spec.torchShape.join(', ')}], got ${data.length}`);
  const { shape, perm } = tfjsLayout(spec);
  return tf.tensor(perm ? permute(data, spec.torchShape, perm) : data, shape, 'float32');
}

/** Row-major float32 data in PyTorch's layout from a tensor in tfjs layout. */
export async function torchLayoutData(spec: ParameterSpec, tensor: tf.Tensor): Promise<Float32Array> {
  const { shape, perm } = tfjsLayout(spec);
  if (!sameShape(tensor.shape, shape)) {
    throw new Error(`${spec.name}: tfjs tensor has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  const values = (await tensor.data()) as Float32Array;
  // A copy either way: the cpu backend hands out its own storage.
  return perm ? permute(values, shape, inversePermutation(perm)) : values.slice();
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
