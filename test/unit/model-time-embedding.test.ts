// The sinusoidal time embedding against float64 by hand, on every backend: a GPU's own sin
// and cos may be off by 2^-11 (WGSL's bound), the series in sinCos must not be.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { sinCos, sinusoidalFrequencies, sinusoidalTimeEmbedding } from '../../src/trainer/model/timeEmbedding';
import { testOnEachBackend } from '../helpers/backends';

/** Every timestep up to 4000 (T far past the notebook's 300) and a few fractional ones. */
const TIMESTEPS = Float32Array.from([...Array.from({ length: 4001 }, (_, i) => i), 0.5, 17.25, 299.75]);

testOnEachBackend('the time embedding matches float64 sin and cos of the float32 arguments to 1e-6', async () => {
  const dim = 32;
  const freqs = sinusoidalFrequencies(dim);
  const emb = sinusoidalTimeEmbedding(tf.tensor1d(TIMESTEPS), dim);
  const got = (await emb.data()) as Float32Array;
  emb.dispose();
  let worst = 0;
  let where = '';
  TIMESTEPS.forEach((t, b) => {
    freqs.forEach((f, i) => {
      // torch multiplies in float32, then takes sin/cos of that float32 argument.
      const arg = Math.fround(t * f);
      for (const [offset, want] of [[i, Math.sin(arg)], [freqs.length + i, Math.cos(arg)]] as const) {
        const err = Math.abs(got[b * dim + offset]! - want);
        if (err > worst) [worst, where] = [err, `t=${t}, ${offset < freqs.length ? 'sin' : 'cos'} f_${i}`];
      }
    });
  });
  assert.ok(worst < 1e-6, `worst error ${worst.toExponential(2)} at ${where}`);
}, { gpu: true });

testOnEachBackend('sinCos reduces large and negative arguments', async () => {
  const xs = Float32Array.from([-1e4, -20, -Math.PI, -1, 0, 1e-3, 1, Math.PI, 7, 1e3, 1e4]);
  const { sin, cos } = sinCos(tf.tensor1d(xs));
  const [s, c] = (await Promise.all([sin.data(), cos.data()])) as Float32Array[];
  tf.dispose([sin, cos]);
  xs.forEach((x, i) => {
    // Near 1e4 a float32 argument's ulp is 1e-3; the series is exact for the value given, as torch's sin is.
    assert.ok(Math.abs(s![i]! - Math.sin(x)) < 2e-6, `sin(${x}) = ${s![i]}, expected ${Math.sin(x)}`);
    assert.ok(Math.abs(c![i]! - Math.cos(x)) < 2e-6, `cos(${x}) = ${c![i]}, expected ${Math.cos(x)}`);
  });
}, { gpu: true });
