// Everything a run does before its first step: the backend, the data and its held-out split,
// the model (restored from the checkpoint on resume), config.json and status.json, and what a
// new run records once: the schedule's facts, the data, the forward-diffusion figures and timing.
import * as tf from '@tensorflow/tfjs-core';
import { makeNoiseSchedule, type NoiseSchedule } from '../../shared/noiseSchedules';
import type { RunConfig, RunEnvironment } from '../../shared/runConfig';
import { RUN_FILES } from '../../shared/runDirectory';
import { processStart } from '../../shared/runReading/processIdentity';
import { selectBackend, type SelectedBackend } from '../backend/selectBackend';
import { TrainingBatches, scaledImages } from '../data/batches';
import { splitHeldOut, type HeldOutSplit } from '../data/heldOut';
import { describeLoad } from '../data/imageFolderDataset';
import { datasetRecord, loadDataset, type LoadedDataset } from '../data/loadDataset';
import { qSample } from '../diffusion/forwardProcess';
import type { ImageSet } from '../metrics/imageSet';
import { scheduleRecord } from '../metrics/records';
import { scheduleFacts } from '../metrics/scheduleFacts';
import { largestTensorElements } from '../model/flops';
import { parameterCount } from '../model/parameters';
import { SimpleUnet, simpleUnetConfigOf } from '../model/simpleUnet';
import { Random } from '../random';
import { VERSION } from '../version';
import { Adam } from './adam';
import { loadCheckpoint } from './checkpoint';
import { WeightAverage } from './ema';
import { writeForwardStrip } from './forwardStrip';
import { writeForwardSteps } from './forwardSteps';
import { dropMetricsWrittenAgain } from './resumeMetrics';
import { RunFailure, StepRate, round3, type RunContext, type RunStart } from './runContext';
import { slurmStatusField } from '../sweep/slurm/slurmTaskOfProcess';

/**
 * Completes `run` into the context of its first step. `previous` is the recorded environment
 * when resuming: the checkpoint is restored, and metrics.jsonl loses what the run writes again.
 */
export async function setupRun(run: RunStart, previous: RunEnvironment | null, cacheDir?: string): Promise<RunContext> {
  const { config, writer, emit, runId } = run;
  // Named before the backend and the data load, which can take seconds before the first step.
  emit({ type: 'phase', runId, phase: 'data', detail: `loading ${config.dataset}` });
  const backend = (run.backend = await selectBackend(config.backend));
  checkGpuLimits(backend, config);
  const dataset = await loadDataset(config, {
    ...(cacheDir ? { cacheDir } : {}),
    onProgress: (p) => emit({ type: 'data-progress', runId, ...p }),
  });
  for (const line of describeLoad(dataset.report, config.imgSize)) emit({ type: 'phase', runId, phase: 'data', detail: line });
  const split = splitHeldOut(dataset, config);
  const schedule = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
  const model = owned(run, SimpleUnet.create(simpleUnetConfigOf(config), config.seed));
  const optimizer = owned(run, new Adam(model.trainableVariables(), { lr: config.lr }));
  const ema = config.emaDecay > 0 ? owned(run, new WeightAverage(model, config.emaDecay)) : null;
  const restored = previous ? await loadCheckpoint(writer.file(RUN_FILES.checkpoint), model, optimizer, ema?.model) : null;
  if (restored) {
    run.progress = { step: restored.step, epoch: restored.epoch, batchInEpoch: restored.batchInEpoch };
    if (!restored.restoredEma) ema?.copyAll();
  }
  // Enough held-out images for the losses and for SWD's two real sets of sampleCount.
  const heldOutIndices = split.heldOut.subarray(0, Math.max(config.evalImages, 2 * config.sampleCount));
  const heldOut: ImageSet = { data: scaledImages(dataset, heldOutIndices), shape: [heldOutIndices.length, config.imgSize, config.imgSize, 3] };
  await writer.writeConfig(runId, config, runEnvironment(config, backend, dataset, split, previous));

  const batches = new TrainingBatches(dataset, config.batchSize, config.seed, split.training);
  const epochSteps = config.epochs * batches.batchesPerEpoch;
  const totalSteps = config.maxSteps > 0 ? Math.min(config.maxSteps, epochSteps) : epochSteps;
  if (previous) await dropMetricsWrittenAgain(writer, restored, totalSteps);
  await writer.updateStatus({
    state: 'running', startedAt: new Date().toISOString(), totalSteps, pid: process.pid, pidStart: processStart(process.pid),
    step: run.progress.step, epoch: run.progress.epoch, error: undefined, ...slurmStatusField(),
  });
  emit({ type: 'run-started', runId, runDir: writer.dir, backend: backend.backend, ...(backend.gpu ? { gpu: backend.gpu } : {}), totalSteps, resumedFromStep: run.progress.step });
  if (!restored) await recordNewRun(run, schedule, batches, dataset, split);

  emit({ type: 'phase', runId, phase: 'training' });
  return Object.assign(run, {
    backend, schedule, model, optimizer, ema, batches, totalSteps, heldOut,
    lastCheckpointStep: restored ? restored.step : -1, stepRate: new StepRate(),
  });
}

/** Registers what the run must release when it ends, as soon as it exists. */
function owned<T extends { dispose(): void }>(run: RunStart, thing: T): T {
  run.owned.push(thing);
  return thing;
}

/** What config.json records about where the run trains and on what. */
function runEnvironment(config: RunConfig, backend: SelectedBackend, dataset: LoadedDataset, split: HeldOutSplit, previous: RunEnvironment | null): RunEnvironment {
  return {
    backend: backend.backend,
    ...(backend.gpu ? { gpu: backend.gpu } : {}),
    backendDetail: backend.detail,
    ...(backend.gpuAdapter ? { gpuAdapter: backend.gpuAdapter } : {}),
    parameterCount: parameterCount(config.channels, config),
    datasetFingerprint: dataset.fingerprint,
    dataset: datasetRecord(dataset, split),
    diffusionLabVersion: VERSION,
    createdAt: previous?.createdAt ?? new Date().toISOString(),
  };
}

/** Written once, by a new run: the schedule's facts, the data, forward.png and forward-steps.png, and a timed forward pass. */
async function recordNewRun(run: RunStart, schedule: NoiseSchedule, batches: TrainingBatches, dataset: LoadedDataset, split: HeldOutSplit): Promise<void> {
  const { writer, config, wallMs, emit } = run;
  const { report } = dataset;
  writer.appendMetric(scheduleRecord(scheduleFacts(schedule), wallMs()));
  writer.appendMetric({ kind: 'data', images: dataset.count, skipped: report.skipped, trainImages: split.training.length, heldOutImages: split.heldOut.length, cache: report.cache, ms: round3(report.ms), wallMs: wallMs() });
  emit({ type: 'phase', runId: run.runId, phase: 'forward-strip' });
  await writeForwardStrip(writer, schedule, dataset.imgSize, scaledImages(dataset, [split.training[0]!]), config.seed);
  await writeForwardSteps(writer, schedule, dataset.imgSize, scaledImages(dataset, [split.training[0]!]), config.seed);
  emit({ type: 'image', runId: run.runId, kind: 'forward-strip', file: writer.file(RUN_FILES.forwardStrip), epoch: 0 });
  writer.appendMetric({ kind: 'timing', name: 'forwardDiffusion', ms: await timeForwardDiffusion(schedule, batches, config), batch: config.batchSize, wallMs: wallMs() });
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

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
