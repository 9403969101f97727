// One training run from config to finished run directory: the DDPM procedure of the
// reference notebook, with every step recorded in the run directory as it happens.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainerEvent } from '../../shared/messages';
import { resolveRunConfig, type RunConfig, type RunEnvironment } from '../../shared/runConfig';
import { RUN_FILES, type RunState } from '../../shared/runDirectory';
import { selectBackend, type SelectedBackend } from '../backend/selectBackend';
import { TrainingBatches, scaledImages } from '../data/batches';
import { datasetRecord, loadDataset } from '../data/loadDataset';
import { splitHeldOut } from '../data/heldOut';
import { describeLoad } from '../data/imageFolderDataset';
import { forwardDiffusionStrip, qSample } from '../diffusion/forwardProcess';
import { makeNoiseSchedule, type NoiseSchedule } from '../diffusion/schedules';
import type { EpsModel } from '../diffusion/samplers';
import { largestTensorElements } from '../model/flops';
import { parameterCount } from '../model/parameters';
import { SimpleUnet } from '../model/simpleUnet';
import { Random } from '../random';
import { writeImageGrid, writeImageStrip } from '../report/images';
import { RunWriter, makeRunId, readRunConfigFile } from '../run/runWriter';
import { VERSION } from '../version';
import { processStart } from '../sweep/runOwner';
import { Adam } from './adam';
import { loadCheckpoint, saveCheckpoint, type TrainingProgress } from './checkpoint';
import { WeightAverage } from './ema';
import { writeForwardSteps } from './forwardSteps';
import { evaluateBitsPerDim, evaluateHeldOutLoss, evaluateSlicedWasserstein } from './evaluate';
import { sampleImages, type SampledImages } from './sampling';
import { readScalar, trainStep } from './trainStep';
import type { ImageSet } from '../metrics/imageSet';
import { scheduleRecord } from '../metrics/records';
import { scheduleFacts } from '../metrics/scheduleFacts';

export interface TrainOptions {
  /** Receives progress; the CLI draws it, the child process forwards it to the extension. */
  onEvent?: (e: TrainerEvent) => void;
  /** Aborting stops the run at the next step: checkpoint saved, state `cancelled`. */
  signal?: AbortSignal;
  /** Where decoded image folders are cached; default `<out>/cache`. */
  cacheDir?: string;
  /** Resume only: train on this backend instead of the recorded one. */
  backend?: RunConfig['backend'];
}

export interface RunOutcome {
  runId: string;
  runDir: string;
  state: RunState;
  error?: string;
}

/** Creates a run directory under `outDir` and trains it to the end. */
export async function trainNewRun(config: RunConfig, outDir: string, opts: TrainOptions = {}, runId = makeRunId(config)): Promise<RunOutcome> {
  const writer = await RunWriter.create(outDir, runId);
  return runTraining(writer, config, null, { cacheDir: path.join(outDir, 'cache'), ...opts });
}

/** Continues an interrupted run from its last checkpoint, with its recorded config. */
export async function resumeRun(runDir: string, opts: TrainOptions = {}): Promise<RunOutcome> {
  const writer = await RunWriter.open(runDir);
  if (writer.currentStatus.state === 'done') {
    return { runId: writer.runId, runDir, state: 'done' };
  }
  const recorded = await readRunConfigFile(runDir);
  // Fields added since the run was made take their defaults (which are the old behaviour).
  const config = resolveRunConfig({ ...recorded.config, ...(opts.backend ? { backend: opts.backend } : {}) }, path.join(runDir, RUN_FILES.config));
  const { environment } = recorded;
  // <out>/runs/<id>: the cache sits beside runs/.
  return runTraining(writer, config, environment, { cacheDir: path.join(runDir, '..', '..', 'cache'), ...opts });
}

/** Thrown inside the loop to end a run as failed with the step it happened at. */
class RunFailure extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
  }
}

