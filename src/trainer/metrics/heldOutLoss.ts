// Held-out denoising loss per band of timesteps: the training objective (Ho et al. 2020,
// Algorithm 1: loss(eps, eps_theta(sqrt(alphaBar_t) x_0 + sqrt(1 - alphaBar_t) eps, t)))
// on images the model never trained on, split by t so one sees where the model is good
// (large t: easy, the answer is nearly x_t itself) and where it is not. Every image is
// evaluated once in every bucket, with its t and noise fixed by the seed: two runs with
// the same seed and held-out set are scored on exactly the same noisy images.

import * as tf from '@tensorflow/tfjs-core';
import type { LossName } from '../../shared/options';
import { qSample } from '../diffusion/forwardProcess';
import type { EpsModel } from '../diffusion/samplers';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { Random } from '../random';
import { LOSS_FUNCTIONS, type LossOptions, lossByName } from '../training/losses';
import { type ImageSet, checkImageSet, imageLength } from './imageSet';

export interface HeldOutLossOptions {
  /** The run's training loss. */
  loss: LossName;
  lossOptions: LossOptions;
  seed: number;
  /** Equal bands of t over [0, T). Default 10, or T when T is smaller. */
  buckets?: number;
  /** Images per model call. Default 64. */
  batchSize?: number;
}

export interface HeldOutLossBucket {
  /** First t of the band. */
  tFrom: number;
  /** One past the last t of the band. */
  tTo: number;
  /** The run's loss, averaged over every element of every image in the band. */
  loss: number;
  /** Mean squared error of the noise, whatever the run's loss: comparable across runs with different losses. */
  mse: number;
}

export interface HeldOutLossResult {
  loss: LossName;
  buckets: HeldOutLossBucket[];
  /** Bands weighted by their width: an estimate of E_{t ~ U[0, T)} of the loss. */
  meanLoss: number;
  meanMse: number;
  images: number;
  seed: number;
  ms: number;
}

/** [floor(b T / B), floor((b + 1) T / B)) for b = 0..B-1: B bands covering 0..T-1, widths differing by at most 1. */
export function timestepBuckets(T: number, buckets: number): Array<{ tFrom: number; tTo: number }> {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > T) throw new Error(`held-out loss: buckets must be an integer in 1..${T}, got ${buckets}`);
  return Array.from({ length: buckets }, (_, b) => ({ tFrom: Math.floor((b * T) / buckets), tTo: Math.floor(((b + 1) * T) / buckets) }));
}

export async function heldOutLoss(model: EpsModel, schedule: NoiseSchedule, images: ImageSet, opts: HeldOutLossOptions): Promise<HeldOutLossResult> {
  const start = performance.now();
  checkImageSet(images, 'held-out loss');
  const batchSize = opts.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`held-out loss: batchSize must be a positive integer, got ${batchSize}`);
  const lossFn = lossByName(opts.loss);
  const [count, h, w, c] = images.shape;
  const perImage = imageLength(images);

  const buckets: HeldOutLossBucket[] = [];
  for (const [b, { tFrom, tTo }] of timestepBuckets(schedule.T, opts.buckets ?? Math.min(10, schedule.T)).entries()) {
    // One stream per bucket: every t first, then each image's noise in image order, so the
    // draws do not depend on the batch size.
    const rng = Random.derive(opts.seed, `held-out-loss/bucket-${b}`);
    const t = new Int32Array(count);
    for (let i = 0; i < count; i++) t[i] = tFrom + rng.int(tTo - tFrom);
    let lossSum = 0;
    let mseSum = 0;
    for (let from = 0; from < count; from += batchSize) {
      const n = Math.min(batchSize, count - from);
      const shape: [number, number, number, number] = [n, h, w, c];
      const noiseValues = rng.normals(n * perImage);
      const batchT = t.subarray(from, from + n);
      const [lossTensor, mseTensor] = tf.tidy(() => {
        const x0 = tf.tensor4d(images.data.subarray(from * perImage, (from + n) * perImage), shape);
        const noise = tf.tensor4d(noiseValues, shape);
        const predicted = model(qSample(schedule, x0, batchT, noise), tf.tensor1d(Float32Array.from(batchT)));
        if (!tf.util.arraysEqual(predicted.shape, shape)) {
          throw new Error(`held-out loss: the eps-model returned shape [${predicted.shape}] for input [${shape}]`);
        }
        return [lossFn(noise, predicted, opts.lossOptions), LOSS_FUNCTIONS.l2(noise, predicted, opts.lossOptions)];
      });
      const [lossValue, mseValue] = await Promise.all([lossTensor.data(), mseTensor.data()]);
      tf.dispose([lossTensor, mseTensor]);
      // Each loss is a mean over the batch's elements; weighting by n makes the sum a mean over all images.
      lossSum += lossValue[0]! * n;
      mseSum += mseValue[0]! * n;
    }
    buckets.push({ tFrom, tTo, loss: lossSum / count, mse: mseSum / count });
  }
  const T = schedule.T;
  const weighted = (pick: (b: HeldOutLossBucket) => number) => buckets.reduce((sum, b) => sum + ((b.tTo - b.tFrom) / T) * pick(b), 0);
  return {
    loss: opts.loss,
    buckets,
    meanLoss: weighted((b) => b.loss),
    meanMse: weighted((b) => b.mse),
    images: count,
    seed: opts.seed,
    ms: performance.now() - start,
  };
}
