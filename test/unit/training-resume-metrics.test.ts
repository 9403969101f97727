// metrics.jsonl after a hard kill: what the trainer wrote after its last checkpoint is written
// again by the resumed run, so resuming drops it first; every record before the checkpoint
// stays byte for byte, and each step ends up in the file once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { MetricRecord, RunStatus } from '../../src/shared/runDirectory';
import { metricsKeptOnResume } from '../../src/trainer/training/resumeMetrics';
import { resumeRun, trainNewRun } from '../../src/trainer/training/trainRun';
import { metricsOf, metricsText, readJsonFile, tempOut, tinyConfig } from '../helpers/tinyRun';

const line = (r: object) => `${JSON.stringify(r)}\n`;
const step = (s: number, epoch: number) => line({ kind: 'step', step: s, epoch, loss: 0.5, ms: 1, imagesPerSec: 1, wallMs: s });
const epochEnd = (epoch: number, s: number) => line({ kind: 'epoch', epoch, step: s, meanLoss: 0.5, ms: 1, wallMs: s });
const sample = (epoch: number, s: number) => line({ kind: 'sample', epoch, step: s, strip: `samples/strip-epoch-00${epoch}.png`, wallMs: s });
const evaluation = (metric: string, epoch: number, s: number) => line({ kind: 'eval', metric, epoch, step: s, images: 4, seed: 1, ms: 1, wallMs: s });
const timing = (name: string) => line({ kind: 'timing', name, ms: 1, wallMs: 1 });
const start = line({ kind: 'schedule', schedule: 'linear', T: 10, sqrtAlphaBarLast: 0.1, snr: { t: [], value: [] }, wallMs: 0 })
  + line({ kind: 'data', images: 16, skipped: 0, trainImages: 12, heldOutImages: 4, cache: 'none', ms: 1, wallMs: 0 }) + timing('forwardDiffusion');
// Three epochs of three steps, a sample and held-out loss after epochs 1 and 2 (each followed by a checkpoint), then the end.
const epoch1 = step(1, 0) + step(2, 0) + step(3, 0) + epochEnd(0, 3) + sample(1, 3) + evaluation('heldOutLoss', 1, 3);
const epoch2 = step(4, 1) + step(5, 1) + step(6, 1) + epochEnd(1, 6) + sample(2, 6) + evaluation('heldOutLoss', 2, 6);
const epoch3 = step(7, 2) + step(8, 2) + step(9, 2) + epochEnd(2, 9);
const end = timing('sampling') + sample(3, 9) + evaluation('heldOutLoss', 3, 9) + evaluation('bitsPerDim', 3, 9) + evaluation('swd', 3, 9) + timing('run');

test('resuming from a checkpoint after an epoch keeps that epoch\'s sample and evaluation and drops the steps after it', () => {
  const killed = start + epoch1 + step(4, 1) + step(5, 1) + '{"kind":"step","step":6,"ep';
  assert.equal(metricsKeptOnResume(killed, { step: 3 }, 9), start + epoch1);
  // Killed between the epoch's evaluation and its checkpoint: the previous checkpoint is in force.
  assert.equal(metricsKeptOnResume(start + epoch1 + epoch2, { step: 3 }, 9), start + epoch1);
  assert.equal(metricsKeptOnResume(start + epoch1 + epoch2 + step(7, 2), { step: 6 }, 9), start + epoch1 + epoch2);
});

test('resuming from a checkpoint inside an epoch (Ctrl-C) keeps the steps up to it', () => {
  assert.equal(metricsKeptOnResume(start + epoch1 + step(4, 1) + step(5, 1), { step: 4 }, 9), start + epoch1 + step(4, 1));
});

test('resuming from the final checkpoint drops the final sampling, evaluations and timings, which it writes again', () => {
  const all = start + epoch1 + epoch2 + epoch3;
  assert.equal(metricsKeptOnResume(all + end, { step: 9 }, 9), all);
  assert.equal(metricsKeptOnResume(all + timing('sampling') + sample(3, 9), { step: 9 }, 9), all);
  // maxSteps inside an epoch: the run ends at a step record.
  assert.equal(metricsKeptOnResume(start + epoch1 + step(4, 1) + timing('sampling') + sample(2, 4), { step: 4 }, 4), start + epoch1 + step(4, 1));
});

test('with no checkpoint the run starts over, so no record stays', () => {
  assert.equal(metricsKeptOnResume(start + step(1, 0) + step(2, 0), null, 9), '');
});

