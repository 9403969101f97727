// The built CLI (dist/cli.js) as the integration tests run it, and what they read back.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { MetricRecord } from '../../src/shared/runDirectory';

export const CLI = path.resolve(__dirname, '../../dist/cli.js');

export function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env, timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh folder, removed after the test. */
export function tempOut(t: { after: (fn: () => void) => void }, prefix = 'dl-cli-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
export const readMetrics = (runDir: string): MetricRecord[] =>
  readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);

/**
 * Starts `diffusion-lab ARGS --out OUT` and sends SIGINT once step `step` is on disk (as
 * Ctrl-C would). Resolves with the exit code and what it printed.
 */
export async function trainUntilStep(args: string[], out: string, step: number, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [CLI, ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const runsDir = path.join(out, 'runs');
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const run = existsSync(runsDir) ? readdirSync(runsDir).find((d) => !d.startsWith('.')) : undefined;
      const metrics = run ? path.join(runsDir, run, 'metrics.jsonl') : '';
      if (metrics && existsSync(metrics) && readFileSync(metrics, 'utf8').includes(`"step":${step},`)) {
        clearInterval(poll);
        child.kill('SIGINT');
        resolve();
      }
    }, 20);
    // Ended before that step: nothing to interrupt.
    void exit.then(() => clearInterval(poll)).then(resolve);
  });
  return { code: await exit, stdout, stderr };
}
