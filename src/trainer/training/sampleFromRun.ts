// Samples new images from a run's last checkpoint (a finished or interrupted run).
import { promises as fs } from 'node:fs';
import { RUN_FILES } from '../../shared/runDirectory';
import { selectBackend } from '../backend/selectBackend';
import { makeNoiseSchedule } from '../diffusion/schedules';
import { ddpmSample } from '../diffusion/samplers';
import { SimpleUnet } from '../model/simpleUnet';
import { Random } from '../random';
import { writeImageGrid } from '../report/images';
import { readRunConfigFile } from '../run/runWriter';
import { loadCheckpointWeights } from './checkpoint';

export interface SampleFromRunOptions {
  count?: number;
  seed?: number;
  onProgress?: (stepsDone: number, total: number) => void;
}

/** Writes samples/grid-<time>.png and returns its path. */
export async function sampleFromRun(runDir: string, opts: SampleFromRunOptions = {}): Promise<string> {
  const { config } = await readRunConfigFile(runDir);
  await selectBackend(config.backend);
  const model = SimpleUnet.create({ channels: config.channels, activation: config.activation }, config.seed);
  try {
    await loadCheckpointWeights(`${runDir}/${RUN_FILES.checkpoint}`, model);
    const schedule = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
    const count = opts.count ?? config.sampleCount;
    const seed = opts.seed ?? Date.now() % 2 ** 31;
    const result = await ddpmSample((x, t) => model.predict(x, t, 'train'), schedule, {
      count, imgSize: config.imgSize, rng: Random.derive(seed, 'sample-grid'), clamp: 'x_t', onProgress: opts.onProgress,
    });
    const values = (await result.images.data()) as Float32Array;
    result.images.dispose();
    result.snapshots.dispose();
    await fs.mkdir(`${runDir}/${RUN_FILES.samples}`, { recursive: true });
    const file = `${runDir}/${RUN_FILES.samples}/grid-seed${seed}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
    await writeImageGrid(file, values, count, config.imgSize);
    return file;
  } finally {
    model.dispose();
  }
}
