import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { Adam } from '../../src/trainer/training/adam';
import { testOnEachBackend } from '../helpers/backends';

const START = [0.5, -0.25, 1.0, 0.0];
const GRADS = [
  [0.1, -2.0, 1e-3, 0],
  [-0.3, -1.0, 2e-3, 5e-9],
  [0.2, 0.5, -1e-3, 1e-6],
];

/** torch.optim.Adam's single-tensor update, step by step, in float64. */
function reference(lr: number, b1: number, b2: number, eps: number): number[][] {
  const p = [...START];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out: number[][] = [];
  GRADS.forEach((g, k) => {
    const step = k + 1;
    const stepSize = lr / (1 - b1 ** step);
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!;
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! * g[i]!;
      p[i] = p[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / bc2Sqrt + eps);
    }
    out.push([...p]);
  });
  return out;
}

function run(adam: Adam, param: tf.Variable, steps: number[][]): number[][] {
  return steps.map((g) => {
    const grad = tf.tensor2d(g, [2, 2]);
    adam.applyGradients(new Map([['w', grad]]));
    grad.dispose();
    return Array.from(param.dataSync());
  });
}

testOnEachBackend('Adam follows torch.optim.Adam (defaults and custom betas/eps)', async () => {
  for (const opts of [{}, { lr: 0.01, beta1: 0.5, beta2: 0.9, eps: 1e-3 }]) {
    const param = tf.variable(tf.tensor2d(START, [2, 2]));
    const adam = new Adam(new Map([['w', param]]), opts);
    assert.equal(adam.lr, opts.lr ?? 1e-4);
    const actual = run(adam, param, GRADS);
    const expected = reference(adam.lr, adam.beta1, adam.beta2, adam.eps);
    actual.forEach((row, k) => row.forEach((a, i) => {
      const e = expected[k]![i]!;
      assert.ok(Math.abs(a - e) <= 2e-7 * Math.max(1, Math.abs(e)), `step ${k + 1} w[${i}] = ${a}, expected ${e}`);
    }));
    assert.equal(adam.step, GRADS.length);
    adam.dispose();
    param.dispose();
  }
});

testOnEachBackend('Adam state restores exactly: resumed steps equal uninterrupted ones', async () => {
  const p1 = tf.variable(tf.tensor2d(START, [2, 2]));
  const a1 = new Adam(new Map([['w', p1]]), { lr: 0.05 });
  run(a1, p1, GRADS.slice(0, 2));
  const state = (await a1.getState());
  assert.equal(state.step, 2);
  assert.deepEqual(state.moments.w!.shape, [2, 2]);
  const uninterrupted = run(a1, p1, GRADS.slice(2));

  const p2 = tf.variable(tf.tensor2d(START, [2, 2]));
  const a2 = new Adam(new Map([['w', p2]]), { lr: 0.05 });
  run(a2, p2, GRADS.slice(0, 2)); // same weights as p1 had at the snapshot
  const a3 = new Adam(new Map([['w', p2]]), { lr: 0.05 });
  a3.setState(state);
  assert.deepEqual(run(a3, p2, GRADS.slice(2)), uninterrupted);
  assert.equal(a3.step, 3);

  assert.throws(() => a3.setState({ step: 1, moments: {} }), /missing moments for "w"/);
  assert.throws(() => a3.setState({ step: 1, moments: { w: { shape: [4], firstMoment: new Float32Array(4), secondMoment: new Float32Array(4) }, x: { shape: [1], firstMoment: new Float32Array(1), secondMoment: new Float32Array(1) } } }),
    (e: Error) => /"w": state shape \[4\]/.test(e.message) && /unexpected parameter "x"/.test(e.message));
  assert.throws(() => a3.applyGradients(new Map()), /no gradient for "w"/);
  for (const x of [a1, a2, a3]) x.dispose();
  tf.dispose([p1, p2]);
});
