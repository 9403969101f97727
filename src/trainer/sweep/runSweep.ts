// Trains a resolved sweep's runs: one after another in this process, or up to
// maxParallelRuns at once as child processes of the CLI (`sweep FILE --run ID`), each of
// which trains one run exactly as the sequential loop would. Done runs are skipped,
// interrupted ones resumed; a failed run does not stop the others. Aborting the signal
// checkpoints the runs in progress, marks them cancelled and starts no more. The process
// that trains a run holds its lock (runOwner.ts) meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createInterface } from 'node:readline';
import type { TrainerEvent } from '../../shared/messages';
import { parseTrainerMessage } from '../../shared/parseTrainerMessage';
import type { SweepRun } from '../../shared/sweepSpec';
import { formatDuration } from '../../shared/formatting';
import { FINAL_LOSS } from '../../shared/lossNames';
import { resumeRun, trainNewRun, type RunOutcome } from '../training/trainRun';
import { WASM_THREADS_ENV, requestedWasmThreads } from '../backend/wasm/wasmThreads';
import { describeValues } from '../../shared/sweepChecks/resolveSweep';
import { runDirOf } from './sweepDirectory';
import { planRunAction, type RunAction } from './runState';
import { acquireRunLock, type LockResult } from './runOwner';
import { summarizeRun, type SweepRunRow } from './sweepSummary';

export interface RunSweepOptions {
  outDir: string;
  signal?: AbortSignal;
  /** Training progress of the run in this process (not of child processes). */
  onEvent?: (e: TrainerEvent) => void;
  /** Training progress of runs in child processes, which each send over their IPC channel. */
  onChildEvent?: (e: TrainerEvent) => void;
  /** What a parallel sweep decided for a run, as it comes to it (the sequential one decides per run, in planAndCarryOut). */
  onRunPlanned?: (run: SweepRun, index: number, action: RunAction) => void;
  /** One line per run as it starts and ends; child processes' stderr, prefixed with the run id. */
  log?: (line: string) => void;
  /** Runs at once; more than 1 needs `childCommand`. */
  maxParallelRuns?: number;
  /** The command that trains one run in a child process. */
  childCommand?: (run: SweepRun) => { command: string; args: string[] };
}

export interface SweepOutcome {
  runs: SweepRunRow[];
  /** True when the signal stopped the sweep before every run was tried. */
  stopped: boolean;
}

export async function runSweep(runs: SweepRun[], opts: RunSweepOptions): Promise<SweepOutcome> {
  const parallel = Math.min(opts.maxParallelRuns ?? 1, runs.length);
  const log = opts.log ?? (() => {});
  if (parallel > 1 && !opts.childCommand) {
    log(`maxParallelRuns ${parallel}: no command to start child processes with, so the runs go one after another`);
  }
  const notes = parallel > 1 && opts.childCommand
    ? await runInChildren(runs, parallel, opts.childCommand, opts, log)
    : await runInProcess(runs, opts, log);
  const summaries = await Promise.all(runs.map(async (run, i) => {
    const s = await summarizeRun(run, runDirOf(opts.outDir, run), notes[i]!.note);
    return s.error || !notes[i]!.error ? s : { ...s, error: notes[i]!.error };
  }));
  return { runs: summaries, stopped: opts.signal?.aborted === true && summaries.some((s) => s.state !== 'done') };
}

/** What this invocation did with a run, for the summary's last column. */
interface RunNote {
  note: string;
  /** A failure that status.json does not hold (the trainer never got to write it). */
  error?: string;
}

