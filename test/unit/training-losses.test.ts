import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { LOSS_FUNCTIONS } from '../../src/trainer/training/losses';
import { testOnEachBackend } from '../helpers/backends';

// Residuals d = predicted - noise spanning both sides of the deltas used below.
const NOISE = [0.5, -1.2, 2.0, 0.0, -0.3, 1.1];
const PRED = [0.1, 0.9, 2.05, -3.0, -0.3, 0.6];
const D = PRED.map((p, i) => p - NOISE[i]!);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** torch.nn.functional definitions, element-wise, in float64. */
const huber = (d: number, delta: number) => (Math.abs(d) < delta ? 0.5 * d * d : delta * (Math.abs(d) - 0.5 * delta));
const smoothL1 = (d: number, beta: number) => (Math.abs(d) < beta ? (0.5 * d * d) / beta : Math.abs(d) - 0.5 * beta);

const CASES: { loss: keyof typeof LOSS_FUNCTIONS; delta: number; value: number; grad: (d: number) => number }[] = [
  { loss: 'l1', delta: 1, value: mean(D.map(Math.abs)), grad: (d) => Math.sign(d) },
  { loss: 'l2', delta: 1, value: mean(D.map((d) => d * d)), grad: (d) => 2 * d },
  { loss: 'huber', delta: 1, value: mean(D.map((d) => huber(d, 1))), grad: (d) => Math.max(-1, Math.min(1, d)) },
  { loss: 'huber', delta: 0.3, value: mean(D.map((d) => huber(d, 0.3))), grad: (d) => Math.max(-0.3, Math.min(0.3, d)) },
  { loss: 'smooth-l1', delta: 0.5, value: mean(D.map((d) => smoothL1(d, 0.5))), grad: (d) => Math.max(-1, Math.min(1, d / 0.5)) },
  { loss: 'smooth-l1', delta: 0, value: mean(D.map(Math.abs)), grad: (d) => Math.sign(d) },
];

for (const c of CASES) {
  testOnEachBackend(`loss ${c.loss} (delta ${c.delta}): value and gradient as torch defines them`, () => {
    const noise = tf.tensor4d(NOISE, [1, 1, 2, 3]);
    const pred = tf.tensor4d(PRED, [1, 1, 2, 3]);
    const f = LOSS_FUNCTIONS[c.loss];
    const value = f(noise, pred, { huberDelta: c.delta });
    assert.deepEqual(value.shape, []);
    assert.ok(Math.abs(value.dataSync()[0]! - c.value) <= 1e-6 * Math.max(1, c.value), `${c.loss}: ${value.dataSync()[0]} vs ${c.value}`);
    const g = tf.grad((p: tf.Tensor) => f(noise, p, { huberDelta: c.delta }))(pred);
    const grads = g.dataSync();
    D.forEach((d, i) => {
      const expected = c.grad(d) / D.length;
      assert.ok(Math.abs(grads[i]! - expected) <= 1e-6, `${c.loss} d/dpred[${i}] = ${grads[i]}, expected ${expected}`);
    });
    tf.dispose([noise, pred, value, g]);
  });
}

testOnEachBackend('loss parameters are checked', () => {
  const a = tf.zeros([1, 2, 2, 3]);
  assert.throws(() => LOSS_FUNCTIONS.huber(a, a, { huberDelta: 0 }), /delta > 0/);
  assert.throws(() => LOSS_FUNCTIONS['smooth-l1'](a, a, { huberDelta: -1 }), /beta >= 0/);
  a.dispose();
});
