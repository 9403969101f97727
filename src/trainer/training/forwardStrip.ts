// forward.png: one training image noised by q(x_t | x_0) at up to ten evenly spaced t, fresh
// noise in each frame, as the reference notebook shows it. forward.json beside it says which t
// each tile is and where the tiles are, so readers do not have to know this layout.
import * as tf from '@tensorflow/tfjs-core';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import { RUN_FILES, type ForwardStripIndex } from '../../shared/runDirectory';
import { writeJsonAtomic } from '../../shared/atomicFile';
import { forwardDiffusionStrip, forwardStripTimes } from '../diffusion/forwardProcess';
import { Random } from '../random';
import { upscaleFactor, writeImageStrip } from '../report/images';
import type { RunWriter } from '../run/runWriter';

const FRAMES = 10;
const MIN_TILE = 64;
const GAP = 2;

export async function writeForwardStrip(writer: RunWriter, schedule: NoiseSchedule, imgSize: number, image: Float32Array, seed: number): Promise<void> {
  const count = Math.min(FRAMES, schedule.T);
  const strip = tf.tidy(() => forwardDiffusionStrip(schedule, tf.tensor3d(image, [imgSize, imgSize, 3]), Random.derive(seed, 'forward-strip'), count));
  const values = (await strip.data()) as Float32Array;
  strip.dispose();
  await writeImageStrip(writer.file(RUN_FILES.forwardStrip), values, count, imgSize, { minTileSize: MIN_TILE, gap: GAP });
  const index: ForwardStripIndex = {
    formatVersion: 1, t: forwardStripTimes(schedule.T, count), tile: imgSize * upscaleFactor(imgSize, MIN_TILE), columns: count, gap: GAP,
  };
  await writeJsonAtomic(writer.file(RUN_FILES.forwardStripIndex), index);
}
