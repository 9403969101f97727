// GroupNorm with PyTorch's semantics (nn.GroupNorm, eps 1e-5) over NHWC tensors: statistics
// per image and per group of adjacent channels, over height, width and the group's channels.
// Unlike BatchNorm it is the same function in training and sampling, with no running state.
//
// The sums over pixels are batched matrix products (ones x pixels) and the sums within a group
// a product with a block matrix: on the wasm backend tf.moments over axes 1, 2 and 4 of the
// grouped tensor made a training step of the demo's U-Net 1.7x that of BatchNorm (transposes
// forwards and backwards), these GEMMs do not (bench/NOTES.md, section 10).

import * as tf from '@tensorflow/tfjs-core';

export const GROUP_NORM_EPS = 1e-5;

/** [c, c]: 1 / (c / groups) where two channels share a group, so x @ it averages within groups. */
function groupAveraging(channels: number, groups: number): tf.Tensor2D {
  const size = channels / groups;
  const m = new Float32Array(channels * channels);
  for (let i = 0; i < channels; i++) {
    const first = Math.floor(i / size) * size;
    for (let j = first; j < first + size; j++) m[i * channels + j] = 1 / size;
  }
  return tf.tensor2d(m, [channels, channels]);
}

export function groupNorm(
  x: tf.Tensor4D,
  groups: number,
  p: { readonly weight: tf.Tensor1D; readonly bias: tf.Tensor1D },
  eps = GROUP_NORM_EPS,
): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (c % groups !== 0) throw new Error(`group norm: ${c} channels do not split into ${groups} groups`);
  return tf.tidy(() => {
    const pixels = tf.reshape(x, [n, h * w, c]);
    const average = tf.fill([n, 1, h * w], 1 / (h * w)) as tf.Tensor3D;
    const groupMean = groupAveraging(c, groups);
    // Per image and channel, the mean over pixels and then over the channel's group; the
    // variance likewise from the centred values (two passes: no cancellation of large means).
    const groupAverage = (t: tf.Tensor) => tf.reshape(tf.matMul(tf.reshape(tf.matMul(average, t as tf.Tensor3D), [n, c]), groupMean), [n, 1, c]);
    const centred = tf.sub(pixels, groupAverage(pixels)) as tf.Tensor3D;
    const variance = groupAverage(tf.square(centred));
    const normalised = tf.mul(centred, tf.rsqrt(tf.add(variance, eps)));
    return tf.reshape(tf.add(tf.mul(normalised, p.weight), p.bias), [n, h, w, c]) as tf.Tensor4D;
  });
}
