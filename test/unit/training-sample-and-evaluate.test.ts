// sampleAfterEpoch and sampleAndEvaluate on their own: the files, records and checkpoint of the
// sampling after an epoch and at the end of training.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { TrainerEvent } from '../../src/shared/messages';
import type { MetricRecord } from '../../src/shared/runDirectory';
import type { RunContext } from '../../src/trainer/training/runContext';
import { sampleAfterEpoch, sampleAndEvaluate, sampleDueAfterEpoch } from '../../src/trainer/training/sampleAndEvaluate';
import { trainEpoch } from '../../src/trainer/training/trainEpoch';
import { metricsOf, readJsonFile, tempOut, tinyConfig, tinyContext } from '../helpers/tinyRun';

/** What a record says apart from its timings. */
const shown = (r: MetricRecord) => ({ kind: r.kind, ...('metric' in r ? { metric: r.metric } : {}), ...('name' in r ? { name: r.name } : {}), ...('epoch' in r ? { epoch: r.epoch, step: r.step } : {}) });

test('sampleDueAfterEpoch: every sampleEvery epochs, never after the last (the end samples then)', () => {
  const due = (epoch: number, step: number, sampleEvery: number, totalSteps = 30) =>
    sampleDueAfterEpoch({ progress: { epoch, step, batchInEpoch: 0 }, totalSteps, config: { epochs: 10, sampleEvery } } as unknown as RunContext);
  assert.deepEqual([1, 2, 3, 4, 9, 10].map((e) => due(e, 3 * e, 2)), [false, true, false, true, false, false]);
  assert.deepEqual([1, 2, 9, 10].map((e) => due(e, 3 * e, 1)), [true, true, true, false]);
  assert.equal(due(1, 3, 0), false, 'sampleEvery 0: only at the end');
  assert.equal(due(2, 6, 1, 6), false, 'maxSteps reached at this epoch: the end samples');
});

test('sampleAfterEpoch writes the epoch reverse strip and held-out loss, then checkpoints at that step', async (t) => {
  const events: TrainerEvent[] = [];
  const ctx = await tinyContext(t, tempOut(t), tinyConfig(), { onEvent: (e) => events.push(e) });
  await trainEpoch(ctx);
  assert.equal(sampleDueAfterEpoch(ctx), true);
  const before = metricsOf(ctx.writer.dir).length;
  events.length = 0;

  await sampleAfterEpoch(ctx);
  const dir = ctx.writer.dir;
  assert.deepEqual(metricsOf(dir).slice(before).map(shown), [
    { kind: 'sample', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'heldOutLoss', epoch: 1, step: 3 },
  ]);
  const sample = metricsOf(dir).find((r) => r.kind === 'sample');
  assert.equal(sample?.kind === 'sample' && sample.strip, 'samples/strip-epoch-001.png');
  const strip = await sharp(path.join(dir, 'samples', 'strip-epoch-001.png')).metadata();
  assert.equal(strip.height, 64 + 4, 'one row of 8 px images upscaled to 64, 2 px around');
  assert.equal(readJsonFile<{ step: number }>(path.join(dir, 'checkpoint', 'state.json')).step, 3);
  assert.equal(ctx.lastCheckpointStep, 3);
  assert.deepEqual(events.map((e) => e.type === 'phase' ? `phase ${e.phase}` : e.type === 'image' ? `image ${e.kind}` : e.type),
    ['phase sampling', 'image reverse-strip', 'phase checkpoint']);
});

test('sampleAndEvaluate: one timed sampling pass for the final grid and strip, then held-out loss, bits/dim and SWD at the last step', async (t) => {
  const events: TrainerEvent[] = [];
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ epochs: 1 }), { onEvent: (e) => events.push(e) });
  await trainEpoch(ctx);
  assert.equal(sampleDueAfterEpoch(ctx), false, 'the last epoch samples at the end instead');
  const before = metricsOf(ctx.writer.dir).length;
  events.length = 0;

  await sampleAndEvaluate(ctx);
  const dir = ctx.writer.dir;
  const records = metricsOf(dir).slice(before);
  assert.deepEqual(records.map(shown), [
    { kind: 'timing', name: 'sampling' },
    { kind: 'sample', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'heldOutLoss', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'bitsPerDim', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'swd', epoch: 1, step: 3 },
  ]);
  assert.deepEqual(records[0], { ...records[0], batch: 2, steps: 10 });
  const grid = await sharp(path.join(dir, 'samples', 'grid-final.png')).metadata();
  assert.deepEqual([grid.width, grid.height], [2 * 64 + 3 * 2, 64 + 2 * 2], 'two 8 px samples side by side, upscaled');
  assert.ok(existsSync(path.join(dir, 'samples', 'strip-epoch-001.png')));
  assert.deepEqual(events.map((e) => e.type === 'phase' ? `phase ${e.phase}` : e.type === 'image' ? `image ${e.kind}` : e.type),
    ['phase sampling', 'image reverse-strip', 'image sample-grid', 'phase evaluation']);
  assert.ok(!existsSync(path.join(dir, 'checkpoint', 'state.json')), 'checkpointing before the end is the coordinator\'s job');
});

