// forward-steps.png: one training image noised by q(x_t | x_0) at many t with a single noise
// draw, so the results panel's t slider shows the same image fading into the same noise.
// Every t while the picture stays under about a megapixel; evenly spaced t beyond that.
import * as tf from '@tensorflow/tfjs-core';
import { RUN_FILES, type ForwardStepsIndex } from '../../shared/runDirectory';
import { qSample } from '../diffusion/forwardProcess';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { Random } from '../random';
import { writeImageGrid } from '../report/images';
import { writeJsonAtomic } from '../../shared/atomicFile';
import type { RunWriter } from '../run/runWriter';

const PIXEL_BUDGET = 1 << 20;
const GAP = 1;

/** The t stored for a schedule of T steps at this image size: 0, s, 2s, ... and T - 1. */
export function forwardStepTimes(T: number, imgSize: number): number[] {
  const frames = Math.min(T, Math.max(16, Math.floor(PIXEL_BUDGET / (imgSize * imgSize))));
  const stride = Math.ceil(T / frames);
  const t: number[] = [];
  for (let i = 0; i < T; i += stride) t.push(i);
  if (t[t.length - 1] !== T - 1) t.push(T - 1);
  return t;
}

export async function writeForwardSteps(writer: RunWriter, schedule: NoiseSchedule, imgSize: number, image: Float32Array, seed: number): Promise<void> {
  const t = forwardStepTimes(schedule.T, imgSize);
  const n = t.length;
  const perImage = imgSize * imgSize * 3;
  const eps = Random.derive(seed, 'forward-steps').normals(perImage);
  const noise = new Float32Array(n * perImage);
  for (let i = 0; i < n; i++) noise.set(eps, i * perImage);
  const frames = tf.tidy(() => {
    const x0 = tf.tile(tf.tensor4d(image, [1, imgSize, imgSize, 3]), [n, 1, 1, 1]) as tf.Tensor4D;
    return tf.clipByValue(qSample(schedule, x0, Int32Array.from(t), tf.tensor4d(noise, [n, imgSize, imgSize, 3])), -1, 1);
  });
  const values = (await frames.data()) as Float32Array;
  frames.dispose();
  const columns = Math.ceil(Math.sqrt(n));
  await writeImageGrid(writer.file(RUN_FILES.forwardSteps), values, n, imgSize, columns, { minTileSize: imgSize, gap: GAP });
  const index: ForwardStepsIndex = { formatVersion: 1, t, tile: imgSize, columns, gap: GAP };
  await writeJsonAtomic(writer.file(RUN_FILES.forwardStepsIndex), index);
}
