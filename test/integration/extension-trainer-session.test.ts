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

function tinySweep(dir: string, maxSteps: number, timesteps = [50, 60]): string {
  const file = path.join(dir, 'tiny.sweep.json');
  writeFileSync(file, JSON.stringify({
    name: 'tiny',
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

test('a tiny sweep trains to the end, reported run by run', async (t) => {
  const dir = workspace(t);
  const out = path.join(dir, '.diffusion');
  const { session, events } = start(dir, { type: 'sweep', file: tinySweep(dir, 3), outDir: out });
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

  // The same sweep again: both runs are done, so nothing trains.
  const again = start(dir, { type: 'sweep', file: path.join(dir, 'tiny.sweep.json'), outDir: out });
  await again.session.finished;
  assert.equal(again.events.filter((e) => e.type === 'run-started').length, 0);
  assert.ok(again.events.some((e) => e.type === 'sweep-run' && /done already/.test(e.action)));
});

test('a malformed sweep file is rejected with the problem and where it is', async (t) => {
  const dir = workspace(t);
  const file = path.join(dir, 'bad.sweep.json');
  writeFileSync(file, JSON.stringify({ base: { imgSize: 16 }, axes: { timesteps: [50, 'many'] } }));
  const { session } = start(dir, { type: 'sweep', file, outDir: path.join(dir, 'out') });
  const outcome = await session.finished;
  assert.equal(outcome.kind, 'rejected');
  assert.match(outcome.kind === 'rejected' ? outcome.problems.join('\n') : '', /axes\.timesteps\[1\]/);
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
