// `diffusion-lab sweep` through the built CLI: tiny U-Nets (widths 4,8), 16 px toy cars,
// a few dozen steps, so each run takes a second or two.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { MetricRecord, RunStatus } from '../../src/shared/runDirectory';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const TINY = {
  channels: [4, 8], imgSize: 16, batchSize: 8, toyCarsCount: 64, timesteps: 50, epochs: 4, maxSteps: 24,
  sampleEvery: 0, sampleCount: 1, lr: 1e-3, backend: 'wasm', evalImages: 0,
};

function setUp(t: { after: (fn: () => void) => void }, spec: object): { dir: string; file: string; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tiny.sweep.json');
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return { dir, file, out: path.join(dir, 'out') };
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI and sends SIGINT once `ready` matches its stderr so far. */
function cliInterrupted(args: string[], ready: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && ready.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const status = (out: string, id: string) => readJson<RunStatus>(path.join(out, 'runs', id, 'status.json'));
const steps = (out: string, id: string) => readFileSync(path.join(out, 'runs', id, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as MetricRecord).filter((m) => m.kind === 'step');
const runIds = (out: string, sweep: string) => readJson<ResolvedSweepFile>(path.join(out, 'sweeps', sweep, 'sweep.json')).runs.map((r) => r.runId);
/** The table row of a run in the summary on stdout. */
const row = (stdout: string, id: string) => stdout.split('\n').find((l) => l.startsWith(id + ' ')) ?? '';

test('the CLI is built', () => {
  assert.ok(existsSync(CLI), `${CLI} missing: run npm run build`);
});

test('--dry-run lists the runs with an estimate and writes nothing', (t) => {
  const { file, out } = setUp(t, { name: 'tiny', base: TINY, axes: { timesteps: [50, 60] } });
  const r = cli(['sweep', file, '--out', out, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^1 +T50-[0-9a-f]{4} +50 +not started +24 +6\.00 assumed/m);
  assert.match(r.stdout, /^2 +T60-[0-9a-f]{4} +60 +not started +24 /m);
  assert.match(r.stdout, /sweep tiny \(id tiny\): 2 runs \(2 not started\)/);
  assert.match(r.stdout, /throughput assumed 6 GFLOP\/s for wasm; pass --gflops N/);
  assert.ok(!existsSync(out), 'a dry run writes nothing');
});

test('a bad sweep file: exit 2, the file, the path and the allowed values', (t) => {
  const { file, out } = setUp(t, { base: TINY, axes: { loss: ['l1', 'nll'] } });
  const r = cli(['sweep', file, '--out', out]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim(), `diffusion-lab sweep: ${file}: axes.loss[1]: "nll" (a string) is not allowed; allowed: "l1", "l2", "huber", "smooth-l1"`);
  assert.ok(!existsSync(out));
});

test('an interrupted sweep, run again, finishes without redoing its finished runs', async (t) => {
  const { file, out } = setUp(t, { name: 'tiny', base: TINY, axes: { timesteps: [50, 60, 70] } });

  // Ctrl-C once the second run has started training.
  const first = await cliInterrupted(['sweep', file, '--out', out], /\[2\/3\] T60-\w+ \(timesteps=60\): training\n(.*\n)*training\n/);
  assert.equal(first.code, 130, first.stderr);
  assert.match(first.stderr, /sweep stopped with 2 of 3 runs not done; run the same command again to continue/);
  const [done, interrupted, notStarted] = runIds(out, 'tiny') as [string, string, string];
  assert.match(row(first.stdout, done), / done .* trained$/);
  assert.match(row(first.stdout, interrupted), / cancelled .* trained -> cancelled$/);
  assert.match(row(first.stdout, notStarted), / not started .* not started \(stopped\)$/);
  const cancelled = status(out, interrupted);
  assert.equal(cancelled.state, 'cancelled');
  assert.ok(cancelled.step >= 1 && cancelled.step < 24, `cancelled at step ${cancelled.step}`);
  assert.ok(!existsSync(path.join(out, 'runs', notStarted)));

  const doneFiles = ['status.json', 'metrics.jsonl', 'config.json'].map((f) => path.join(out, 'runs', done, f));
  const before = doneFiles.map((f) => ({ text: readFileSync(f, 'utf8'), mtimeMs: statSync(f).mtimeMs }));

  const second = cli(['sweep', file, '--out', out]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`\\[1/3\\] ${done} \\(timesteps=50\\): done already, skipped`));
  assert.match(second.stderr, new RegExp(`\\[2/3\\] ${interrupted} \\(timesteps=60\\): resuming the cancelled run from its last checkpoint \\(it had reached step ${cancelled.step}\\)`));
  assert.match(row(second.stdout, done), / done .* skipped \(done\)$/);
  assert.match(row(second.stdout, interrupted), / done .* resumed$/);
  assert.match(row(second.stdout, notStarted), / done .* trained$/);
  doneFiles.forEach((f, i) => {
    assert.equal(readFileSync(f, 'utf8'), before[i]!.text, `${f} rewritten`);
    assert.equal(statSync(f).mtimeMs, before[i]!.mtimeMs, `${f} touched`);
  });
  for (const id of [done, interrupted, notStarted]) {
    assert.equal(status(out, id).state, 'done');
    assert.equal(status(out, id).step, 24);
  }
  // Resumed from the checkpoint, not started over: every step once.
  assert.deepEqual(steps(out, interrupted).map((s) => s.step), Array.from({ length: 24 }, (_, i) => i + 1));

  const third = cli(['sweep', file, '--out', out]);
  assert.equal(third.code, 0);
  assert.equal(third.stdout.match(/skipped \(done\)$/gm)?.length, 3);
});

test('maxParallelRuns 2: runs in child processes; Ctrl-C reaches them, and the sweep resumes', async (t) => {
  const { file, out } = setUp(t, { name: 'par', base: TINY, axes: { activation: ['relu', 'silu', 'gelu'] }, maxParallelRuns: 2 });
  // Both children have started training (their lines are prefixed with the run id).
  const first = await cliInterrupted(['sweep', file, '--out', out], /\| training\n(.*\n)*.*\| training\n/);
  assert.equal(first.code, 130, first.stderr);
  const [a, b, c] = runIds(out, 'par') as [string, string, string];
  assert.equal(status(out, a).state, 'cancelled');
  assert.equal(status(out, b).state, 'cancelled');
  assert.notEqual(status(out, a).pid, status(out, b).pid, 'two processes');
  assert.ok(!existsSync(path.join(out, 'runs', c)));

  const second = cli(['sweep', file, '--out', out]);
  assert.equal(second.code, 0, second.stderr);
  for (const id of [a, b]) assert.match(row(second.stdout, id), / done .* resumed$/);
  assert.match(row(second.stdout, c), / done .* trained$/);
  for (const id of [a, b, c]) assert.deepEqual(steps(out, id).map((s) => s.step), Array.from({ length: 24 }, (_, i) => i + 1));
});

test('--threads: each run of the sweep trains on that many wasm threads; a bad count is refused before anything is written', (t) => {
  const { file, out } = setUp(t, { name: 'threads', base: { ...TINY, maxSteps: 2 }, axes: { timesteps: [50] } });
  const bad = cli(['sweep', file, '--out', out, '--threads', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--threads must be a positive integer, got 0/);
  assert.ok(!existsSync(out), 'nothing written');

  const r = cli(['sweep', file, '--out', out, '--threads', '1']);
  assert.equal(r.code, 0, r.stderr);
  const [id] = runIds(out, 'threads') as [string];
  const config = readJson<RunConfigFile>(path.join(out, 'runs', id, 'config.json'));
  assert.match(config.environment.backendDetail ?? '', /1 thread \(DIFFUSION_LAB_WASM_THREADS=1\)/);
});

test('a run that fails does not stop the sweep; the summary names it; exit 1', (t) => {
  const { dir, file, out } = setUp(t, { name: 'fails', base: { ...TINY, maxSteps: 3 }, axes: { dataset: ['no-such-folder', 'toy-cars'] } });
  const r = spawnSync(process.execPath, [CLI, 'sweep', file, '--out', out], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 1, r.stderr);
  const [failed, ok] = runIds(out, 'fails') as [string, string];
  assert.match(row(r.stdout, failed), / failed /);
  assert.match(row(r.stdout, ok), / done /);
  assert.match(r.stdout, new RegExp(`^${failed} failed: dataset folder not found: .*no-such-folder`, 'm'));
  assert.match(r.stderr, /1 of 2 runs not done \(see the table\)/);
});

test('the same sweep started twice (two windows): the second leaves the run the first is training alone', async (t) => {
  const { file, out } = setUp(t, { name: 'twice', base: { ...TINY, maxSteps: 100_000, epochs: 100_000 }, axes: { timesteps: [50] } });
  const first = spawn(process.execPath, [CLI, 'sweep', file, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let firstErr = '';
  first.stderr.on('data', (d: Buffer) => (firstErr += d.toString()));
  const firstExit = new Promise<number | null>((resolve) => first.on('close', resolve));
  t.after(() => first.kill('SIGKILL'));
  const deadline = Date.now() + 120_000;
  let id = '';
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the first sweep never got to training:\n${firstErr}`);
    id = existsSync(path.join(out, 'sweeps', 'twice', 'sweep.json')) ? runIds(out, 'twice')[0]! : '';
    if (id && existsSync(path.join(out, 'runs', id, 'metrics.jsonl')) && steps(out, id).length >= 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status(out, id).pid, first.pid);

  const second = cli(['sweep', file, '--out', out]);
  assert.equal(second.code, 1, 'not everything is done');
  assert.match(second.stderr, new RegExp(`${id} \\(base\\): running in process ${first.pid}, left alone`));
  assert.match(second.stderr, /1 of 1 runs not done \(see the table\), 1 of them training in another process/);
  assert.match(row(second.stdout, id), new RegExp(`skipped \\(running in ${first.pid}\\)$`));
  // The first process still owns the run and keeps training it.
  const stepsBefore = steps(out, id).length;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(status(out, id).state, 'running');
  assert.equal(status(out, id).pid, first.pid);
  assert.ok(steps(out, id).length > stepsBefore, 'the first process went on training');

  first.kill('SIGINT');
  assert.equal(await firstExit, 130, firstErr);
  assert.equal(status(out, id).state, 'cancelled');
  const recorded = steps(out, id).map((s) => s.step);
  assert.deepEqual(recorded, Array.from({ length: recorded.length }, (_, i) => i + 1), 'one writer: every step once, in order');
});
