// One optimisation step of the DDPM objective: predict the noise of x_t, take the loss,
// update the weights with Adam, then fold the batch's BatchNorm statistics into the
// running ones (outside the gradient, as torch's in-forward update is).

import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the union package would.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import type { LossName } from '../../shared/options';
import type { BatchStatistics } from '../model/batchNorm';
import type { SimpleUnet } from '../model/simpleUnet';
import type { Adam } from './adam';
import { lossByName, type LossOptions } from './losses';

export interface TrainStepOptions extends LossOptions {
  /** Scale all gradients down to this global L2 norm when above it (torch.nn.utils.clip_grad_norm_); 0 or absent = off. */
  gradClipNorm?: number;
}

/**
 * Replaces each gradient in `grads` by its clipped version, disposing the unclipped one.
 * The factor stays on the device (a GPU would stall on reading the norm back); below the
 * limit it is exactly 1.
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): void {
  const factor = tf.tidy(() => {
    const norm = tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g)))));
    // torch adds 1e-6 to the norm; the same factor keeps results comparable.
    return tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  });
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, factor));
    g.dispose();
  }
  factor.dispose();
}

/** The value of a scalar, read without blocking (a GPU backend has no synchronous read); disposes it. */
export async function readScalar(scalar: tf.Tensor): Promise<number> {
  try {
    return (await scalar.data())[0]!;
  } finally {
    scalar.dispose();
  }
}

/**
 * Returns the loss before the update as a scalar the caller owns (read it once, with
 * readScalar). Leaves no other tensors behind; inputs stay the caller's.
 */
export function trainStep(
  model: SimpleUnet,
  optimizer: Adam,
  xNoisy: tf.Tensor4D,
  t: tf.Tensor1D,
  noise: tf.Tensor4D,
  loss: LossName,
  opts: TrainStepOptions,
): tf.Scalar {
  const lossFn = lossByName(loss);
  const params = model.trainableVariables();
  let batchStats: BatchStatistics[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forwardTrain(xNoisy, t);
    // Kept past variableGrads' own tidy, for the running-statistics update below.
    batchStats = out.batchStats;
    for (const s of batchStats) tf.keep(s.mean), tf.keep(s.variance);
    return lossFn(noise, out.output, opts);
  }, [...params.values()]);
  const byName = new Map<string, tf.Tensor>();
  try {
    for (const [name, v] of params) byName.set(name, grads[v.name]!);
    if (opts.gradClipNorm) clipByGlobalNorm(byName, opts.gradClipNorm);
    optimizer.applyGradients(byName);
    model.applyBatchStatistics(batchStats);
    return value;
  } catch (err) {
    value.dispose();
    throw err;
  } finally {
    // Clipping replaces gradients; disposing one twice is a no-op.
    tf.dispose(grads);
    tf.dispose([...byName.values()]);
    for (const s of batchStats) tf.dispose([s.mean, s.variance]);
  }
}
