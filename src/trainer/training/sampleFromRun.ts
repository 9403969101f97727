// Samples new images from a run's last checkpoint (a finished or interrupted run).
import { promises as fs } from 'node:fs';
import { RUN_FILES } from '../../shared/runDirectory';
import { selectBackend } from '../backend/selectBackend';
import { makeNoiseSchedule } from '../../shared/noiseSchedules';
import { SimpleUnet, simpleUnetConfigOf } from '../model/simpleUnet';
import { Random } from '../random';
import { writeImageGrid } from '../report/images';
import { readRunConfigFile } from '../../shared/runReading/runFiles';
import { loadCheckpointWeights } from './checkpoint';
import { sampleImages } from './sampling';
import { resolveRunConfig } from '../../shared/runConfig';

export interface SampleFromRunOptions {
  count?: number;
  seed?: number;
  onProgress?: (stepsDone: number, total: number) => void;
}

/** Writes samples/grid-<time>.png and returns its path. */
export async function sampleFromRun(runDir: string, opts: SampleFromRunOptions = {}): Promise<string> {
  const recorded = await readRunConfigFile(runDir);
  const config = resolveRunConfig({ ...recorded.config }, `${runDir}/${RUN_FILES.config}`);
  await selectBackend(config.backend);
  const model = SimpleUnet.create(simpleUnetConfigOf(config), config.seed);
  try {
    await loadCheckpointWeights(`${runDir}/${RUN_FILES.checkpoint}`, model);
    const schedule = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
    const count = opts.count ?? config.sampleCount;
    const seed = opts.seed ?? Date.now() % 2 ** 31;
    const { images } = await sampleImages(model, schedule, config, count, Random.derive(seed, 'sample-grid'), opts.onProgress);
    await fs.mkdir(`${runDir}/${RUN_FILES.samples}`, { recursive: true });
    const file = `${runDir}/${RUN_FILES.samples}/grid-seed${seed}-${new Date().toISOString().replace(/[:.]/g, '-')}.png`;
    await writeImageGrid(file, images, count, config.imgSize);
    return file;
  } finally {
    model.dispose();
  }
}
