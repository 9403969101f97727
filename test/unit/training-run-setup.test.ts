// setupRun on its own: what a run has and has written before its first step, new and resumed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainerEvent } from '../../src/shared/messages';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { RunStatus } from '../../src/shared/runDirectory';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { parameterCount } from '../../src/trainer/model/parameters';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { loadCheckpointWeights } from '../../src/trainer/training/checkpoint';
import { startRun } from '../../src/trainer/training/runContext';
import { setupRun } from '../../src/trainer/training/runSetup';
import { trainNewRun } from '../../src/trainer/training/trainRun';
import { writeImage } from '../helpers/imageFixtures';
import { metricsOf, metricsText, readJsonFile, release, tempOut, tinyConfig, tinyContext } from '../helpers/tinyRun';

test('setupRun readies a new run: status running, config.json, the records and figures written once, nothing trained', async (t) => {
  const out = tempOut(t);
  const events: TrainerEvent[] = [];
  const ctx = await tinyContext(t, out, tinyConfig(), { onEvent: (e) => events.push(e) });
  const dir = ctx.writer.dir;
  assert.deepEqual(ctx.progress, { step: 0, epoch: 0, batchInEpoch: 0 });
  assert.equal(ctx.batches.batchesPerEpoch, 3, '12 training images in batches of 4');
  assert.equal(ctx.totalSteps, 6);
  assert.equal(ctx.lastCheckpointStep, -1);
  assert.equal(ctx.ema, null);
  assert.deepEqual(ctx.heldOut.shape, [4, 8, 8, 3]);
  assert.equal(ctx.backend.backend, 'cpu');

  const status = readJsonFile<RunStatus>(path.join(dir, 'status.json'));
  assert.equal(status.state, 'running');
  assert.equal(status.totalSteps, 6);
  assert.equal(status.step, 0);
  assert.equal(status.pid, process.pid);
  const config = readJsonFile<RunConfigFile>(path.join(dir, 'config.json'));
  assert.equal(config.environment.backend, 'cpu');
  assert.equal(config.environment.parameterCount, parameterCount([4, 8]));
  assert.equal(config.environment.dataset?.trainImages, 12);

  const records = metricsOf(dir);
  assert.deepEqual(records.map((r) => r.kind), ['schedule', 'data', 'timing']);
  assert.deepEqual({ ...records[2], ms: 0, wallMs: 0 }, { kind: 'timing', name: 'forwardDiffusion', ms: 0, batch: 4, wallMs: 0 });
  for (const name of ['forward.png', 'forward.json', 'forward-steps.png', 'forward-steps.json']) assert.ok(existsSync(path.join(dir, name)), name);
  assert.ok(!existsSync(path.join(dir, 'checkpoint', 'state.json')), 'no checkpoint before the first step');

  const started = events.find((e) => e.type === 'run-started');
  assert.deepEqual(started && { totalSteps: started.totalSteps, resumedFromStep: started.resumedFromStep }, { totalSteps: 6, resumedFromStep: 0 });
  assert.ok(events.some((e) => e.type === 'image' && e.kind === 'forward-strip'));
  assert.deepEqual(events.at(-1), { type: 'phase', runId: 'tiny', phase: 'training' });
});

test('setupRun counts maxSteps when fewer than the epochs make', async (t) => {
  const ctx = await tinyContext(t, tempOut(t), tinyConfig({ maxSteps: 4 }));
  assert.equal(ctx.totalSteps, 4);
});

test('setupRun on resume restores the checkpoint: its progress and weights, and writes no record twice', async (t) => {
  const out = tempOut(t);
  const config = tinyConfig({ epochs: 3, sampleEvery: 0, emaDecay: 0.9 });
  const stop = new AbortController();
  const first = await trainNewRun(config, out, { signal: stop.signal, onEvent: (e) => e.type === 'step' && e.step === 4 && stop.abort() }, 'tiny');
  assert.equal(first.state, 'cancelled');
  const before = metricsText(first.runDir);

  const events: TrainerEvent[] = [];
  const writer = await RunWriter.open(first.runDir);
  const { environment } = readJsonFile<RunConfigFile>(path.join(first.runDir, 'config.json'));
  const ctx = await setupRun(startRun(writer, config, { onEvent: (e) => events.push(e) }), environment);
  t.after(() => release(ctx));
  assert.deepEqual(ctx.progress, { step: 4, epoch: 1, batchInEpoch: 1 });
  assert.equal(ctx.lastCheckpointStep, 4);
  assert.ok(ctx.ema, 'the weight average is kept');

  // The weight average is what the checkpoint offers to sample from; it came back as saved.
  const saved = SimpleUnet.create({ channels: config.channels, activation: config.activation }, 99);
  t.after(() => saved.dispose());
  await loadCheckpointWeights(path.join(first.runDir, 'checkpoint'), saved);
  for (const [name, v] of saved.weights) assert.deepEqual(ctx.ema.model.variable(name).dataSync(), v.dataSync(), name);

  assert.equal(metricsText(first.runDir), before, 'nothing after the checkpoint to drop, nothing new written');
  assert.equal(readJsonFile<RunStatus>(path.join(first.runDir, 'status.json')).state, 'running');
  assert.equal(readJsonFile<RunConfigFile>(path.join(first.runDir, 'config.json')).environment.createdAt, environment.createdAt);
  assert.ok(events.some((e) => e.type === 'run-started' && e.resumedFromStep === 4));
  assert.ok(!events.some((e) => e.type === 'phase' && e.phase === 'forward-strip'), 'the figures of a new run are not drawn again');
});

test('a checkpoint that cannot be read is an error naming it, not "no checkpoint yet"', async (t) => {
  const dir = path.join(tempOut(t), 'checkpoint');
  await assert.rejects(loadCheckpointWeights(dir, undefined as never), /no checkpoint yet/);
  mkdirSync(path.join(dir, 'state.json'), { recursive: true }); // a folder where the file goes: unreadable as a file
  await assert.rejects(loadCheckpointWeights(dir, undefined as never), (err: Error) => err.message === `${path.join(dir, 'state.json')}: cannot read (EISDIR)`);
});

test('a run whose setup fails is marked failed and releases every tensor it made', async (t) => {
  await selectBackend('cpu');
  const tensors = tf.memory().numTensors;
  // A folder of 8 images, two held out: 6 left for batches of 8, found only when it is read
  // (validation refuses that for toy-cars). The model exists by then.
  const out = tempOut(t);
  for (let i = 0; i < 8; i++) await writeImage(path.join(out, 'images', `car-${i}.png`), 12, 12, i, 'png');
  const outcome = await trainNewRun(tinyConfig({ dataset: path.join(out, 'images'), batchSize: 8, emaDecay: 0.9 }), out, {}, 'tiny');
  assert.equal(outcome.state, 'failed');
  assert.match(outcome.error ?? '', /fewer than one batch of 8/);
  const status = readJsonFile<RunStatus>(path.join(outcome.runDir, 'status.json'));
  assert.deepEqual({ state: status.state, step: status.step, epoch: status.epoch }, { state: 'failed', step: 0, epoch: 0 });
  assert.equal(tf.memory().numTensors, tensors);
});
