// BatchNorm2d with PyTorch's semantics, over NHWC tensors (statistics per channel over
// batch, height and width). Train mode normalises with the batch's biased variance; the
// running statistics are updated with the unbiased one. The update is a separate step so
// that it stays outside the gradient and so that a train-mode forward can leave them alone.

import * as tf from '@tensorflow/tfjs-core';

export const BATCH_NORM_MOMENTUM = 0.1;
export const BATCH_NORM_EPS = 1e-5;

/** What one train-mode BatchNorm saw: enough to update its running statistics. */
export interface BatchStatistics {
  /** Layer name, e.g. "downs.0.bnorm1". */
  readonly layer: string;
  readonly mean: tf.Tensor1D;
  /** Biased (divide by n) variance, the one used to normalise. */
  readonly variance: tf.Tensor1D;
  /** Values per channel (batch x height x width), for the unbiased correction n / (n - 1). */
  readonly count: number;
}

export interface BatchNormParameters {
  readonly weight: tf.Tensor1D;
  readonly bias: tf.Tensor1D;
}

function normalise(x: tf.Tensor4D, mean: tf.Tensor1D, variance: tf.Tensor1D, p: BatchNormParameters, eps: number): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = tf.mul(tf.rsqrt(tf.add(variance, eps)), p.weight);
    return tf.add(tf.mul(tf.sub(x, mean), scale), p.bias) as tf.Tensor4D;
  });
}

/** Train mode: normalise with this batch's statistics and return them. */
export function batchNormTrain(
  x: tf.Tensor4D,
  p: BatchNormParameters,
  layer: string,
  eps = BATCH_NORM_EPS,
): { y: tf.Tensor4D; stats: BatchStatistics } {
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) {
    // As torch: the variance of one value is undefined.
    throw new Error(`${layer}: batch norm in train mode needs more than 1 value per channel, got input shape [${x.shape.join(', ')}] (NHWC)`);
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const y = normalise(x, mean as tf.Tensor1D, variance as tf.Tensor1D, p, eps);
  return { y, stats: { layer, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, count } };
}

/** Eval mode: normalise with the running statistics. */
export function batchNormEval(
  x: tf.Tensor4D,
  p: BatchNormParameters,
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  eps = BATCH_NORM_EPS,
): tf.Tensor4D {
  return normalise(x, runningMean, runningVar, p, eps);
}

/** running <- (1 - momentum) running + momentum batch, with the batch variance made unbiased. */
export function updatedRunningStatistics(
  runningMean: tf.Tensor1D,
  runningVar: tf.Tensor1D,
  stats: BatchStatistics,
  momentum = BATCH_NORM_MOMENTUM,
): { mean: tf.Tensor1D; variance: tf.Tensor1D } {
  return tf.tidy(() => {
    const unbiased = tf.mul(stats.variance, stats.count / (stats.count - 1));
    return {
      mean: tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(stats.mean, momentum)) as tf.Tensor1D,
      variance: tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(unbiased, momentum)) as tf.Tensor1D,
    };
  });
}
