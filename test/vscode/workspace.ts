// The workspace the VS Code tests open: tiny sweep files and a hand-made output directory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** toy-cars, 16 px, channels 4,8, wasm: each step takes well under a second. */
const TINY_BASE = {
  preset: 'small', channels: [4, 8], dataset: 'toy-cars', toyCarsCount: 64, heldOutCount: 0, imgSize: 16, batchSize: 8,
  epochs: 1000, sampleEvery: 0, sampleCount: 2, backend: 'wasm',
};

export function sweepFile(name: string, maxSteps: number, timesteps: number[]): object {
  return { name, base: { ...TINY_BASE, maxSteps }, axes: { timesteps } };
}

export function makeWorkspace(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-workspace-'));
  const write = (rel: string, content: unknown) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  };
  write('tiny.sweep.json', sweepFile('tiny', 3, [50, 60]));
  // Long enough to be caught running; the tests stop or kill it.
  write('slow.sweep.json', sweepFile('slow', 100000, [70, 80, 90]));
  write('bad.sweep.json', { name: 'bad', base: { imgSize: 16 }, axes: { timesteps: [50, 'many'] } });

  const out = '.diffusion';
  write(`${out}/sweeps/handmade/sweep.json`, {
    formatVersion: 1, sweepId: 'handmade', name: 'handmade', source: path.join(dir, 'handmade.sweep.json'), variedFields: ['timesteps'],
    runs: [250, 300, 350].map((T, i) => ({ runId: `T${T}-${'abc'[i]!.repeat(4)}`, varied: { timesteps: T } })),
  });
  const status = { formatVersion: 1, state: 'done', createdAt: '2025-01-01T00:00:00Z', step: 2, epoch: 1, totalSteps: 2 };
  write(`${out}/runs/T250-aaaa/status.json`, status);
  write(`${out}/runs/T250-aaaa/config.json`, { formatVersion: 1, runId: 'T250-aaaa', config: { ...TINY_BASE, timesteps: 250 }, environment: { backend: 'wasm', parameterCount: 1234 } });
  write(`${out}/runs/T250-aaaa/metrics.jsonl`, [0.4, 0.6].map((loss, i) => JSON.stringify({ kind: 'step', step: i + 1, epoch: 0, loss, ms: 5, imagesPerSec: 1, wallMs: 1000 * (i + 1) })).join('\n') + '\n');
  write(`${out}/runs/T250-aaaa/forward.png`, 'not really a png');
  // Edited by hand into nonsense.
  write(`${out}/runs/T300-bbbb/status.json`, '{"state": "done", oops');
  return dir;
}
