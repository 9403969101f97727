// trainEpoch on its own: the records and progress of one epoch, and where it stops inside one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { TrainerEvent } from '../../src/shared/messages';
import type { MetricRecord, RunStatus } from '../../src/shared/runDirectory';
import { trainEpoch } from '../../src/trainer/training/trainEpoch';
import { metricsOf, readJsonFile, tempOut, tinyConfig, tinyContext } from '../helpers/tinyRun';

const trained = (records: MetricRecord[]) => records.filter((r) => r.kind === 'step' || r.kind === 'epoch');

test('trainEpoch trains every batch of the epoch, records each step and the epoch, and moves progress to the next epoch', async (t) => {
  const events: TrainerEvent[] = [];
  const ctx = await tinyContext(t, tempOut(t), tinyConfig(), { onEvent: (e) => events.push(e) });
  const before = metricsOf(ctx.writer.dir).length;
  events.length = 0;

  assert.equal(await trainEpoch(ctx), true);
  assert.deepEqual(ctx.progress, { step: 3, epoch: 1, batchInEpoch: 0 });
  const records = metricsOf(ctx.writer.dir).slice(before);
  assert.deepEqual(records.map((r) => [r.kind, 'step' in r ? r.step : undefined, 'epoch' in r ? r.epoch : undefined]),
    [['step', 1, 0], ['step', 2, 0], ['step', 3, 0], ['epoch', 3, 0]]);
  const losses = records.flatMap((r) => (r.kind === 'step' ? [r.loss] : []));
  for (const r of records) {
    if (r.kind === 'step') assert.ok(r.loss > 0 && r.ms > 0 && r.imagesPerSec > 0, JSON.stringify(r));
    if (r.kind === 'epoch') assert.equal(r.meanLoss, (losses[0]! + losses[1]! + losses[2]!) / 3);
  }
  const status = readJsonFile<RunStatus>(path.join(ctx.writer.dir, 'status.json'));
  assert.deepEqual({ step: status.step, epoch: status.epoch }, { step: 3, epoch: 1 });
  assert.deepEqual(events.map((e) => e.type), ['step', 'step', 'step', 'epoch']);
  for (const e of events) if (e.type === 'step') assert.ok(e.totalSteps === 6 && e.imagesPerSec > 0 && e.etaMs >= 0);

  // The second epoch goes on from there.
  assert.equal(await trainEpoch(ctx), true);
  assert.deepEqual(ctx.progress, { step: 6, epoch: 2, batchInEpoch: 0 });
});

test('trainEpoch stops inside the epoch at maxSteps, with no epoch record', async (t) => {
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ maxSteps: 2 }));
  assert.equal(await trainEpoch(ctx), false);
  assert.deepEqual(ctx.progress, { step: 2, epoch: 0, batchInEpoch: 2 });
  assert.deepEqual(trained(metricsOf(ctx.writer.dir)).map((r) => r.kind), ['step', 'step']);
});

test('trainEpoch stops after the step during which the signal was aborted', async (t) => {
  const stop = new AbortController();
  const ctx = await tinyContext(t, tempOut(t), tinyConfig(), { signal: stop.signal, onEvent: (e) => e.type === 'step' && stop.abort() });
  assert.equal(await trainEpoch(ctx), false);
  assert.deepEqual(ctx.progress, { step: 1, epoch: 0, batchInEpoch: 1 });
  assert.deepEqual(trained(metricsOf(ctx.writer.dir)).map((r) => r.kind), ['step']);
});

test('trainEpoch is deterministic: two runs of one seed lose the same at every step', async (t) => {
  const a = await tinyContext(t, tempOut(t));
  const b = await tinyContext(t, tempOut(t));
  await trainEpoch(a);
  await trainEpoch(b);
  const losses = (dir: string) => metricsOf(dir).flatMap((r) => (r.kind === 'step' ? [r.loss] : []));
  assert.deepEqual(losses(a.writer.dir), losses(b.writer.dir));
});
