// The extension's process manager against the real built trainer (dist/trainer.js): a tiny
// sweep to the end, a bad sweep file, stopping one run and then the sweep, a kill mid-run,
// and launch errors. No VS Code needed: TrainingSession knows nothing of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrainingSession } from '../../src/extension/trainingSession';
import type { TrainerEvent } from '../../src/shared/messages';
import type { RunStatus } from '../../src/shared/runDirectory';

const TRAINER = path.resolve(__dirname, '../../dist/trainer.js');

function workspace(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-session-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function tinySweep(dir: string, maxSteps: number, timesteps = [50, 60], maxParallelRuns = 1): string {
  const file = path.join(dir, 'tiny.sweep.json');
  writeFileSync(file, JSON.stringify({
    name: 'tiny', maxParallelRuns,
    base: { preset: 'small', channels: [4, 8], dataset: 'toy-cars', toyCarsCount: 64, heldOutCount: 0, imgSize: 16, batchSize: 8, epochs: 1000, maxSteps, sampleEvery: 0, sampleCount: 2, backend: 'wasm' },
    axes: { timesteps },
  }, null, 2));
  return file;
}

function start(dir: string, command: ConstructorParameters<typeof TrainingSession>[1], log: string[] = []) {
  const events: TrainerEvent[] = [];
  const session = new TrainingSession({ script: TRAINER, cwd: dir }, command, 'tiny', { stopTimeoutMs: 20_000, log: (l) => log.push(l) });
  session.onChange((e) => e && events.push(e));
  return { session, events, log };
}

/** Resolves at the first event that passes. */
function waitFor(session: TrainingSession, pass: (e: TrainerEvent) => boolean): Promise<TrainerEvent> {
  return new Promise((resolve, reject) => {
    const sub = session.onChange((e) => {
      if (e === null) reject(new Error('the session ended first'));
      else if (pass(e)) {
        sub.dispose();
        resolve(e);
      }
    });
  });
}

const statusOf = (out: string, runId: string) => JSON.parse(readFileSync(path.join(out, 'runs', runId, 'status.json'), 'utf8')) as RunStatus;

test('a tiny sweep trains to the end, reported run by run', { timeout: 120_000 }, async (t) => {
  const dir = workspace(t);
  const out = path.join(dir, '.diffusion');
  const { session, events, log } = start(dir, { type: 'sweep', file: tinySweep(dir, 3), outDir: out });
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
  assert.deepEqual(outcome.kind === 'finished' && outcome.runs.map((r) => r.state), ['done', 'done']);
  assert.equal(session.sweepId, 'tiny');
  assert.deepEqual(session.runs.map((r) => r.varied), [{ timesteps: 50 }, { timesteps: 60 }]);
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'sweep-started');
  assert.equal(types.filter((x) => x === 'run-started').length, 2);
  assert.ok(types.includes('step'));
  assert.equal(types.at(-1), 'sweep-ended');
  for (const r of session.runs) assert.equal(statusOf(out, r.runId).state, 'done');
  assert.match(log.at(-1)!, /^trainer process \d+ exited after finishing the sweep: 2 of 2 done$/);
  assert.deepEqual([...session.progress.values()].map((r) => r.state), ['done', 'done']);

  // The same sweep again: both runs are done, so nothing trains, and they count as done.
  const again = start(dir, { type: 'sweep', file: path.join(dir, 'tiny.sweep.json'), outDir: out });
  await again.session.finished;
  assert.equal(again.events.filter((e) => e.type === 'run-started').length, 0);
  assert.ok(again.events.some((e) => e.type === 'sweep-run' && /done already/.test(e.action) && e.leftAs === 'done'));
});

/** The phases of one run's events in order, with `step` for its steps (once per run of them). */
function phasesOf(events: TrainerEvent[], runId: string): string[] {
  const seen: string[] = [];
  for (const e of events) {
    if (!('runId' in e) || e.runId !== runId) continue;
    const name = e.type === 'phase' ? e.phase : e.type === 'step' ? 'step' : undefined;
    if (name && seen.at(-1) !== name) seen.push(name);
  }
  return seen;
}

test('a run names its phases: data before its first step, sampling and evaluation after its last', { timeout: 120_000 }, async (t) => {
  const dir = workspace(t);
  const { session, events } = start(dir, { type: 'sweep', file: tinySweep(dir, 3, [50]), outDir: path.join(dir, '.diffusion') });
  await session.finished;
  const phases = phasesOf(events, session.runs[0]!.runId);
  assert.equal(phases[0], 'data', phases.join(' > '));
  const firstStep = phases.indexOf('step');
  const lastStep = phases.lastIndexOf('step');
  assert.ok(firstStep > 0, phases.join(' > '));
  assert.deepEqual(phases.slice(lastStep + 1).filter((p) => p === 'sampling' || p === 'evaluation'), ['sampling', 'evaluation'], phases.join(' > '));
});

