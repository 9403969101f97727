// GroupNorm against float64 arithmetic by hand: the forward on values with a large common
// offset (where a one-pass variance would cancel), and the input and weight gradients against
// central finite differences of the float64 function. PyTorch's nn.GroupNorm is checked through
// the whole model in model-torch-state-dict.test.ts.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/trainer/backend/trainingGradients';
import { groupNorm } from '../../src/trainer/model/groupNorm';
import { testOnEachBackend } from '../helpers/backends';
import { seeded } from '../helpers/seededRandom';

const [N, H, W, C, G] = [2, 3, 2, 6, 3];

/** y[n,h,w,c] = (x - mean) / sqrt(var + eps) * weight[c] + bias[c], statistics per (n, group). */
function groupNorm64(x: Float64Array, weight: Float64Array, bias: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  const size = C / G;
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < G; g++) {
      const at: number[] = [];
      for (let p = 0; p < H * W; p++) for (let k = 0; k < size; k++) at.push((n * H * W + p) * C + g * size + k);
      const mean = at.reduce((s, i) => s + x[i]!, 0) / at.length;
      const variance = at.reduce((s, i) => s + (x[i]! - mean) ** 2, 0) / at.length;
      for (const i of at) y[i] = ((x[i]! - mean) / Math.sqrt(variance + 1e-5)) * weight[i % C]! + bias[i % C]!;
    }
  }
  return y;
}

testOnEachBackend('group norm: forward as float64 by hand, even on a large common offset', async () => {
  const random = seeded(3);
  const x = Float64Array.from({ length: N * H * W * C }, () => 50 + 0.5 * (random() - 0.5));
  const weight = Float64Array.from({ length: C }, () => 0.5 + random());
  const bias = Float64Array.from({ length: C }, () => random() - 0.5);
  const y = groupNorm(tf.tensor4d(Float32Array.from(x), [N, H, W, C]), G, { weight: tf.tensor1d(Float32Array.from(weight)), bias: tf.tensor1d(Float32Array.from(bias)) });
  const got = await y.data();
  const expected = groupNorm64(Float64Array.from(Float32Array.from(x)), weight, bias);
  expected.forEach((e, i) => assert.ok(Math.abs(got[i]! - e) < 2e-3, `y[${i}] = ${got[i]}, float64 ${e}`));
  y.dispose();
}, { gpu: true });

testOnEachBackend('group norm: input and weight gradients match finite differences of the float64 function', async () => {
  const random = seeded(7);
  const x = Float64Array.from({ length: N * H * W * C }, () => 2 * random() - 1);
  const weight = Float64Array.from({ length: C }, () => 0.5 + random());
  const bias = Float64Array.from({ length: C }, () => random() - 0.5);
  const r = Float64Array.from({ length: x.length }, () => random() - 0.5);
  const loss64 = (xv: Float64Array, wv: Float64Array) => groupNorm64(xv, wv, bias).reduce((s, v, i) => s + v * r[i]!, 0);
  const biasT = tf.tensor1d(Float32Array.from(bias));
  const rT = tf.tensor4d(Float32Array.from(r), [N, H, W, C]);
  const loss = (xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(groupNorm(xt as tf.Tensor4D, G, { weight: wt as tf.Tensor1D, bias: biasT }), rT));
  const [gxT, gwT] = tf.grads(loss)([tf.tensor4d(Float32Array.from(x), [N, H, W, C]), tf.tensor1d(Float32Array.from(weight))]);
  const [gx, gw] = await Promise.all([gxT!.data(), gwT!.data()]);
  const h = 1e-6;
  const central = (f: (d: number) => number) => (f(h) - f(-h)) / (2 * h);
  for (const i of [0, 5, 17, 40, x.length - 1]) {
    const fd = central((d) => { const xs = Float64Array.from(x); xs[i] += d; return loss64(xs, weight); });
    assert.ok(Math.abs(gx[i]! - fd) < 1e-3, `d/dx[${i}]: ${gx[i]} vs ${fd}`);
  }
  for (let c = 0; c < C; c++) {
    const fd = central((d) => { const ws = Float64Array.from(weight); ws[c] += d; return loss64(x, ws); });
    assert.ok(Math.abs(gw[c]! - fd) < 1e-3, `d/dweight[${c}]: ${gw[c]} vs ${fd}`);
  }
  tf.dispose([biasT, rT, gxT!, gwT!]);
}, { gpu: true });
