// Each activation against its float64 formula, and its tfjs gradient against central
// finite differences of that formula.

import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { ACTIVATIONS, type ActivationName } from '../../src/shared/options';
import { ACTIVATION_FUNCTIONS } from '../../src/trainer/model/activations';
import { testOnEachBackend } from '../helpers/backends';

/** erf by its Maclaurin series: accurate to ~1e-12 for |z| <= 3 (the range tested). */
function erf64(z: number): number {
  let term = z;
  let sum = z;
  for (let n = 1; n < 80; n++) {
    term *= (-z * z) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const FORMULAS: Record<ActivationName, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  silu: (x) => x / (1 + Math.exp(-x)),
  gelu: (x) => 0.5 * x * (1 + erf64(x / Math.SQRT2)),
  'leaky-relu': (x) => (x > 0 ? x : 0.01 * x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  mish: (x) => x * Math.tanh(Math.log1p(Math.exp(x))),
};

// Away from 0, where relu, leaky-relu and elu have a kink.
const POINTS = [-4, -2.5, -1.1, -0.3, -0.05, 0.02, 0.4, 1, 1.7, 3, 4];

for (const name of ACTIVATIONS) {
  testOnEachBackend(`activation ${name}: value and gradient`, () => {
    const f = ACTIVATION_FUNCTIONS[name];
    const x = tf.tensor1d(POINTS);
    const y = f(x);
    const dy = tf.grad((v: tf.Tensor) => f(v))(x);
    const values = y.dataSync();
    const grads = dy.dataSync();
    POINTS.forEach((p, i) => {
      const expected = FORMULAS[name](p);
      // float32 rounding, plus ~1.5e-7 absolute from tfjs's erf approximation (gelu).
      assert.ok(Math.abs(values[i]! - expected) <= 1e-6 + 1e-6 * Math.abs(expected), `${name}(${p}) = ${values[i]}, expected ${expected}`);
      const h = 1e-5;
      const slope = (FORMULAS[name](p + h) - FORMULAS[name](p - h)) / (2 * h);
      assert.ok(Math.abs(grads[i]! - slope) <= 1e-5 + 1e-5 * Math.abs(slope), `${name}'(${p}) = ${grads[i]}, finite difference ${slope}`);
    });
    tf.dispose([x, y, dy]);
  });
}
