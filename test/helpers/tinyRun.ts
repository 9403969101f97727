// A training run small enough to set up and train in a test in about a second on cpu: 8 px,
// widths 4 and 8, 16 toy cars of which 4 are held out, batch 4 (3 steps an epoch), T = 10.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TrainerEvent } from '../../src/shared/messages';
import { resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { startRun, type RunContext } from '../../src/trainer/training/runContext';
import { setupRun } from '../../src/trainer/training/runSetup';

export function tinyConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return resolveRunConfig({
    preset: 'small', channels: [4, 8], imgSize: 8, batchSize: 4, timesteps: 10, epochs: 2, sampleEvery: 1, sampleCount: 2,
    toyCarsCount: 16, heldOutCount: 4, heldOutFraction: 0.25, evalImages: 4, evalTimesteps: 4, backend: 'cpu', seed: 5, ...overrides,
  }, 'test');
}

/** A fresh folder, removed after the test. */
export function tempOut(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-tiny-run-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A new run under `out`, set up to its first step; its tensors are released after the test. */
export async function tinyContext(
  t: { after: (fn: () => void) => void }, out: string, config = tinyConfig(), opts: { onEvent?: (e: TrainerEvent) => void; signal?: AbortSignal } = {},
): Promise<RunContext> {
  const writer = await RunWriter.create(out, 'tiny');
  const ctx = await setupRun(startRun(writer, config, opts), null, path.join(out, 'cache'));
  t.after(() => release(ctx));
  return ctx;
}

export function release(ctx: RunContext): void {
  for (const thing of ctx.owned.splice(0)) thing.dispose();
}

export const readJsonFile = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export function metricsText(runDir: string): string {
  return readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
}

export function metricsOf(runDir: string): MetricRecord[] {
  return metricsText(runDir).split('\n').filter(Boolean).map((l) => JSON.parse(l) as MetricRecord);
}
