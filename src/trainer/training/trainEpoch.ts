// One epoch of DDPM training (Ho et al. 2020, Algorithm 1): for each batch draw t and noise,
// noise the batch with q(x_t | x_0), take an optimiser step on the loss against that noise.
// Every step goes into metrics.jsonl as it happens; the epoch's record follows at its end.
import * as tf from '@tensorflow/tfjs-core';
import { qSample } from '../diffusion/forwardProcess';
import { Random } from '../random';
import { RunFailure, gpuFaultMessage, round3, type RunContext } from './runContext';
import { readScalar, trainStep } from './trainStep';

/**
 * Trains the epoch `ctx.progress` is in, from the batch it stands at. True when the epoch ran to
 * its end (its record written, status.json updated); false when it stopped inside, cancelled or
 * at maxSteps.
 */
export async function trainEpoch(ctx: RunContext): Promise<boolean> {
  const { config, writer, runId, totalSteps } = ctx;
  const epoch = ctx.progress.epoch;
  const epochStart = performance.now();
  let lossSum = 0;
  let lossCount = 0;
  for (const batch of ctx.batches.epoch(epoch, ctx.progress.batchInEpoch)) {
    const stepStart = performance.now();
    const loss = await optimiserStep(ctx, batch);
    ctx.progress = { step: ctx.progress.step + 1, epoch, batchInEpoch: ctx.progress.batchInEpoch + 1 };
    lossSum += loss;
    lossCount++;
    const ms = performance.now() - stepStart;
    const imagesPerSec = ctx.stepRate.step(config.batchSize);
    const step = ctx.progress.step;
    writer.appendMetric({ kind: 'step', step, epoch, loss, ms: round3(ms), imagesPerSec: round3(config.batchSize * 1000 / ms), wallMs: ctx.wallMs() });
    ctx.emit({ type: 'step', runId, step, epoch, totalSteps, loss, imagesPerSec, etaMs: ((totalSteps - step) * config.batchSize * 1000) / imagesPerSec });
    // Let IPC messages and signals in between steps.
    await new Promise((resolve) => setImmediate(resolve));
    if (ctx.signal?.aborted || step >= totalSteps) break;
  }
  if (ctx.progress.batchInEpoch < ctx.batches.batchesPerEpoch) return false;
  const epochMs = performance.now() - epochStart;
  const meanLoss = lossCount > 0 ? lossSum / lossCount : NaN;
  writer.appendMetric({ kind: 'epoch', epoch, step: ctx.progress.step, meanLoss, ms: round3(epochMs), wallMs: ctx.wallMs() });
  ctx.emit({ type: 'epoch', runId, epoch, meanLoss, ms: epochMs });
  ctx.progress = { step: ctx.progress.step, epoch: epoch + 1, batchInEpoch: 0 };
  await writer.updateStatus({ step: ctx.progress.step, epoch: ctx.progress.epoch });
  return true;
}

/** One optimiser step on `batch` (and the weight average after it); the loss, checked finite. */
async function optimiserStep(ctx: RunContext, batch: Float32Array): Promise<number> {
  const { config, progress } = ctx;
  const { batchSize, imgSize } = config;
  const shape: [number, number, number, number] = [batchSize, imgSize, imgSize, 3];
  // One stream per step: a resumed run draws exactly what the uninterrupted one would.
  const rng = Random.derive(config.seed, `step/${progress.step}`);
  ctx.optimizer.lr = config.lrWarmupSteps > 0 ? config.lr * Math.min(1, (progress.step + 1) / config.lrWarmupSteps) : config.lr;
  const t = new Int32Array(batchSize);
  for (let i = 0; i < batchSize; i++) t[i] = rng.int(config.timesteps);
  const noiseValues = rng.normals(batch.length);
  const lossTensor = tf.tidy(() => {
    const x0 = tf.tensor4d(batch, shape);
    const noise = tf.tensor4d(noiseValues, shape);
    const xNoisy = qSample(ctx.schedule, x0, t, noise);
    return trainStep(ctx.model, ctx.optimizer, xNoisy, tf.tensor1d(Float32Array.from(t)), noise, config.loss, {
      huberDelta: config.huberDelta, gradClipNorm: config.gradClipNorm,
    });
  });
  ctx.ema?.update(progress.step + 1);
  const loss = await readScalar(lossTensor);
  const fault = ctx.backend.fault?.();
  if (fault) throw new RunFailure(gpuFaultMessage(fault, config, progress.step + 1), progress.step + 1);
  if (!Number.isFinite(loss)) {
    throw new RunFailure(`loss became ${loss} at step ${progress.step + 1} (epoch ${progress.epoch + 1}); try a lower learning rate`, progress.step + 1);
  }
  return loss;
}
