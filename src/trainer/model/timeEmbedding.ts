// Sinusoidal time embedding exactly as the reference's SinusoidalPositionEmbeddings:
// [sin(t * f_0..f_{h-1}), cos(t * f_0..f_{h-1})] with f_i = exp(-i * ln(10000) / (h - 1)),
// h = dim / 2. Note the (h - 1): the reference differs from the usual h here.

import * as tf from '@tensorflow/tfjs-core';

/** The frequencies in float32, rounded at the same steps as torch computes them. */
export function sinusoidalFrequencies(dim: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 4 || dim % 2 !== 0) throw new Error(`time embedding dim must be an even integer >= 4, got ${dim}`);
  const half = dim / 2;
  const negStep = Math.fround(-Math.log(10000) / (half - 1));
  const freqs = new Float32Array(half);
  for (let i = 0; i < half; i++) freqs[i] = Math.exp(Math.fround(i * negStep));
  return freqs;
}

/** t: [B] timesteps (int or float) -> [B, dim] float32. */
export function sinusoidalTimeEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  const freqs = sinusoidalFrequencies(dim);
  return tf.tidy(() => {
    const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.tensor2d(freqs, [1, freqs.length]));
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
  });
}
