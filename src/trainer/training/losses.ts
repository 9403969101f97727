// The loss registry: how far the predicted noise is from the true noise, averaged over
// every element, each entry matching the torch.nn.functional loss of the same name.

import * as tf from '@tensorflow/tfjs-core';
import type { LossName } from '../../shared/options';

export interface LossOptions {
  /** Huber's delta, and smooth-L1's beta: where the quadratic part turns linear. */
  readonly huberDelta: number;
}

export type LossFunction = (noise: tf.Tensor, predicted: tf.Tensor, opts: LossOptions) => tf.Scalar;

/** |d| with torch's gradient sign(d), which is 0 at d = 0 (tf.abs's gradient is not). */
function absolute(d: tf.Tensor): tf.Tensor {
  return tf.mul(d, tf.sign(d));
}

/**
 * 0.5 d^2 for |d| < delta, delta (|d| - delta / 2) beyond, written with q = min(|d|, delta)
 * as 0.5 q^2 + delta (|d| - q): one expression, no branch, the same value and gradient.
 */
function huberElements(noise: tf.Tensor, predicted: tf.Tensor, delta: number): tf.Tensor {
  const a = absolute(tf.sub(predicted, noise));
  const q = tf.minimum(a, delta);
  return tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(a, q), delta));
}

export const LOSS_FUNCTIONS: Readonly<Record<LossName, LossFunction>> = {
  // F.l1_loss: mean |noise - predicted| (the reference notebook's loss).
  l1: (noise, predicted) => tf.tidy(() => tf.mean(absolute(tf.sub(noise, predicted)))),
  // F.mse_loss.
  l2: (noise, predicted) => tf.tidy(() => tf.mean(tf.square(tf.sub(noise, predicted)))),
  // F.huber_loss(delta).
  huber: (noise, predicted, { huberDelta }) => {
    if (!(huberDelta > 0)) throw new Error(`huber loss needs delta > 0, got ${huberDelta}`);
    return tf.tidy(() => tf.mean(huberElements(noise, predicted, huberDelta)));
  },
  // F.smooth_l1_loss(beta) = huber(beta) / beta; torch treats beta = 0 as plain L1.
  'smooth-l1': (noise, predicted, { huberDelta: beta }) => {
    if (!(beta >= 0)) throw new Error(`smooth-l1 loss needs beta >= 0, got ${beta}`);
    if (beta === 0) return LOSS_FUNCTIONS.l1(noise, predicted, { huberDelta: beta });
    return tf.tidy(() => tf.div(tf.mean(huberElements(noise, predicted, beta)), beta));
  },
};

export function lossByName(name: LossName): LossFunction {
  const f = LOSS_FUNCTIONS[name];
  if (!f) throw new Error(`unknown loss "${name}" (valid: ${Object.keys(LOSS_FUNCTIONS).join(', ')})`);
  return f;
}
