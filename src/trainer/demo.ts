// `npm run demo`: the shipped demo sweep (sweeps/demo.sweep.json, the same file Run Demo Sweep
// trains in the editor), then where each run's samples are and how its SWD compares with the
// real-against-real floor.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { formatNumber } from '../shared/formatting';
import { swdRatio } from '../shared/measuredDifferences';
import { RUN_FILES, SAMPLE_FILES } from '../shared/runDirectory';
import { readRun } from '../shared/runReading/readRun';
import { sweepBaseConfig } from '../shared/runReading/loadStudy';
import { generatedRunLabel } from '../shared/runLabels';
import { resolveSweep } from '../shared/sweepChecks/resolveSweep';
import { runDirOf } from './sweep/sweepDirectory';
import { readSweepFile } from './sweep/readSweepFile';

/** sweeps/demo.sweep.json beside dist/ (the package and a checkout alike). */
export function demoSweepFile(): string {
  const file = path.resolve(__dirname, '..', 'sweeps', 'demo.sweep.json');
  if (!existsSync(file)) throw new Error(`the demo sweep is missing: ${file} (it ships in the package's sweeps/ folder)`);
  return file;
}

/** Per run: its SWD against the floor, then its sample files. */
export async function describeDemo(file: string, outDir: string): Promise<string> {
  const spec = readSweepFile(file);
  const sweep = resolveSweep(spec, file);
  const { base } = sweepBaseConfig(spec.base, file);
  const lines = ['', 'sliced Wasserstein distance x1e3 of the final samples (lower is better; the floor is two real sets of the same size):'];
  const files: string[] = [];
  const labels = sweep.runs.map((run) => generatedRunLabel({ ...run, base }));
  const width = Math.max(...labels.map((l) => l.length)) + 2;
  for (const [i, run] of sweep.runs.entries()) {
    const dir = runDirOf(outDir, run);
    const { measures, state } = await readRun(dir);
    const label = labels[i]!;
    const swd = measures.swd;
    lines.push(swd
      ? `  ${label.padEnd(width)} SWD ${formatNumber(swd.average, 3).padStart(5)}  floor ${formatNumber(swd.floorAverage, 3)}  (${swdRatio(swd).toFixed(2)}x the floor)` +
        (measures.swdRaw ? `; raw weights without the EMA ${formatNumber(measures.swdRaw.average, 3)}` : '')
      : `  ${label.padEnd(width)} ${state}, no SWD`);
    const samples = path.join(dir, RUN_FILES.samples);
    files.push(`${label}:`, `  final grid        ${path.join(samples, SAMPLE_FILES.finalGrid)}`);
    if (measures.swdRaw) files.push(`  raw-weights grid  ${path.join(samples, SAMPLE_FILES.finalRawGrid)}`);
    const grids = measures.previews.filter((p) => p.grid);
    if (grids.length > 0) files.push(`  ${grids.length} grids over training, ${path.join(samples, 'grid-epoch-*.png')}`);
    files.push(`  loss per step     ${path.join(dir, RUN_FILES.metrics)}`);
  }
  return [...lines, '', ...files, ''].join('\n');
}