/** The runs one after another; returns what was done with each (the summary's "this time"). */
async function runInProcess(runs: SweepRun[], opts: RunSweepOptions, log: (line: string) => void): Promise<RunNote[]> {
  const notes: RunNote[] = [];
  for (const [i, run] of runs.entries()) {
    const tag = `[${i + 1}/${runs.length}] ${run.runId}`;
    if (opts.signal?.aborted) {
      notes.push({ note: 'not started (stopped)' });
      continue;
    }
    const start = performance.now();
    const runDir = runDirOf(opts.outDir, run);
    let lock: LockResult;
    try {
      lock = await acquireRunLock(runDir, { log: (line) => log(`${tag}: ${line}`), ...(opts.signal ? { signal: opts.signal } : {}) });
    } catch (err) {
      notes.push({ note: 'skipped (unreadable)', error: `cannot take its lock: ${(err as Error).message}` });
      log(`${tag}: cannot take its lock: ${(err as Error).message}`);
      continue;
    }
    if (lock.kind === 'stopped') {
      notes.push({ note: 'not started (stopped)' });
      continue;
    }
    if (lock.kind === 'busy') {
      const busy: RunAction = { kind: 'busy', pid: lock.owner.pid, stopping: false };
      notes.push({ note: noteFor(busy) });
      log(`${tag} ${describeValues(run.varied)}: ${describeAction(busy)}`);
      continue;
    }
    try {
      notes.push(await planAndCarryOut(run, runDir, tag, start, opts, log));
    } finally {
      await lock.release();
    }
  }
  return notes;
}

/** One run, with its lock held: decide from its run directory, then train, resume or skip it. */
async function planAndCarryOut(run: SweepRun, runDir: string, tag: string, start: number, opts: RunSweepOptions, log: (line: string) => void): Promise<RunNote> {
  let action: RunAction;
  try {
    action = await planRunAction(runDir, run.config);
  } catch (err) {
    log(`${tag}: cannot read its run directory: ${(err as Error).message}`);
    return { note: 'skipped (unreadable)', error: (err as Error).message };
  }
  if (opts.signal?.aborted) return { note: 'not started (stopped)' };
  log(`${tag} ${describeValues(run.varied)}: ${describeAction(action)}`);
  let outcome: RunOutcome | null;
  try {
    outcome = await carryOut(run, action, opts);
  } catch (err) {
    // The trainer records its own failures in status.json; this is one before it could.
    log(`${tag}: could not start: ${(err as Error).message}`);
    return { note: 'could not start', error: (err as Error).message };
  }
  if (outcome === null) return { note: noteFor(action) };
  log(`${tag}: ${await describeEnd(run, opts.outDir, performance.now() - start)}`);
  return { note: noteFor(action) + (outcome.state === 'done' ? '' : ` -> ${outcome.state}`) };
}

/** Trains, resumes, or (for done, busy, failed and conflicting runs) does nothing and returns null. */
async function carryOut(run: SweepRun, action: RunAction, opts: RunSweepOptions): Promise<RunOutcome | null> {
  const runDir = runDirOf(opts.outDir, run);
  const trainOpts = { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onEvent ? { onEvent: opts.onEvent } : {}) };
  switch (action.kind) {
    case 'restart':
      await fs.rm(runDir, { recursive: true, force: true });
      return trainNewRun(run.config, opts.outDir, trainOpts, run.runId);
    case 'new':
      return trainNewRun(run.config, opts.outDir, trainOpts, run.runId);
    case 'resume':
      return resumeRun(runDir, trainOpts);
    default:
      return null;
  }
}

/** `done after 1m02s, final loss 0.0712 (mean over the last epoch)` (or the state and the error). */
async function describeEnd(run: SweepRun, outDir: string, ms: number): Promise<string> {
  const s = await summarizeRun(run, runDirOf(outDir, run));
  return `${s.state} after ${formatDuration(ms)}` +
    (s.finalLoss !== undefined ? `, ${FINAL_LOSS.label} ${s.finalLoss.toFixed(4)} (${FINAL_LOSS.brief})` : '') +
    (s.error ? `: ${s.error}` : '');
}

export function describeAction(a: RunAction): string {
  switch (a.kind) {
    case 'new': return 'training';
    case 'restart': return `training from the start (the earlier attempt, ${a.was}, left nothing to keep)`;
    case 'resume': return `resuming the ${a.was === 'running' ? 'interrupted' : a.was} run from its last checkpoint (it had reached step ${a.step})`;
    case 'done': return 'done already, skipped';
    case 'busy': return a.stopping
      ? `its previous owner, process ${a.pid}, is stopping (its sweep ended): waiting for it, then continuing the run`
      : `running in process ${a.pid}, left alone`;
    case 'failed': return `failed earlier, left as it is: ${a.error}`;
    case 'conflict': return `skipped: ${a.reason}`;
  }
}

