// The forward (noising) process q(x_t | x_0) and the strip that shows it.

import * as tf from '@tensorflow/tfjs-core';
import type { Random } from '../random';
import type { NoiseSchedule } from '../../shared/noiseSchedules';

/** Per-example coefficients gathered from a float64 schedule array, shaped [B, 1, 1, 1] to broadcast. */
function perExample(values: Float64Array, t: Int32Array): tf.Tensor4D {
  const out = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) out[i] = values[t[i]!]!;
  return tf.tensor4d(out, [t.length, 1, 1, 1]);
}

/** x_t = sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps, with its own t for each example. */
export function qSample(schedule: NoiseSchedule, x0: tf.Tensor4D, t: Int32Array, noise: tf.Tensor4D): tf.Tensor4D {
  const batch = x0.shape[0];
  if (t.length !== batch) throw new Error(`qSample: ${t.length} timesteps for a batch of ${batch}`);
  if (!tf.util.arraysEqual(x0.shape, noise.shape)) {
    throw new Error(`qSample: noise shape [${noise.shape}] differs from x0 shape [${x0.shape}]`);
  }
  for (const ti of t) {
    if (ti < 0 || ti >= schedule.T) throw new Error(`qSample: t = ${ti} outside 0..${schedule.T - 1}`);
  }
  return tf.tidy(() =>
    tf.add(
      tf.mul(perExample(schedule.sqrtAlphasCumprod, t), x0),
      tf.mul(perExample(schedule.sqrtOneMinusAlphasCumprod, t), noise),
    ),
  );
}

/**
 * One image noised at t = 0, s, 2s, ... with s = floor(T / count) (the notebook's
 * `range(0, T, T // count)`), fresh noise for each, clamped to [-1, 1] for display.
 */
export function forwardDiffusionStrip(
  schedule: NoiseSchedule,
  image: tf.Tensor3D,
  rng: Random,
  count = 10,
): tf.Tensor4D {
  if (!Number.isInteger(count) || count < 1 || count > schedule.T) {
    throw new Error(`forwardDiffusionStrip: count must be an integer in 1..${schedule.T}, got ${count}`);
  }
  const t = Int32Array.from(forwardStripTimes(schedule.T, count));
  const [h, w, c] = image.shape;
  const noise = rng.normals(count * h * w * c);
  return tf.tidy(() => {
    const x0 = tf.tile(tf.expandDims(image, 0), [count, 1, 1, 1]) as tf.Tensor4D;
    const xt = qSample(schedule, x0, t, tf.tensor4d(noise, [count, h, w, c]));
    return tf.clipByValue(xt, -1, 1);
  });
}

/** The t of the forward strip's frames: 0, s, 2s, ... with s = floor(T / count). */
export function forwardStripTimes(T: number, count: number): number[] {
  const stride = Math.floor(T / count);
  return Array.from({ length: count }, (_, i) => i * stride);
}
