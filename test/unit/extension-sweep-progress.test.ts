// What the progress notification and status-bar item say about a session, from where its
// runs are: honest counts with parallel runs, the running runs' phase and step, the share of
// the whole sweep's steps and an ETA from the trainers' rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSessionProgress, stepsProgress } from '../../src/extension/sweepProgress';
import type { RunProgress } from '../../src/extension/trainingSession';

const run = (runId: string, T: number, rest: Partial<RunProgress>): RunProgress => ({ runId, label: `T=${T}`, state: 'queued', step: 0, epoch: 0, ...rest });

test('two runs in parallel and one done: counts, each running run\'s step, the sweep\'s share, never "run 1 of 3"', { timeout: 5_000 }, () => {
  const runs = [
    run('T50-aaaa', 50, { state: 'done', totalSteps: 100, step: 100 }),
    run('T60-bbbb', 60, { state: 'active', phase: 'training', totalSteps: 100, step: 40, etaMs: 60_000 }),
    run('T70-cccc', 70, { state: 'active', phase: 'training', totalSteps: 100, step: 10, etaMs: 90_000 }),
  ];
  const p = describeSessionProgress({ what: 'sweep', name: 'demo', runs });
  assert.deepEqual([p.counts.running, p.counts.done, p.counts.queued], [2, 1, 0]);
  assert.match(p.message, /^2 running, 1 done, 0 queued · 50% · ETA /);
  assert.match(p.message, /T=60: training, step 40\/100/);
  assert.match(p.message, /T=70: training, step 10\/100/);
  assert.doesNotMatch(p.message, /run \d of \d/);
  assert.equal(p.statusText, '$(loading~spin) demo 1/3 done · 50%');
  assert.match(p.tooltip, /^Sweep demo: 2 running, 1 done, 0 queued; 50% of its steps; ETA .*\nT=60: training, step 40\/100\nT=70: training, step 10\/100\nClick to open its results\.$/);
});

test('the ETA is the steps left at the running runs\' combined rate, queued runs counted at the typical run\'s steps', { timeout: 5_000 }, () => {
  // 1 step/s each, 2 steps/s together; 50 + 90 + 100 (queued) steps left.
  const runs = [
    run('T50-aaaa', 50, { state: 'active', phase: 'training', totalSteps: 100, step: 50, etaMs: 50_000 }),
    run('T60-bbbb', 60, { state: 'active', phase: 'training', totalSteps: 100, step: 10, etaMs: 90_000 }),
    run('T70-cccc', 70, {}),
  ];
  const { percent, etaMs } = stepsProgress(runs);
  assert.equal(percent, (100 * 60) / 300);
  assert.equal(etaMs, 240 / (2 / 1000));
});

test('the phases before the first step and after the last are named', { timeout: 5_000 }, () => {
  const runs = [
    run('T50-aaaa', 50, { state: 'active', phase: 'data' }),
    run('T60-bbbb', 60, { state: 'active', phase: 'sampling', totalSteps: 100, step: 100 }),
    run('T70-cccc', 70, { state: 'active', phase: 'evaluation', totalSteps: 100, step: 100 }),
    run('T80-dddd', 80, { state: 'active' }),
  ];
  const { message } = describeSessionProgress({ what: 'sweep', name: 'demo', runs });
  assert.match(message, /T=50: loading data · T=60: sampling · T=70: evaluating · T=80: starting$/);
});

test('runs skipped as done count as done; failed and cancelled ones are named only when there are some', { timeout: 5_000 }, () => {
  const runs = [
    run('T50-aaaa', 50, { state: 'done' }),
    run('T60-bbbb', 60, { state: 'failed', totalSteps: 100, step: 12 }),
    run('T70-cccc', 70, { state: 'active', phase: 'checkpoint', totalSteps: 100, step: 30 }),
    run('T80-dddd', 80, {}),
  ];
  const p = describeSessionProgress({ what: 'sweep', name: 'demo', runs });
  assert.match(p.message, /^1 running, 1 done, 1 queued, 1 failed · 57% · T=70: checkpointing$/);
  assert.equal(p.statusText, '$(loading~spin) demo 2/4 done · 57%');
});

test('before the trainer lists the runs it says starting; a single run says what it does', { timeout: 5_000 }, () => {
  assert.equal(describeSessionProgress({ what: 'sweep', name: 'demo', runs: [] }).message, 'starting');
  const single = describeSessionProgress({ what: 'run', name: 'T50-aaaa', runs: [run('T50-aaaa', 50, { state: 'active', phase: 'training', totalSteps: 200, step: 50, etaMs: 150_000 })] });
  assert.equal(single.message, 'training, step 50/200 · 25% · ETA 2m30s');
  assert.equal(single.statusText, '$(loading~spin) T50-aaaa · 25%');
});