test('lines that are not records stay as they are; a torn last line goes, a whole one gains its newline', () => {
  const corrupt = 'not json\n\n{"no":"kind"}\n';
  assert.equal(metricsKeptOnResume(start + corrupt + step(1, 0) + step(2, 0), { step: 1 }, 9), start + corrupt + step(1, 0));
  assert.equal(metricsKeptOnResume(start + step(1, 0) + '{"kind":"st', { step: 1 }, 9), start + step(1, 0));
  assert.equal(metricsKeptOnResume(start + step(1, 0).trimEnd(), { step: 1 }, 9), start + step(1, 0));
  assert.equal(metricsKeptOnResume('', { step: 1 }, 9), '');
});

/** A record without what differs from one process to the next. */
const untimed = (r: MetricRecord) => JSON.stringify(r, (k, v) => (['ms', 'wallMs', 'imagesPerSec'].includes(k) ? undefined : v));
const setState = (runDir: string, state: RunStatus['state']) => {
  const file = path.join(runDir, 'status.json');
  writeFileSync(file, JSON.stringify({ ...readJsonFile<RunStatus>(file), state }));
};

test('a run killed after a checkpoint resumes to the metrics of a run never interrupted, each step once', async (t) => {
  const out = tempOut(t);
  const config = tinyConfig({ epochs: 3, sampleEvery: 1 });
  const whole = await trainNewRun(config, path.join(out, 'whole'), {}, 'tiny');
  assert.equal(whole.state, 'done', whole.error);

  // Stopped at the end of epoch 1: its sample, held-out loss and checkpoint at step 3 are written.
  const stop = new AbortController();
  const first = await trainNewRun(config, path.join(out, 'killed'), { signal: stop.signal, onEvent: (e) => e.type === 'step' && e.step === 3 && stop.abort() }, 'tiny');
  assert.equal(first.state, 'cancelled');
  assert.equal(readJsonFile<{ step: number }>(path.join(first.runDir, 'checkpoint', 'state.json')).step, 3);
  const upToCheckpoint = metricsText(first.runDir);
  // What a trainer SIGKILLed during epoch 2's checkpoint would have left: its steps, its end, a torn line.
  appendFileSync(path.join(first.runDir, 'metrics.jsonl'), step(4, 1) + step(5, 1) + step(6, 1) + epochEnd(1, 6) + sample(2, 6) + evaluation('heldOutLoss', 2, 6) + '{"kind":"step","step":7,');
  setState(first.runDir, 'running');

  const resumed = await resumeRun(first.runDir);
  assert.equal(resumed.state, 'done', resumed.error);
  const text = metricsText(first.runDir);
  assert.ok(text.startsWith(upToCheckpoint), 'the records up to the checkpoint are unchanged');
  const steps = metricsOf(first.runDir).flatMap((r) => (r.kind === 'step' ? [r.step] : []));
  assert.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(metricsOf(first.runDir).map(untimed), metricsOf(whole.runDir).map(untimed));
});

test('a run killed during its final evaluation resumes with one final sampling, one of each evaluation and one run time', async (t) => {
  const config = tinyConfig({ epochs: 2, sampleEvery: 1 });
  const run = await trainNewRun(config, tempOut(t), {}, 'tiny');
  assert.equal(run.state, 'done', run.error);
  const complete = metricsOf(run.runDir).map(untimed);
  const lines = metricsText(run.runDir).split('\n').filter(Boolean);
  const lastEpoch = lines.map((l) => l.includes('"kind":"epoch"')).lastIndexOf(true);
  const bitsPerDim = lines.findIndex((l) => l.includes('"metric":"bitsPerDim"'));
  assert.ok(lastEpoch > 0 && bitsPerDim > lastEpoch);
  // Killed as bits/dim was being written: the checkpoint at the last step is in force.
  writeFileSync(path.join(run.runDir, 'metrics.jsonl'), lines.slice(0, bitsPerDim).map((l) => `${l}\n`).join('') + lines[bitsPerDim]!.slice(0, 30));
  setState(run.runDir, 'running');

  const resumed = await resumeRun(run.runDir);
  assert.equal(resumed.state, 'done', resumed.error);
  assert.ok(metricsText(run.runDir).startsWith(lines.slice(0, lastEpoch + 1).map((l) => `${l}\n`).join('')), 'the records up to the checkpoint are unchanged');
  assert.deepEqual(metricsOf(run.runDir).map(untimed), complete);
});
