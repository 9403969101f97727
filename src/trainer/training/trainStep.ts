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

/** Replaces each gradient in `grads` by its clipped version, disposing the unclipped one. */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): void {
  const norm = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => tf.sum(tf.square(g))))).dataSync()[0]!);
  // torch adds 1e-6 to the norm; the same factor keeps results comparable.
  const factor = maxNorm / (norm + 1e-6);
  if (!(factor < 1)) return;
  for (const [name, g] of grads) {
    grads.set(name, tf.mul(g, factor));
    g.dispose();
  }
}

/** Returns the loss before the update. Leaves no tensors behind; inputs stay the caller's. */
export function trainStep(
  model: SimpleUnet,
  optimizer: Adam,
  xNoisy: tf.Tensor4D,
  t: tf.Tensor1D,
  noise: tf.Tensor4D,
  loss: LossName,
  opts: TrainStepOptions,
): number {
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
    return value.dataSync()[0]!;
  } finally {
    value.dispose();
    // Clipping replaces gradients; disposing one twice is a no-op.
    tf.dispose(grads);
    tf.dispose([...byName.values()]);
    for (const s of batchStats) tf.dispose([s.mean, s.variance]);
  }
}
