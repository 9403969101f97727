// The activation registry: the named option replaces every ReLU of SimpleUnet (time MLP
// and blocks). Each entry matches PyTorch's module of the same name with default arguments.

import * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '../../shared/options';

export type Activation = <T extends tf.Tensor>(x: T) => T;

const SQRT1_2 = Math.SQRT1_2;

export const ACTIVATION_FUNCTIONS: Readonly<Record<ActivationName, Activation>> = {
  relu: (x) => tf.relu(x),
  // nn.SiLU: x * sigmoid(x).
  silu: (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x))),
  // nn.GELU() default is the exact erf form, not the tanh approximation.
  gelu: (x) => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT1_2))))),
  // nn.LeakyReLU default negative slope.
  'leaky-relu': (x) => tf.leakyRelu(x, 0.01),
  // nn.ELU default alpha = 1, which is what tf.elu computes.
  elu: (x) => tf.elu(x),
  // nn.Mish: x * tanh(softplus(x)).
  mish: (x) => tf.tidy(() => tf.mul(x, tf.tanh(tf.softplus(x)))),
};

export function activationByName(name: ActivationName): Activation {
  const f = ACTIVATION_FUNCTIONS[name];
  if (!f) throw new Error(`unknown activation "${name}" (valid: ${Object.keys(ACTIVATION_FUNCTIONS).join(', ')})`);
  return f;
}
