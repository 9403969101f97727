// `npm run demo`: the main job on a fresh checkout, sized for a few minutes on 2 CPU cores.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunConfig } from '../shared/runConfig';
import { RUN_FILES } from '../shared/runDirectory';

/**
 * Small U-Net, 16 px toy cars, 90 steps: a learning rate 20x the notebook's makes the loss
 * fall from ~0.8 to ~0.3 and the samples show sky, ground and horizon instead of noise.
 */
export const DEMO_CONFIG: Partial<RunConfig> = {
  preset: 'small',
  dataset: 'toy-cars',
  toyCarsCount: 1024,
  imgSize: 16,
  batchSize: 64,
  timesteps: 300,
  lr: 2e-3,
  epochs: 6,
  sampleEvery: 3,
  sampleCount: 16,
  seed: 0,
};

/** Where a finished run's figures are, for the person who just ran it. */
export async function describeRunFiles(runDir: string): Promise<string> {
  const samples = (await fs.readdir(path.join(runDir, RUN_FILES.samples)).catch(() => [])).sort(); // none to list: the run directory line still says where to look
  return [
    '',
    `run directory     ${runDir}`,
    `forward strip     ${path.join(runDir, RUN_FILES.forwardStrip)}`,
    ...samples.map((f) => `${f.startsWith('grid') ? 'sample grid' : 'reverse strip'}${' '.repeat(f.startsWith('grid') ? 7 : 5)}${path.join(runDir, RUN_FILES.samples, f)}`),
    `loss per step     ${path.join(runDir, RUN_FILES.metrics)}`,
    '',
  ].join('\n');
}
