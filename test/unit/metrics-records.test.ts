import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { bitsPerDim } from '../../src/trainer/metrics/bitsPerDim';
import { heldOutLoss } from '../../src/trainer/metrics/heldOutLoss';
import type { ImageSet } from '../../src/trainer/metrics/imageSet';
import { bitsPerDimRecord, heldOutLossRecord, scheduleRecord, slicedWassersteinRecord } from '../../src/trainer/metrics/records';
import { scheduleFacts } from '../../src/trainer/metrics/scheduleFacts';
import { slicedWassersteinEval } from '../../src/trainer/metrics/slicedWasserstein';
import { Random } from '../../src/trainer/random';

before(async () => {
  await tf.setBackend('cpu');
});

/** What readMetrics would give back after a line of metrics.jsonl. */
const roundTrip = (r: MetricRecord): MetricRecord => JSON.parse(JSON.stringify(r)) as MetricRecord;

test('every metric becomes a metrics.jsonl record that survives JSON unchanged', async () => {
  const schedule = makeNoiseSchedule('linear', 20, 1e-4, 0.02);
  const images: ImageSet = { data: new Random(1).uniforms(8 * 16 * 16 * 3, -1, 1), shape: [8, 16, 16, 3] };
  const at = { epoch: 3, step: 120, wallMs: 4567 };
  const model = (x: tf.Tensor4D) => tf.tanh(x);

  const facts = scheduleRecord(scheduleFacts(schedule), 12);
  assert.equal(facts.kind, 'schedule');
  assert.deepEqual(roundTrip(facts), facts);

  const loss = heldOutLossRecord(await heldOutLoss(model, schedule, images, { loss: 'l1', lossOptions: { huberDelta: 1 }, seed: 2, buckets: 4 }), at);
  assert.equal(loss.kind, 'eval');
  assert.equal(loss.metric, 'heldOutLoss');
  assert.equal(loss.buckets.length, 4);
  assert.equal(loss.step, 120);
  assert.deepEqual(roundTrip(loss), loss);

  const bpd = bitsPerDimRecord(await bitsPerDim(model, schedule, images, { seed: 3, timesteps: 5 }), at);
  assert.equal(bpd.metric, 'bitsPerDim');
  assert.equal(bpd.timesteps, 5);
  assert.ok(Math.abs(bpd.total - (bpd.prior + bpd.diffusion + bpd.decoder)) < 1e-12);
  assert.deepEqual(roundTrip(bpd), bpd);

  const swd = slicedWassersteinRecord(slicedWassersteinEval(
    { data: images.data.subarray(0, 4 * 768), shape: [4, 16, 16, 3] }, images, { seed: 4, directionsPerRepeat: 8, patchesPerImage: 16 },
  ), at);
  assert.equal(swd.metric, 'swd');
  assert.deepEqual(swd.resolutions, [16]);
  assert.equal(swd.floor.length, 1);
  assert.deepEqual(roundTrip(swd), swd);
});
