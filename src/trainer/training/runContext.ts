// What the parts of one training run share: runSetup.ts fills it in, trainEpoch.ts advances
// it, sampleAndEvaluate.ts samples from it, trainRun.ts ends it. Plus the few things every
// part does with it: checkpoint, pick the model to sample from, fail with a clear message.
import * as tf from '@tensorflow/tfjs-core';
import type { TrainerEvent } from '../../shared/messages';
import type { NoiseSchedule } from '../../shared/noiseSchedules';
import type { RunConfig } from '../../shared/runConfig';
import { RUN_FILES } from '../../shared/runDirectory';
import type { SelectedBackend } from '../backend/selectBackend';
import type { TrainingBatches } from '../data/batches';
import type { EpsModel } from '../diffusion/samplers';
import type { ImageSet } from '../metrics/imageSet';
import type { SimpleUnet } from '../model/simpleUnet';
import type { RunWriter } from '../run/runWriter';
import type { Adam } from './adam';
import { samplingBatchSize } from './sampling';
import { saveCheckpoint, type TrainingProgress } from './checkpoint';
import type { WeightAverage } from './ema';

/** A run from its first moment, before anything is loaded: where it writes, whom it tells, its clock. */
export interface RunStart {
  readonly writer: RunWriter;
  readonly config: RunConfig;
  readonly runId: string;
  readonly emit: (e: TrainerEvent) => void;
  /** Aborting stops the run at the next step: checkpoint saved, state `cancelled`. */
  readonly signal: AbortSignal | undefined;
  /** performance.now() when this process started on the run; the `run` timing counts from it. */
  readonly startMs: number;
  /** Milliseconds since startMs, rounded: every record's `wallMs`. */
  readonly wallMs: () => number;
  /** Where training stands; restored from the checkpoint on resume, advanced by each step. */
  progress: TrainingProgress;
  /** The backend, once selected: a failure names the GPU fault behind it. */
  backend?: SelectedBackend;
  /** Tensors the run made, released in this order when it ends. */
  readonly owned: Array<{ dispose(): void }>;
}

/** Everything a run needs from its first step on. setupRun completes a RunStart into this (the same object). */
export interface RunContext extends RunStart {
  readonly backend: SelectedBackend;
  readonly schedule: NoiseSchedule;
  readonly model: SimpleUnet;
  readonly optimizer: Adam;
  /** The weight average samples come from, when the run keeps one. */
  readonly ema: WeightAverage | null;
  readonly batches: TrainingBatches;
  /** Steps the whole run trains: epochs x batches per epoch, or maxSteps when fewer. */
  readonly totalSteps: number;
  /** Held-out images for the losses, bits/dim and SWD. */
  readonly heldOut: ImageSet;
  /** The step of the checkpoint on disk (-1: none yet), so one step is not saved twice. */
  lastCheckpointStep: number;
  /** Images per second over the last few seconds, for the live progress. */
  readonly stepRate: StepRate;
}

export function startRun(writer: RunWriter, config: RunConfig, opts: { onEvent?: (e: TrainerEvent) => void; signal?: AbortSignal }): RunStart {
  const startMs = performance.now();
  return {
    writer, config, runId: writer.runId, emit: (e) => opts.onEvent?.(e), signal: opts.signal,
    startMs, wallMs: () => Math.round(performance.now() - startMs),
    progress: { step: 0, epoch: 0, batchInEpoch: 0 }, owned: [],
  };
}

/** Saves model, optimiser and weight average at the current step, unless that step is saved already. */
export async function saveRunCheckpoint(ctx: RunContext): Promise<void> {
  if (ctx.progress.step === ctx.lastCheckpointStep) return;
  ctx.emit({ type: 'phase', runId: ctx.runId, phase: 'checkpoint', detail: `step ${ctx.progress.step}` });
  ctx.ema?.copyRunningStatistics();
  await saveCheckpoint(ctx.writer.file(RUN_FILES.checkpoint), ctx.model, ctx.optimizer, ctx.progress, ctx.ema?.model);
  ctx.lastCheckpointStep = ctx.progress.step;
}

/** Samples come from the weight average when the run keeps one. */
export function samplingModel(ctx: RunContext): SimpleUnet {
  if (!ctx.ema) return ctx.model;
  ctx.ema.copyRunningStatistics();
  return ctx.ema.model;
}

/**
 * What the evaluations call: the model samples come from, predicting noise with the run's
 * BatchNorm mode for sampling. A batch too small for train-mode batch statistics (one held-out
 * image at a 1x1 bottom) is predicted twice over in one batch, so its statistics are its own.
 */
export function evaluatedModel(ctx: RunContext): EpsModel {
  return evaluatedModelOf(samplingModel(ctx), ctx.config);
}

/** evaluatedModel for a model outside a training run (`diffusion-lab evaluate`). */
export function evaluatedModelOf(model: SimpleUnet, config: RunConfig): EpsModel {
  const mode = config.samplingBatchNorm;
  return (x, t) => {
    const n = x.shape[0];
    if (samplingBatchSize(config, n) === n) return model.predict(x, t, mode);
    return tf.tidy(() => tf.slice(model.predict(tf.concat([x, x]), tf.concat([t, t]), mode), 0, n));
  };
}

/**
 * Images per second over a window of steps that starts again every 10 s, so the rate follows
 * the run's current speed rather than its average since the start.
 */
export class StepRate {
  private windowStart = performance.now();
  private steps = 0;

  /** Counts one step of `batchSize` images; the rate over the window so far. */
  step(batchSize: number): number {
    this.steps++;
    const windowMs = performance.now() - this.windowStart;
    const imagesPerSec = (this.steps * batchSize * 1000) / windowMs;
    if (windowMs > 10_000) {
      this.windowStart = performance.now();
      this.steps = 0;
    }
    return imagesPerSec;
  }
}

/** Ends a run as failed, with the step it happened at. */
export class RunFailure extends Error {
  constructor(message: string, readonly step: number) {
    super(message);
  }
}

/** Any error as a RunFailure at the current step; a GPU fault often surfaces as some later, vaguer error, so the fault is named instead. */
export function asRunFailure(err: unknown, run: RunStart): RunFailure {
  if (err instanceof RunFailure) return err;
  const fault = run.backend?.fault?.();
  const step = run.progress.step;
  return new RunFailure(fault ? gpuFaultMessage(fault, run.config, step) : (err as Error).message, step);
}

export function gpuFaultMessage(fault: { kind: string; message: string }, config: RunConfig, step: number): string {
  const where = `at step ${step}, batch ${config.batchSize} at ${config.imgSize} px`;
  return fault.kind === 'out-of-memory'
    ? `the GPU ran out of memory ${where}: lower batchSize or imgSize (${fault.message}); resume continues from the last checkpoint`
    : `${fault.message} (${where}); resume continues from the last checkpoint`;
}

/** Three decimals: the precision of every `ms` in metrics.jsonl. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