test('sampleAndEvaluate with evalImages 0 samples and evaluates nothing', async (t) => {
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ epochs: 1, evalImages: 0 }));
  await trainEpoch(ctx);
  const before = metricsOf(ctx.writer.dir).length;
  await sampleAndEvaluate(ctx);
  assert.deepEqual(metricsOf(ctx.writer.dir).slice(before).map((r) => r.kind), ['timing', 'sample']);
});

test('one held-out image at a 1x1 bottom with train-mode batch norm: evaluated, not a failure at the end', async (t) => {
  // Widths 4, 8, 8, 8 halve 8 px three times: one image is one value per channel at the bottom.
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ channels: [4, 8, 8, 8], epochs: 1, evalImages: 1, samplingBatchNorm: 'train' }));
  await trainEpoch(ctx);
  await sampleAndEvaluate(ctx);
  const evals = metricsOf(ctx.writer.dir).filter((r): r is Extract<MetricRecord, { kind: 'eval' }> => r.kind === 'eval' && r.metric !== 'swd');
  assert.deepEqual(evals.map((e) => [e.metric, e.images]), [['heldOutLoss', 1], ['bitsPerDim', 1]]);
  for (const e of evals) assert.ok(Number.isFinite(e.metric === 'heldOutLoss' ? e.meanLoss : e.metric === 'bitsPerDim' ? e.total : NaN), `${e.metric} is a number`);
});

test('with previewCount and a DDIM preview sampler, each sampling epoch writes a grid, scored by SWD on its own clock', async (t) => {
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ previewCount: 3, previewSampler: 'ddim', ddimSteps: 4 }));
  await trainEpoch(ctx);
  const before = metricsOf(ctx.writer.dir).length;
  await sampleAfterEpoch(ctx);
  const dir = ctx.writer.dir;
  const records = metricsOf(dir).slice(before);
  assert.deepEqual(records.map(shown), [
    { kind: 'sample', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'heldOutLoss', epoch: 1, step: 3 },
    { kind: 'eval', metric: 'swd', epoch: 1, step: 3 },
  ]);
  assert.equal(records[0]!.kind === 'sample' && records[0].grid, 'samples/grid-epoch-001.png');
  const grid = await sharp(path.join(dir, 'samples', 'grid-epoch-001.png')).metadata();
  assert.deepEqual([grid.width, grid.height], [2 * 64 + 3 * 2, 2 * 64 + 3 * 2], 'three 8 px previews on a 2 x 2 grid');
  // Two of the four held-out images score the previews, the other two give the floor at N = 2.
  const swd = records[2]!;
  assert.ok(swd.kind === 'eval' && swd.metric === 'swd' && swd.images === 2 && swd.weights === undefined);
  const strip = await sharp(path.join(dir, 'samples', 'strip-epoch-001.png')).metadata();
  assert.equal(strip.height, 64 + 4, 'the strip is still one image\'s reverse process');
});

test('with a weight average, the end samples the same noise through the raw weights too, and scores both', async (t) => {
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ epochs: 1, emaDecay: 0.9 }));
  await trainEpoch(ctx);
  const before = metricsOf(ctx.writer.dir).length;
  await sampleAndEvaluate(ctx);
  const dir = ctx.writer.dir;
  const swds = metricsOf(dir).slice(before).filter((r) => r.kind === 'eval' && r.metric === 'swd');
  assert.deepEqual(swds.map((r) => r.kind === 'eval' && r.metric === 'swd' && r.weights), ['raw', 'ema'], 'raw first, so the last SWD is the one the grid shows');
  const [ema, raw] = await Promise.all(['grid-final.png', 'grid-final-raw.png'].map((f) => sharp(path.join(dir, 'samples', f)).raw().toBuffer()));
  assert.equal(ema!.length, raw!.length);
  assert.ok(!ema!.equals(raw!), 'the average and the raw weights give different images from the same noise');
});
