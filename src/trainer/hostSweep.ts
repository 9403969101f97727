// The `sweep` command of the child-process trainer (forkedTrainer.ts): the same sweep the CLI runs
// (src/trainer/sweep), reported to the host as events so that it can show each run's
// progress, and stoppable one run at a time. With maxParallelRuns > 1 the runs go to CLI
// child processes as in `diffusion-lab sweep`; those report through their run directories
// and log lines only, and stop together.
import { constants, existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { SweepEvent, TrainerCommand, TrainerEvent, TrainerMessage } from '../shared/messages';
import type { SweepRun } from '../shared/sweepSpec';
import type { ResolvedSweep } from '../shared/sweepChecks/resolveSweep';
import type { RunDisplayState } from '../shared/runDirectory';
import { planRunAction, type RunAction } from './sweep/runState';
import { describeAction, runSweep } from './sweep/runSweep';
import { runDirOf, writeResolvedSweep } from './sweep/sweepDirectory';
import { summarizeRun } from './sweep/sweepSummary';
import { SweepError } from '../shared/sweepChecks/sweepProblem';
import { checkSweepFile } from './sweep/readSweepFile';
import { generatedRunLabel } from '../shared/runLabels';
import { sweepBaseConfig } from '../shared/runReading/loadStudy';

export interface HostSweep {
  /** Without a run id: the run in progress checkpoints as cancelled and no more start. */
  stop(runId?: string): void;
  done: Promise<void>;
}

type SweepCommand = Extract<TrainerCommand, { type: 'sweep' }>;

export function startHostSweep(command: SweepCommand, send: (m: TrainerMessage) => void): HostSweep {
  const sweepStop = new AbortController();
  const skipped = new Set<string>();
  let current: { runId: string; stop: AbortController } | null = null;
  let parallel = false;
  const event = (e: TrainerEvent) => send({ type: 'event', event: e });
  const log = (line: string) => send({ type: 'log', line });

  const stop = (runId?: string) => {
    if (runId === undefined || parallel) {
      if (runId !== undefined) log(`runs of a parallel sweep stop together: stopping the sweep`);
      sweepStop.abort();
      current?.stop.abort();
    } else if (current?.runId === runId) {
      current.stop.abort();
    } else {
      skipped.add(runId);
    }
  };

  const run = async () => {
    const prepared = await prepare(command, event);
    if (!prepared) return;
    const { sweep, outDir } = prepared;
    const runs = sweep.runs;
    const maxParallel = Math.min(command.maxParallelRuns ?? sweep.maxParallelRuns, runs.length);
    const cli = path.join(__dirname, 'cli.js');
    parallel = maxParallel > 1 && existsSync(cli);
    if (parallel) {
      await runSweep(runs, {
        outDir, signal: sweepStop.signal, onEvent: event, onChildEvent: event, log, maxParallelRuns: maxParallel,
        onRunPlanned: (r, index, action) => event(sweepRunEvent(sweep.sweepId, r.runId, index, action)),
        childCommand: (r: SweepRun) => ({
          command: process.execPath,
          args: [...process.execArgv, cli, 'sweep', path.resolve(command.file), '--out', outDir, '--run', r.runId, '--yes'],
        }),
      });
    } else {
      for (const [index, r] of runs.entries()) {
        if (sweepStop.signal.aborted) break;
        const tag = `[${index + 1}/${runs.length}]`;
        if (skipped.has(r.runId)) {
          event({ type: 'sweep-run', sweepId: sweep.sweepId, runId: r.runId, index, action: 'stopped before it started', leftAs: 'not started' });
          continue;
        }
        const action = await planRunAction(runDirOf(outDir, r), r.config).catch((err: Error): RunAction => ({ kind: 'conflict', reason: `cannot read its run directory: ${err.message}` }));
        event(sweepRunEvent(sweep.sweepId, r.runId, index, action));
        current = { runId: r.runId, stop: new AbortController() };
        // runSweep on one run: its skip/resume rules, with a stop for this run alone.
        await runSweep([r], { outDir, signal: current.stop.signal, onEvent: event, log: (line) => log(line.replace(/^\[1\/1\]/, tag)) });
        current = null;
      }
    }
    const summaries = await Promise.all(runs.map((r) => summarizeRun(r, runDirOf(outDir, r))));
    event({
      type: 'sweep-ended', sweepId: sweep.sweepId,
      stopped: sweepStop.signal.aborted || skipped.size > 0,
      runs: summaries.map((s) => ({ runId: s.runId, state: s.state, ...(s.error ? { error: s.error } : {}) })),
    });
  };
  return { stop, done: run() };
}

function sweepRunEvent(sweepId: string, runId: string, index: number, action: RunAction): SweepEvent {
  const left = leftAs(action);
  return { type: 'sweep-run', sweepId, runId, index, action: describeAction(action), ...(left ? { leftAs: left } : {}) };
}

/** The state a run the sweep does not train now stays in; undefined when it trains (or waits for a stopping owner, then trains). */
function leftAs(action: RunAction): RunDisplayState | undefined {
  switch (action.kind) {
    case 'new': case 'restart': case 'resume': return undefined;
    case 'busy': return action.stopping ? undefined : 'running';
    case 'done': return 'done';
    case 'failed': return 'failed';
    case 'conflict': return 'unreadable';
  }
}

/** Reads, checks and resolves the sweep file and writes sweep.json; null when it was rejected. */
async function prepare(command: SweepCommand, event: (e: SweepEvent) => void): Promise<{ sweep: ResolvedSweep; outDir: string } | null> {
  const outDir = path.resolve(command.outDir);
  const reject = (problems: string[]) => {
    event({ type: 'sweep-rejected', file: command.file, problems });
    return null;
  };
  let checked;
  try {
    // The editor runs the same check (src/extension/sweepDiagnostics.ts); relative datasets are read from the working directory.
    checked = checkSweepFile(command.file, { datasetRoot: process.cwd() });
  } catch (err) {
    if (err instanceof SweepError) return reject(err.problems);
    throw err;
  }
  const { spec, sweep } = checked;
  if (!spec || !sweep) return reject(checked.problems.map((p) => p.message));
  try {
    await fs.mkdir(outDir, { recursive: true });
    await fs.access(outDir, constants.W_OK);
  } catch (err) {
    throw new Error(`cannot write to the output directory ${outDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let resolvedFile: string;
  try {
    resolvedFile = await writeResolvedSweep(outDir, sweep, spec, command.file);
  } catch (err) {
    if (err instanceof SweepError) return reject(err.problems);
    throw err;
  }
  const { base } = sweepBaseConfig(spec.base, command.file);
  event({
    type: 'sweep-started', sweepId: sweep.sweepId, name: sweep.name, sweepFile: path.resolve(command.file), resolvedFile,
    maxParallelRuns: sweep.maxParallelRuns, runs: sweep.runs.map((r) => ({ runId: r.runId, varied: r.varied, label: generatedRunLabel({ ...r, base }) })),
  });
  return { sweep, outDir };
}
