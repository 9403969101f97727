// A GPU that fails while training: an uncaptured WebGPU error (here a real validation error,
// raised on the device mid-run) fails the run at its step, keeps the last checkpoint and the
// metrics, and the run resumes from that checkpoint on another backend. Its own file: a fault
// stays with the process's device, as it would after a real device loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { resolveRunConfig } from '../../src/shared/runConfig';
import type { MetricRecord, RunStatus } from '../../src/shared/runDirectory';
import { resumeRun, trainNewRun } from '../../src/trainer/training/trainRun';
import { useSoftwareGpu } from '../helpers/softwareGpu';

useSoftwareGpu();

test('an uncaptured GPU error fails the run at its step; the checkpoint and metrics stay, and it resumes on wasm', { timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-gpu-fault-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  // 32 images, batch 8, 4 held out: 3 steps an epoch (the last incomplete batch dropped), a checkpoint after epoch 1.
  const config = resolveRunConfig({
    channels: [8, 16], imgSize: 8, batchSize: 8, timesteps: 10, epochs: 3, sampleEvery: 1, sampleCount: 2,
    toyCarsCount: 32, heldOutCount: 4, evalImages: 0, backend: 'webgpu', seed: 2,
  }, 'test');
  let injected = false;
  const outcome = await trainNewRun(config, out, {
    onEvent: (e) => {
      if (e.type === 'step' && e.step === 4 && !injected) {
        injected = true;
        // A buffer with no usage is invalid: the device reports it as an uncaptured error.
        const device = (tf.backend() as unknown as { device: { createBuffer(d: { size: number; usage: number }): unknown } }).device;
        device.createBuffer({ size: 4, usage: 0 });
      }
    },
  });
  assert.ok(injected);
  assert.equal(outcome.state, 'failed');
  assert.match(outcome.error ?? '', /^GPU error: .*\(at step \d+, batch 8 at 8 px\); resume continues from the last checkpoint$/);
  const status = JSON.parse(readFileSync(path.join(outcome.runDir, 'status.json'), 'utf8')) as RunStatus;
  assert.equal(status.state, 'failed');
  assert.ok((status.error?.step ?? 0) >= 4, `failed at step ${status.error?.step}`);
  const checkpoint = JSON.parse(readFileSync(path.join(outcome.runDir, 'checkpoint', 'state.json'), 'utf8')) as { step: number };
  assert.equal(checkpoint.step, 3, 'the checkpoint after epoch 1');
  const steps = () => readFileSync(path.join(outcome.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as MetricRecord).filter((m) => m.kind === 'step').map((m) => m.step);
  assert.ok(steps().length >= 4, 'the steps before the fault are kept');

  const resumed = await resumeRun(outcome.runDir, { backend: 'wasm' });
  assert.equal(resumed.state, 'done', resumed.error);
  assert.equal(JSON.parse(readFileSync(path.join(outcome.runDir, 'config.json'), 'utf8')).environment.backend, 'wasm');
  assert.equal(Math.max(...steps()), 9);
});
