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

/** Returns the loss before the update. Leaves no tensors behind; inputs stay the caller's. */
export function trainStep(
  model: SimpleUnet,
  optimizer: Adam,
  xNoisy: tf.Tensor4D,
  t: tf.Tensor1D,
  noise: tf.Tensor4D,
  loss: LossName,
  opts: LossOptions,
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
  try {
    const byName = new Map<string, tf.Tensor>();
    for (const [name, v] of params) byName.set(name, grads[v.name]!);
    optimizer.applyGradients(byName);
    model.applyBatchStatistics(batchStats);
    return value.dataSync()[0]!;
  } finally {
    value.dispose();
    tf.dispose(grads);
    for (const s of batchStats) tf.dispose([s.mean, s.variance]);
  }
}
