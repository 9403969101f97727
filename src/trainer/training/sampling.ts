// Sampling from a trained model as the run's config says: which sampler (REVERSE_SAMPLERS),
// which clamp, which BatchNorm statistics. The defaults are the notebook's.
import type { RunConfig } from '../../shared/runConfig';
import { REVERSE_SAMPLERS, type EpsModel, type SamplerOptionField } from '../diffusion/samplers';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { unetDepth } from '../model/parameters';
import type { SimpleUnet } from '../model/simpleUnet';
import type { Random } from '../random';

export interface SampledImages {
  /** NHWC [-1, 1] values of `count` images. */
  images: Float32Array;
  /** The reverse-process strip of the first image, oldest first. */
  snapshots: { values: Float32Array; count: number; steps: number[] };
}

type SamplingConfig = Pick<RunConfig, 'imgSize' | 'channels' | 'normalization' | 'sampler' | 'samplingClamp' | 'samplingBatchNorm' | SamplerOptionField>;

/**
 * Train-mode BatchNorm needs more than one value per channel: at the bottom of the U-Net a
 * single image can be 1x1. Draw a second image then, and keep the first `count`.
 */
export function samplingBatchSize(config: SamplingConfig, count: number): number {
  if (config.normalization !== 'batch' || config.samplingBatchNorm !== 'train') return count;
  const bottom = config.imgSize / 2 ** unetDepth(config.channels);
  return count * bottom * bottom >= 2 ? count : 2;
}

export async function sampleImages(
  model: SimpleUnet, schedule: NoiseSchedule, config: SamplingConfig, count: number, rng: Random,
  onProgress?: (done: number, total: number) => void,
): Promise<SampledImages> {
  const eps: EpsModel = (x, t) => model.predict(x, t, config.samplingBatchNorm);
  const drawn = samplingBatchSize(config, count);
  const common = { count: drawn, imgSize: config.imgSize, rng, clamp: config.samplingClamp, ...(onProgress ? { onProgress } : {}) };
  const result = await REVERSE_SAMPLERS[config.sampler].sample(eps, schedule, common, config);
  const all = (await result.images.data()) as Float32Array;
  const snapshots = { values: (await result.snapshots.data()) as Float32Array, count: result.snapshots.shape[0], steps: result.snapshotSteps };
  result.images.dispose();
  result.snapshots.dispose();
  return { images: all.subarray(0, count * config.imgSize * config.imgSize * 3), snapshots };
}
