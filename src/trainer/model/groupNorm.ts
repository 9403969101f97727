// GroupNorm with PyTorch's semantics (nn.GroupNorm, eps 1e-5) over NHWC tensors: statistics
// per image and per group of adjacent channels, over height, width and the group's channels.
// Unlike BatchNorm it is the same function in training and sampling, with no running state.

import * as tf from '@tensorflow/tfjs-core';

export const GROUP_NORM_EPS = 1e-5;

export function groupNorm(
  x: tf.Tensor4D,
  groups: number,
  p: { readonly weight: tf.Tensor1D; readonly bias: tf.Tensor1D },
  eps = GROUP_NORM_EPS,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`group norm: ${c} channels do not split into ${groups} groups`);
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [n, h, w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true);
    const normalised = tf.reshape(tf.mul(tf.sub(grouped, mean), tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]);
    return tf.add(tf.mul(normalised, p.weight), p.bias) as tf.Tensor4D;
  });
}