async function runTraining(writer: RunWriter, config: RunConfig, previous: RunEnvironment | null, opts: TrainOptions): Promise<RunOutcome> {
  const runId = writer.runId;
  const emit = (e: TrainerEvent) => opts.onEvent?.(e);
  const t0 = performance.now();
  const wallMs = () => Math.round(performance.now() - t0);
  let model: SimpleUnet | undefined;
  let optimizer: Adam | undefined;
  let ema: WeightAverage | null = null;
  let progress: TrainingProgress = { step: 0, epoch: 0, batchInEpoch: 0 };
  let lastCheckpointStep = -1;
  let backend: SelectedBackend | undefined;
  const checkpoint = async () => {
    if (!model || !optimizer || progress.step === lastCheckpointStep) return;
    emit({ type: 'phase', runId, phase: 'checkpoint', detail: `step ${progress.step}` });
    ema?.copyRunningStatistics();
    await saveCheckpoint(writer.file(RUN_FILES.checkpoint), model, optimizer, progress, ema?.model);
    lastCheckpointStep = progress.step;
  };
  const finish = async (state: RunState, error?: RunFailure): Promise<RunOutcome> => {
    await writer.updateStatus({
      state, endedAt: new Date().toISOString(), step: progress.step, epoch: progress.epoch,
      ...(error ? { error: { message: error.message, step: error.step } } : {}),
    });
    model?.dispose();
    optimizer?.dispose();
    ema?.dispose();
    emit({ type: 'run-ended', runId, runDir: writer.dir, state, ...(error ? { error: error.message } : {}) });
    return { runId, runDir: writer.dir, state, ...(error ? { error: error.message } : {}) };
  };

  try {
    backend = await selectBackend(config.backend);
    checkGpuLimits(backend, config);
    const dataset = await loadDataset(config, {
      ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}),
      onProgress: (p) => emit({ type: 'data-progress', runId, ...p }),
    });
    for (const line of describeLoad(dataset.report, config.imgSize)) emit({ type: 'phase', runId, phase: 'data', detail: line });
    const split = splitHeldOut(dataset, config);
    const schedule = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
    model = SimpleUnet.create({ channels: config.channels, activation: config.activation }, config.seed);
    optimizer = new Adam(model.trainableVariables(), { lr: config.lr });
    ema = config.emaDecay > 0 ? new WeightAverage(model, config.emaDecay) : null;
    const restored = previous ? await loadCheckpoint(writer.file(RUN_FILES.checkpoint), model, optimizer, ema?.model) : null;
    if (restored) {
      progress = { step: restored.step, epoch: restored.epoch, batchInEpoch: restored.batchInEpoch };
      lastCheckpointStep = restored.step;
      if (!restored.restoredEma) ema?.copyAll();
    }
    // Enough held-out images for the losses and for SWD's two real sets of sampleCount.
    const heldOutIndices = split.heldOut.subarray(0, Math.max(config.evalImages, 2 * config.sampleCount));
    const heldOut: ImageSet = { data: scaledImages(dataset, heldOutIndices), shape: [heldOutIndices.length, config.imgSize, config.imgSize, 3] };
    /** Samples come from the weight average when the run keeps one. */
    const samplingModel = (): SimpleUnet => {
      if (!ema) return model!;
      ema.copyRunningStatistics();
      return ema.model;
    };
    const epsModel = (m: SimpleUnet): EpsModel => (x, t) => m.predict(x, t, config.samplingBatchNorm);

    const environment: RunEnvironment = {
      backend: backend.backend,
      ...(backend.gpu ? { gpu: backend.gpu } : {}),
      backendDetail: backend.detail,
      ...(backend.gpuAdapter ? { gpuAdapter: backend.gpuAdapter } : {}),
      parameterCount: parameterCount(config.channels),
      datasetFingerprint: dataset.fingerprint,
      dataset: datasetRecord(dataset, split),
      diffusionLabVersion: VERSION,
      createdAt: previous?.createdAt ?? new Date().toISOString(),
    };
    await writer.writeConfig(runId, config, environment);

    const batches = new TrainingBatches(dataset, config.batchSize, config.seed, split.training);
    const epochSteps = config.epochs * batches.batchesPerEpoch;
    const totalSteps = config.maxSteps > 0 ? Math.min(config.maxSteps, epochSteps) : epochSteps;
    await writer.updateStatus({
      state: 'running', startedAt: new Date().toISOString(), totalSteps, pid: process.pid, pidStart: processStart(process.pid),
      step: progress.step, epoch: progress.epoch, error: undefined,
    });
    emit({ type: 'run-started', runId, runDir: writer.dir, backend: backend.backend, ...(backend.gpu ? { gpu: backend.gpu } : {}), totalSteps, resumedFromStep: progress.step });

    if (!restored) {
      const { report } = dataset;
      writer.appendMetric(scheduleRecord(scheduleFacts(schedule), wallMs()));
      writer.appendMetric({ kind: 'data', images: dataset.count, skipped: report.skipped, trainImages: split.training.length, heldOutImages: split.heldOut.length, cache: report.cache, ms: round3(report.ms), wallMs: wallMs() });
      emit({ type: 'phase', runId, phase: 'forward-strip' });
      await writeForwardStrip(writer, schedule, dataset.imgSize, scaledImages(dataset, [split.training[0]!]), config.seed);
      await writeForwardSteps(writer, schedule, dataset.imgSize, scaledImages(dataset, [split.training[0]!]), config.seed);
      emit({ type: 'image', runId, kind: 'forward-strip', file: writer.file(RUN_FILES.forwardStrip), epoch: 0 });
      writer.appendMetric({ kind: 'timing', name: 'forwardDiffusion', ms: await timeForwardDiffusion(schedule, batches, config), batch: config.batchSize, wallMs: wallMs() });
    }

    const { batchSize, imgSize } = config;
    const imageShape: [number, number, number, number] = [batchSize, imgSize, imgSize, 3];
    let stepWindowStart = performance.now();
    let stepsInWindow = 0;
    let imagesPerSec = 0;
    emit({ type: 'phase', runId, phase: 'training' });
    for (let epoch = progress.epoch; epoch < config.epochs && progress.step < totalSteps; epoch++) {
      const epochStart = performance.now();
      let lossSum = 0;
      let lossCount = 0;
      for (const batch of batches.epoch(epoch, progress.batchInEpoch)) {
        const stepStart = performance.now();
        // One stream per step: a resumed run draws exactly what the uninterrupted one would.
        const rng = Random.derive(config.seed, `step/${progress.step}`);
        optimizer.lr = config.lrWarmupSteps > 0 ? config.lr * Math.min(1, (progress.step + 1) / config.lrWarmupSteps) : config.lr;
        const t = new Int32Array(batchSize);
        for (let i = 0; i < batchSize; i++) t[i] = rng.int(config.timesteps);
        const noiseValues = rng.normals(batch.length);
        const lossTensor = tf.tidy(() => {
          const x0 = tf.tensor4d(batch, imageShape);
          const noise = tf.tensor4d(noiseValues, imageShape);
          const xNoisy = qSample(schedule, x0, t, noise);
          return trainStep(model!, optimizer!, xNoisy, tf.tensor1d(Float32Array.from(t)), noise, config.loss, {
            huberDelta: config.huberDelta, gradClipNorm: config.gradClipNorm,
          });
        });
        ema?.update();
        const loss = await readScalar(lossTensor);
        const fault = backend.fault?.();
        if (fault) throw new RunFailure(gpuFaultMessage(fault, config, progress.step + 1), progress.step + 1);
        if (!Number.isFinite(loss)) {
          throw new RunFailure(`loss became ${loss} at step ${progress.step + 1} (epoch ${epoch + 1}); try a lower learning rate`, progress.step + 1);
        }
        progress = { step: progress.step + 1, epoch, batchInEpoch: progress.batchInEpoch + 1 };
        lossSum += loss;
        lossCount++;
        const ms = performance.now() - stepStart;
        stepsInWindow++;
        const windowMs = performance.now() - stepWindowStart;
        imagesPerSec = (stepsInWindow * batchSize * 1000) / windowMs;
        if (windowMs > 10_000) {
          stepWindowStart = performance.now();
          stepsInWindow = 0;
        }
        writer.appendMetric({ kind: 'step', step: progress.step, epoch, loss, ms: round3(ms), imagesPerSec: round3(batchSize * 1000 / ms), wallMs: wallMs() });
        emit({ type: 'step', runId, step: progress.step, epoch, totalSteps, loss, imagesPerSec, etaMs: ((totalSteps - progress.step) * batchSize * 1000) / imagesPerSec });
        // Let IPC messages and signals in between steps.
        await new Promise((resolve) => setImmediate(resolve));
        if (opts.signal?.aborted || progress.step >= totalSteps) break;
      }
      if (progress.batchInEpoch < batches.batchesPerEpoch) {
        // Stopped inside the epoch: by request, or at maxSteps.
        if (opts.signal?.aborted) {
          await checkpoint();
          return await finish('cancelled');
        }
        break;
      }
      const epochMs = performance.now() - epochStart;
      const meanLoss = lossCount > 0 ? lossSum / lossCount : NaN;
      writer.appendMetric({ kind: 'epoch', epoch, step: progress.step, meanLoss, ms: round3(epochMs), wallMs: wallMs() });
      emit({ type: 'epoch', runId, epoch, meanLoss, ms: epochMs });
      progress = { step: progress.step, epoch: epoch + 1, batchInEpoch: 0 };
      await writer.updateStatus({ step: progress.step, epoch: progress.epoch });
      const isLast = epoch + 1 >= config.epochs || progress.step >= totalSteps;
      if (!isLast && config.sampleEvery > 0 && (epoch + 1) % config.sampleEvery === 0) {
        emit({ type: 'phase', runId, phase: 'sampling', detail: `reverse strip after epoch ${epoch + 1}` });
        const { snapshots } = await sampleImages(samplingModel(), schedule, config, 1, Random.derive(config.seed, `reverse-strip/${epoch + 1}`));
        await writeReverseStrip(writer, snapshots, config, epoch + 1, progress.step, emit, wallMs);
        const at = { epoch: epoch + 1, step: progress.step, wallMs: wallMs() };
        for (const r of await evaluateHeldOutLoss(epsModel(samplingModel()), schedule, config, heldOut, at)) writer.appendMetric(r);
        await checkpoint();
      }
      if (opts.signal?.aborted) {
        await checkpoint();
        return await finish('cancelled');
      }
    }
    await writer.updateStatus({ step: progress.step, epoch: progress.epoch });

    await checkpoint();
    // One sampling pass gives the final grid and, from its first image, the final reverse strip.
    const samplingSteps = config.sampler === 'ddim' ? config.ddimSteps : config.timesteps;
    emit({ type: 'phase', runId, phase: 'sampling', detail: `${config.sampleCount} images, ${config.sampler.toUpperCase()} ${samplingSteps} steps` });
    const samplingStart = performance.now();
    const final = await sampleImages(samplingModel(), schedule, config, config.sampleCount, Random.derive(config.seed, `reverse-strip/${progress.epoch}`));
    writer.appendMetric({ kind: 'timing', name: 'sampling', ms: round3(performance.now() - samplingStart), batch: config.sampleCount, steps: samplingSteps, wallMs: wallMs() });
    await writeReverseStrip(writer, final.snapshots, config, progress.epoch, progress.step, emit, wallMs);
    const gridFile = writer.file(`${RUN_FILES.samples}/grid-final.png`);
    await writeImageGrid(gridFile, final.images, config.sampleCount, config.imgSize);
    emit({ type: 'image', runId, kind: 'sample-grid', file: gridFile, epoch: progress.epoch });
    emit({ type: 'phase', runId, phase: 'evaluation', detail: 'held-out loss, bits/dim, sliced Wasserstein distance' });
    const at = { epoch: progress.epoch, step: progress.step, wallMs: wallMs() };
    const generated: ImageSet = { data: final.images, shape: [config.sampleCount, config.imgSize, config.imgSize, 3] };
    const evalModel = epsModel(samplingModel());
    for (const r of [
      ...(await evaluateHeldOutLoss(evalModel, schedule, config, heldOut, at)),
      ...(await evaluateBitsPerDim(evalModel, schedule, config, heldOut, at)),
      ...(config.evalImages > 0 ? evaluateSlicedWasserstein(generated, heldOut, config.seed, at) : []),
    ]) writer.appendMetric(r);
    writer.appendMetric({ kind: 'timing', name: 'run', ms: round3(performance.now() - t0), wallMs: wallMs() });
    return await finish('done');
  } catch (err) {
    // A GPU fault often surfaces as some later, vaguer error: name the fault instead.
    const fault = backend?.fault?.();
    const failure = err instanceof RunFailure ? err
      : fault ? new RunFailure(gpuFaultMessage(fault, config, progress.step), progress.step)
      : new RunFailure((err as Error).message, progress.step);
    return finish('failed', failure);
  }
}

