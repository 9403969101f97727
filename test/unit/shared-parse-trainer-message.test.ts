// The IPC contract as the host checks it: good messages pass whole, anything else is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainerMessage } from '../../src/shared/parseTrainerMessage';
import { parseTrainerCommand } from '../../src/trainer/forkedTrainer';

const step = { type: 'step', runId: 'T300-16px-ab12', step: 3, epoch: 0, totalSteps: 10, loss: 0.81, imagesPerSec: 30, etaMs: 1200 };

test('well-formed trainer messages pass unchanged', () => {
  const messages = [
    { type: 'event', event: step },
    { type: 'event', event: { type: 'run-started', runId: 'a', runDir: '/x/a', backend: 'wasm', totalSteps: 10, resumedFromStep: 0 } },
    { type: 'event', event: { type: 'run-ended', runId: 'a', runDir: '/x/a', state: 'cancelled' } },
    { type: 'event', event: { type: 'sweep-started', sweepId: 'tiny', name: 'tiny', sweepFile: '/w/t.sweep.json', resolvedFile: '/o/s.json', maxParallelRuns: 1, runs: [{ runId: 'a', varied: { timesteps: 50 }, label: 'T=50' }] } },
    { type: 'event', event: { type: 'sweep-run', sweepId: 'tiny', runId: 'a', index: 0, action: 'training' } },
    { type: 'event', event: { type: 'sweep-ended', sweepId: 'tiny', stopped: false, runs: [{ runId: 'a', state: 'done' }, { runId: 'b', state: 'not started' }] } },
    { type: 'event', event: { type: 'sweep-rejected', file: '/w/t.sweep.json', problems: ['axes.imgSize[0]: must be >= 1'] } },
    { type: 'log', line: '[1/2] a: training' },
    { type: 'fatal', message: 'cannot write' },
  ];
  for (const m of messages) assert.deepEqual(parseTrainerMessage(m), m);
});

test('malformed trainer messages are rejected with a reason', () => {
  const bad: [unknown, RegExp][] = [
    [null, /not an object/],
    ['garbage', /not an object/],
    [[1, 2], /not an object/],
    [{ type: 'hello' }, /unknown message type "hello"/],
    [{ type: 'event' }, /event is not an object/],
    [{ type: 'event', event: { type: 'nope' } }, /unknown event type "nope"/],
    [{ type: 'event', event: { type: 'toString' } }, /unknown event type "toString"/],
    [{ type: 'event', event: { ...step, loss: 'low' } }, /step: bad loss/],
    [{ type: 'event', event: { ...step, step: -1 } }, /step: bad step/],
    [{ type: 'event', event: { ...step, runId: '../../etc' } }, /step: bad runId/],
    [{ type: 'event', event: { type: 'run-ended', runId: 'a', runDir: '/x', state: 'exploded' } }, /bad state/],
    [{ type: 'event', event: { type: 'sweep-ended', sweepId: 's', stopped: false, runs: [{ runId: 'a' }] } }, /bad runs/],
    [{ type: 'log', line: 3 }, /line must be a string/],
    [{ type: 'fatal' }, /message must be a string/],
  ];
  for (const [raw, reason] of bad) {
    const r = parseTrainerMessage(raw);
    assert.equal(typeof r, 'string', JSON.stringify(raw));
    assert.match(r as string, reason);
  }
});

test('the trainer accepts sweep and per-run stop commands and rejects bad ones', () => {
  assert.deepEqual(parseTrainerCommand({ type: 'sweep', file: '/w/a.sweep.json', outDir: '/o' }), { type: 'sweep', file: '/w/a.sweep.json', outDir: '/o' });
  assert.deepEqual(parseTrainerCommand({ type: 'sweep', file: 'a', outDir: 'o', maxParallelRuns: 2 }), { type: 'sweep', file: 'a', outDir: 'o', maxParallelRuns: 2 });
  assert.deepEqual(parseTrainerCommand({ type: 'stop' }), { type: 'stop' });
  assert.deepEqual(parseTrainerCommand({ type: 'stop', runId: 'T50-ab12' }), { type: 'stop', runId: 'T50-ab12' });
  assert.match(parseTrainerCommand({ type: 'sweep', outDir: 'o' }) as string, /file must be a path/);
  assert.match(parseTrainerCommand({ type: 'sweep', file: 'a', outDir: 'o', maxParallelRuns: 0 }) as string, /maxParallelRuns/);
  assert.match(parseTrainerCommand({ type: 'stop', runId: '../x' }) as string, /runId/);
});
