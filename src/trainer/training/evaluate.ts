// Quality measurements of a run on its held-out images, as metrics.jsonl records. Seeds are
// fixed per run seed, not per epoch, so evaluations of one run and of different runs compare.
import type { RunConfig } from '../../shared/runConfig';
import type { MetricRecord } from '../../shared/runDirectory';
import type { EpsModel } from '../diffusion/samplers';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { bitsPerDim } from '../metrics/bitsPerDim';
import { heldOutLoss } from '../metrics/heldOutLoss';
import type { ImageSet } from '../metrics/imageSet';
import { bitsPerDimRecord, heldOutLossRecord, slicedWassersteinRecord, type EvalPoint } from '../metrics/records';
import { slicedWassersteinEval } from '../metrics/slicedWasserstein';

const EVAL_SEED_OFFSET = 7919;

/** The first `count` images of a set. */
function firstImages(images: ImageSet, count: number): ImageSet {
  const [n, h, w, c] = images.shape;
  const k = Math.min(count, n);
  return { data: images.data.subarray(0, k * h * w * c), shape: [k, h, w, c] };
}

/** Held-out loss per t band: cheap enough for every sampling epoch. */
export async function evaluateHeldOutLoss(
  model: EpsModel, schedule: NoiseSchedule, config: RunConfig, heldOut: ImageSet, at: EvalPoint,
): Promise<MetricRecord[]> {
  if (config.evalImages === 0 || heldOut.shape[0] === 0) return [];
  const images = firstImages(heldOut, config.evalImages);
  const result = await heldOutLoss(model, schedule, images, {
    loss: config.loss, lossOptions: { huberDelta: config.huberDelta }, seed: config.seed + EVAL_SEED_OFFSET,
  });
  return [heldOutLossRecord(result, at)];
}

/** The variational bound in bits/dim on the held-out images. */
export async function evaluateBitsPerDim(
  model: EpsModel, schedule: NoiseSchedule, config: RunConfig, heldOut: ImageSet, at: EvalPoint,
): Promise<MetricRecord[]> {
  if (config.evalImages === 0 || heldOut.shape[0] === 0) return [];
  const result = await bitsPerDim(model, schedule, firstImages(heldOut, config.evalImages), {
    seed: config.seed + EVAL_SEED_OFFSET, timesteps: config.evalTimesteps,
  });
  return [bitsPerDimRecord(result, at)];
}

/**
 * Sliced Wasserstein distance of the generated images to as many held-out ones, with the
 * real-vs-real value at the same N as its noise floor; needs twice as many held-out images.
 */
export function evaluateSlicedWasserstein(generated: ImageSet, heldOut: ImageSet, seed: number, at: EvalPoint, weights?: 'ema' | 'raw'): MetricRecord[] {
  const n = Math.min(generated.shape[0], Math.floor(heldOut.shape[0] / 2));
  if (n < 2) return [];
  // Below Karras et al.'s 16 px: one pyramid level at the image's own size, patches as large
  // as fit (odd), so every image size a config allows is measured rather than failing at the end.
  const size = generated.shape[1];
  const small = size < 16 ? { minResolution: size, patchSize: Math.min(7, size % 2 === 1 ? size : size - 1) } : {};
  const record = slicedWassersteinRecord(slicedWassersteinEval(firstImages(generated, n), heldOut, { seed: seed + EVAL_SEED_OFFSET, ...small }), at);
  return [weights ? { ...record, weights } : record];
}