/** Refuses, before anything trains, a batch whose largest tensor this GPU cannot bind. */
function checkGpuLimits(backend: SelectedBackend, config: RunConfig): void {
  const adapter = backend.gpuAdapter;
  if (!adapter) return;
  const batch = Math.max(config.batchSize, config.sampleCount);
  const bytes = 4 * largestTensorElements(config.channels, config.imgSize, batch);
  const [limitName, limit] = adapter.maxStorageBufferBindingSize <= adapter.maxBufferSize
    ? ['maxStorageBufferBindingSize', adapter.maxStorageBufferBindingSize] as const
    : ['maxBufferSize', adapter.maxBufferSize] as const;
  if (bytes > limit) {
    throw new RunFailure(
      `batch ${batch} at ${config.imgSize} px needs a ${mib(bytes)} tensor, over this GPU's ${limitName} of ${mib(limit)} ` +
        `(${adapter.description || 'webgpu adapter'}): lower batchSize or imgSize, or use another backend`, 0);
  }
}

function gpuFaultMessage(fault: { kind: string; message: string }, config: RunConfig, step: number): string {
  const where = `at step ${step}, batch ${config.batchSize} at ${config.imgSize} px`;
  return fault.kind === 'out-of-memory'
    ? `the GPU ran out of memory ${where}: lower batchSize or imgSize (${fault.message}); resume continues from the last checkpoint`
    : `${fault.message} (${where}); resume continues from the last checkpoint`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Forward diffusion of one batch, timed: the assignment's "time taken for diffusion". */
async function timeForwardDiffusion(schedule: NoiseSchedule, batches: TrainingBatches, config: RunConfig): Promise<number> {
  const rng = Random.derive(config.seed, 'forward-timing');
  const batch = batches.epoch(0).next().value as Float32Array;
  const shape: [number, number, number, number] = [config.batchSize, config.imgSize, config.imgSize, 3];
  const t = Int32Array.from({ length: config.batchSize }, () => rng.int(config.timesteps));
  const noise = rng.normals(batch.length);
  const start = performance.now();
  const xt = tf.tidy(() => qSample(schedule, tf.tensor4d(batch, shape), t, tf.tensor4d(noise, shape)));
  await xt.data();
  const ms = performance.now() - start;
  xt.dispose();
  return round3(ms);
}

async function writeForwardStrip(writer: RunWriter, schedule: NoiseSchedule, imgSize: number, image: Float32Array, seed: number): Promise<void> {
  const strip = tf.tidy(() => forwardDiffusionStrip(schedule, tf.tensor3d(image, [imgSize, imgSize, 3]), Random.derive(seed, 'forward-strip'), Math.min(10, schedule.T)));
  const values = (await strip.data()) as Float32Array;
  strip.dispose();
  await writeImageStrip(writer.file(RUN_FILES.forwardStrip), values, strip.shape[0], imgSize);
}

async function writeReverseStrip(
  writer: RunWriter, snapshots: SampledImages['snapshots'], config: RunConfig, epoch: number, step: number,
  emit: (e: TrainerEvent) => void, wallMs: () => number,
): Promise<void> {
  const name = `${RUN_FILES.samples}/strip-epoch-${String(epoch).padStart(3, '0')}.png`;
  await writeImageStrip(writer.file(name), snapshots.values, snapshots.count, config.imgSize);
  writer.appendMetric({ kind: 'sample', epoch, step, strip: name, wallMs: wallMs() });
  emit({ type: 'image', runId: writer.runId, kind: 'reverse-strip', file: writer.file(name), epoch });
}
