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
    const { sin, cos } = sinCos(args);
    return tf.concat([sin, cos], 1) as tf.Tensor2D;
  });
}

// 2 pi in two parts (Cody and Waite): the first has few mantissa bits, so k * TWO_PI_HIGH is
// exact for the k that timesteps reach, and the remainder keeps float32's precision.
const TWO_PI_HIGH = 6.28125;
const TWO_PI_LOW = 2 * Math.PI - TWO_PI_HIGH;
const TAYLOR_TERMS = 11;

/**
 * sin and cos as torch computes them (to float32 rounding) on every backend. WGSL allows
 * sin/cos an absolute error of 2^-11 and GPUs use it (SwiftShader: 2e-4 at t < 300), which
 * moved the time-MLP gradients 7x past the PyTorch fixtures' tolerance; so the argument is
 * reduced to [-pi, pi] and both series are summed here, in plain multiply-adds.
 */
export function sinCos(x: tf.Tensor): { sin: tf.Tensor; cos: tf.Tensor } {
  return tf.tidy(() => {
    const k = tf.round(tf.div(x, 2 * Math.PI));
    const r = tf.sub(tf.sub(x, tf.mul(k, TWO_PI_HIGH)), tf.mul(k, TWO_PI_LOW));
    const r2 = tf.square(r);
    // Horner from the last term: sin r = r (1 - r^2/(2*3) (1 - r^2/(4*5) (...))), cos likewise.
    let sin: tf.Tensor = tf.onesLike(r);
    let cos: tf.Tensor = tf.onesLike(r);
    for (let n = TAYLOR_TERMS; n >= 1; n--) {
      sin = tf.sub(1, tf.mul(r2, tf.div(sin, 2 * n * (2 * n + 1))));
      cos = tf.sub(1, tf.mul(r2, tf.div(cos, (2 * n - 1) * 2 * n)));
    }
    return { sin: tf.mul(r, sin), cos };
  });
}
