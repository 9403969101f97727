// One training run from config to finished run directory: the DDPM procedure of the
// reference notebook, with every step recorded in the run directory as it happens.
import * as path from 'node:path';
import type { TrainerEvent } from '../../shared/messages';
import { resolveRunConfig, type RunConfig, type RunEnvironment } from '../../shared/runConfig';
import { RUN_FILES, type RunState } from '../../shared/runDirectory';
import { readRunConfigFile } from '../../shared/runReading/runFiles';
import { RunWriter, makeRunId } from '../run/runWriter';
import { asRunFailure, round3, saveRunCheckpoint, startRun, type RunFailure, type RunStart } from './runContext';
import { setupRun } from './runSetup';
import { sampleAfterEpoch, sampleAndEvaluate, sampleDueAfterEpoch } from './sampleAndEvaluate';
import { trainEpoch } from './trainEpoch';

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

/**
 * Setup, then epochs until the run's steps are done (a sample after every `sampleEvery`), then
 * the final samples and evaluations. Stopping by request checkpoints first; any error fails the
 * run with the step it happened at. The run directory says which, whatever happens.
 */
async function runTraining(writer: RunWriter, config: RunConfig, previous: RunEnvironment | null, opts: TrainOptions): Promise<RunOutcome> {
  const run = startRun(writer, config, opts);
  try {
    const ctx = await setupRun(run, previous, opts.cacheDir);
    while (ctx.progress.epoch < config.epochs && ctx.progress.step < ctx.totalSteps) {
      const completed = await trainEpoch(ctx);
      if (completed && sampleDueAfterEpoch(ctx)) await sampleAfterEpoch(ctx);
      if (ctx.signal?.aborted) {
        await saveRunCheckpoint(ctx);
        return await finishRun(ctx, 'cancelled');
      }
      if (!completed) break; // at maxSteps, inside the epoch
    }
    await writer.updateStatus({ step: ctx.progress.step, epoch: ctx.progress.epoch });
    await saveRunCheckpoint(ctx);
    await sampleAndEvaluate(ctx);
    writer.appendMetric({ kind: 'timing', name: 'run', ms: round3(performance.now() - ctx.startMs), wallMs: ctx.wallMs() });
    return await finishRun(ctx, 'done');
  } catch (err) {
    // setupRun completes `run` in place, so it is the context however far setup got.
    return finishRun(run, 'failed', asRunFailure(err, run));
  }
}

/** Writes the run's final state into status.json, releases its tensors and says it ended. */
async function finishRun(run: RunStart, state: RunState, failure?: RunFailure): Promise<RunOutcome> {
  const { writer, runId, progress } = run;
  await writer.updateStatus({
    state, endedAt: new Date().toISOString(), step: progress.step, epoch: progress.epoch,
    ...(failure ? { error: { message: failure.message, step: failure.step } } : {}),
  });
  for (const thing of run.owned.splice(0)) thing.dispose();
  run.emit({ type: 'run-ended', runId, runDir: writer.dir, state, ...(failure ? { error: failure.message } : {}) });
  return { runId, runDir: writer.dir, state, ...(failure ? { error: failure.message } : {}) };
}