function noteFor(a: RunAction): string {
  switch (a.kind) {
    case 'new': case 'restart': return 'trained';
    case 'resume': return 'resumed';
    case 'done': return 'skipped (done)';
    case 'busy': return `skipped (running in ${a.pid})`;
    case 'failed': return 'skipped (failed earlier)';
    case 'conflict': return 'skipped (conflict)';
  }
}

/**
 * Up to `parallel` child processes, each `sweep FILE --run ID`. Children get their own process
 * group, so a Ctrl-C reaches them once, forwarded from here, and they checkpoint before exiting.
 * When this process dies without forwarding anything (SIGKILL, OOM), each child sees its IPC
 * channel close and stops the same way, leaving its run cancelled and resumable.
 */
async function runInChildren(
  runs: SweepRun[], parallel: number, childCommand: NonNullable<RunSweepOptions['childCommand']>,
  opts: RunSweepOptions, log: (line: string) => void,
): Promise<RunNote[]> {
  const notes: RunNote[] = runs.map(() => ({ note: 'not started (stopped)' }));
  const active = new Set<ChildProcess>();
  // Runs in parallel share the cores: each child's wasm backend gets its share of the
  // threads (unless the environment already says how many), not every core each.
  const env = process.env[WASM_THREADS_ENV]
    ? process.env
    : { ...process.env, [WASM_THREADS_ENV]: String(Math.max(1, Math.floor(requestedWasmThreads().threads / parallel))) };
  const stopChildren = () => {
    for (const child of active) child.kill('SIGINT');
  };
  opts.signal?.addEventListener('abort', stopChildren, { once: true });
  // A second Ctrl-C exits this process at once; a second SIGINT makes the children quit too.
  process.once('exit', stopChildren);
  let next = 0;
  const worker = async () => {
    while (next < runs.length && !opts.signal?.aborted) {
      const i = next++;
      const run = runs[i]!;
      const tag = `[${i + 1}/${runs.length}] ${run.runId}`;
      const action = await planRunAction(runDirOf(opts.outDir, run), run.config).catch((err: Error): RunAction => ({ kind: 'conflict', reason: err.message }));
      if (opts.signal?.aborted) break;
      log(`${tag} ${describeValues(run.varied)}: ${describeAction(action)}`);
      opts.onRunPlanned?.(run, i, action);
      // A stopping owner is waited for by the child, which takes the run's lock once it is free.
      if (action.kind !== 'new' && action.kind !== 'restart' && action.kind !== 'resume' && !(action.kind === 'busy' && action.stopping)) {
        notes[i] = { note: noteFor(action) };
        continue;
      }
      const start = performance.now();
      const { command, args } = childCommand(run);
      // The IPC channel is how the child learns that this process is gone, however it ended:
      // it closes with this process, and the child then stops as on Ctrl-C (stopOnSignal.ts).
      const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env });
      active.add(child);
      createInterface({ input: child.stderr! }).on('line', (line) => log(`  ${run.runId} | ${line}`));
      child.on('message', (m) => {
        const message = parseTrainerMessage(m);
        if (typeof message !== 'string' && message.type === 'event') opts.onChildEvent?.(message.event);
      });
      const code = await new Promise<number | null>((resolve) => {
        child.on('error', (err) => {
          log(`${tag}: cannot start ${command}: ${err.message}`);
          resolve(null);
        });
        child.on('close', (exitCode) => resolve(exitCode));
      });
      active.delete(child);
      const state = (await summarizeRun(run, runDirOf(opts.outDir, run))).state;
      notes[i] = {
        note: noteFor(action) + (state === 'done' ? '' : ` -> ${state}`),
        // The trainer records done, failed and cancelled itself; anything else means the child died first.
        ...(state === 'done' || state === 'failed' || state === 'cancelled' ? {} : { error: `the child process exited with ${code ?? 'a signal'} while the run was ${state}` }),
      };
      log(`${tag}: ${await describeEnd(run, opts.outDir, performance.now() - start)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', stopChildren);
    process.off('exit', stopChildren);
  }
  return notes;
}