test('runs in parallel report their own progress: two running at once, each with steps and phases', { timeout: 180_000 }, async (t) => {
  const dir = workspace(t);
  const { session, events, log } = start(dir, { type: 'sweep', file: tinySweep(dir, 20, [50, 60, 70], 2), outDir: path.join(dir, '.diffusion') });
  let mostRunning = 0;
  session.onChange(() => {
    mostRunning = Math.max(mostRunning, [...session.progress.values()].filter((r) => r.state === 'active').length);
  });
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
  assert.equal(mostRunning, 2);
  for (const r of session.runs) {
    const phases = phasesOf(events, r.runId);
    assert.equal(phases[0], 'data', `${r.runId}: ${phases.join(' > ')}`);
    assert.ok(phases.includes('step') && phases.includes('evaluation'), `${r.runId}: ${phases.join(' > ')}`);
  }
  assert.equal(events.filter((e) => e.type === 'sweep-run').length, 3);
  assert.deepEqual([...session.progress.values()].map((r) => r.state), ['done', 'done', 'done']);
  assert.match(log.at(-1)!, /exited after finishing the sweep: 3 of 3 done$/);
});

test('a malformed sweep file is rejected with the problem and where it is; the log\'s last line says so', { timeout: 60_000 }, async (t) => {
  const dir = workspace(t);
  const file = path.join(dir, 'bad.sweep.json');
  writeFileSync(file, JSON.stringify({ base: { imgSize: 16 }, axes: { timesteps: [50, 'many'] } }));
  const { session, log } = start(dir, { type: 'sweep', file, outDir: path.join(dir, 'out') });
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'rejected');
  const problems = outcome.kind === 'rejected' ? outcome.problems : [];
  assert.match(problems.join('\n'), /axes\.timesteps\[1\]/);
  assert.equal(log.at(-1), `trainer process ${session.pid} exited after rejecting bad.sweep.json (${problems.length} problem${problems.length === 1 ? '' : 's'})`);
  assert.doesNotMatch(log.join('\n'), /ended \(code 0\)/);
});

test('an output directory that cannot be written is an error, not a crash', async (t) => {
  const dir = workspace(t);
  writeFileSync(path.join(dir, 'a-file'), '');
  const { session } = start(dir, { type: 'sweep', file: tinySweep(dir, 3), outDir: path.join(dir, 'a-file', 'out') });
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'error', JSON.stringify(outcome));
  assert.match(outcome.kind === 'error' ? outcome.message : '', /cannot write to the output directory/);
});

test('stopping one run cancels it and the sweep goes on; stopping the sweep cancels the rest', async (t) => {
  const dir = workspace(t);
  const out = path.join(dir, '.diffusion');
  const { session } = start(dir, { type: 'sweep', file: tinySweep(dir, 5000, [50, 60, 70]), outDir: out });
  const first = await waitFor(session, (e) => e.type === 'step' && e.step >= 2) as Extract<TrainerEvent, { type: 'step' }>;
  session.stop(first.runId);
  const second = await waitFor(session, (e) => e.type === 'step' && e.runId !== first.runId && e.step >= 1) as Extract<TrainerEvent, { type: 'step' }>;
  session.stop();
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
  assert.deepEqual(outcome.kind === 'finished' && outcome.runs.map((r) => r.state), ['cancelled', 'cancelled', 'not started']);
  assert.equal(outcome.kind === 'finished' && outcome.stopped, true);
  assert.equal(statusOf(out, first.runId).state, 'cancelled');
  assert.equal(statusOf(out, second.runId).state, 'cancelled');
});

test('a trainer killed mid-run leaves its run marked failed with how it died', async (t) => {
  const dir = workspace(t);
  const out = path.join(dir, '.diffusion');
  const { session } = start(dir, { type: 'sweep', file: tinySweep(dir, 5000), outDir: out });
  const step = await waitFor(session, (e) => e.type === 'step' && e.step >= 1) as Extract<TrainerEvent, { type: 'step' }>;
  session.kill();
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'crashed');
  assert.deepEqual(outcome.kind === 'crashed' && outcome.marked, [step.runId]);
  const status = statusOf(out, step.runId);
  assert.equal(status.state, 'failed');
  assert.match(status.error!.message, /killed \(SIGKILL\)/);
});

test('a configured Node that does not exist is named before anything starts', (t) => {
  const dir = workspace(t);
  assert.throws(() => new TrainingSession({ script: TRAINER, cwd: dir, nodePath: path.join(dir, 'no-node') }, { type: 'stop' } as never, 'x', { stopTimeoutMs: 1000, log: () => {} }),
    /diffusion\.nodePath does not exist/);
});
