// One sweep (or one single run) being trained: its trainer process, what the process has
// reported so far, and how it ended. When the process dies mid-run, the runs it had
// started are marked failed (or cancelled, if a stop had to kill it). No VS Code import.
import * as path from 'node:path';
import type { SweepRunEntry, TrainerCommand, TrainerEvent, TrainerMessage } from '../shared/messages';
import type { RunDisplayState } from '../shared/runDirectory';
import { describeCrash, markRunEnded } from './runStatusRepair';
import { TrainerProcess, type TrainerExit, type TrainerLaunch } from './trainerProcess';

export type TrainerPhase = Extract<TrainerEvent, { type: 'phase' }>['phase'];

/** Where one run of a session is, from the live stream alone (parallel runs each have their own). */
export interface RunProgress {
  runId: string;
  /** Its generated label in a sweep; the run id for a single run. */
  label: string;
  /** queued: not reached yet; active: its trainer is working on it; else the state it ended in, or was left in (skipped). */
  state: 'queued' | 'active' | RunDisplayState;
  /** Set while active; a step means training. */
  phase?: TrainerPhase;
  step: number;
  /** Known once the run has started. */
  totalSteps?: number;
  epoch: number;
  /** The last step's minibatch loss. */
  loss?: number;
  etaMs?: number;
}

/** A run that has started and not ended. */
export interface LiveRun extends RunProgress {
  runDir: string;
  totalSteps: number;
}

export type SessionOutcome =
  | { kind: 'finished'; stopped: boolean; runs: Array<{ runId: string; state: RunDisplayState; error?: string }> }
  /** The sweep file cannot be run. */
  | { kind: 'rejected'; file: string; problems: string[] }
  /** The trainer reported an error it could not record in a run (e.g. an unwritable output directory). */
  | { kind: 'error'; message: string }
  /** The process died before it finished; `marked` lists the runs recorded as failed or cancelled. */
  | { kind: 'crashed'; message: string; marked: string[]; stopRequested: boolean };

export interface SessionOptions {
  stopTimeoutMs: number;
  log: (line: string) => void;
}

export class TrainingSession {
  readonly finished: Promise<SessionOutcome>;
  /** Set by sweep-started; a single run's session has none. */
  sweepId: string | undefined;
  name: string;
  runs: SweepRunEntry[] = [];
  /** The sweep's folder (sweep.json's), once sweep-started said. */
  sweepDir: string | undefined;
  /** Every run of the session in the sweep's order, however far it got. */
  readonly progress = new Map<string, RunProgress>();
  readonly live = new Map<string, LiveRun>();
  private readonly trainer: TrainerProcess;
  private readonly started = new Map<string, string>();
  private outcome: SessionOutcome | undefined;
  private readonly listeners = new Set<(e: TrainerEvent | null) => void>();

  /** `name` is what to call it until the trainer says (the sweep file's name). */
  constructor(launch: TrainerLaunch, readonly command: Extract<TrainerCommand, { type: 'sweep' | 'train' | 'resume' }>, name: string, private readonly opts: SessionOptions) {
    this.name = name;
    this.trainer = new TrainerProcess(launch, {
      onMessage: (m) => this.handle(m),
      onBadMessage: (reason) => opts.log(`[trainer] ignored a malformed message: ${reason}`),
      onOutput: (line, stream) => opts.log(stream === 'stderr' ? line : `[stdout] ${line}`),
    });
    this.trainer.send(command);
    this.finished = this.trainer.exited.then((exit) => this.settle(exit));
  }

  get pid(): number | undefined {
    return this.trainer.pid;
  }

  get sweepFile(): string | undefined {
    return this.command.type === 'sweep' ? path.resolve(this.command.file) : undefined;
  }

  /** Whether this session trains (or will train) the run. */
  includesRun(runId: string): boolean {
    return this.live.has(runId) || this.runs.some((r) => r.runId === runId);
  }

  /** `null` is sent once more when the session has ended. */
  onChange(listener: (e: TrainerEvent | null) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The whole session (graceful, then killed after the timeout), or one run of a sweep. */
  stop(runId?: string): void {
    if (runId !== undefined && this.command.type === 'sweep') this.trainer.stop(this.opts.stopTimeoutMs, runId);
    else this.trainer.stop(this.opts.stopTimeoutMs);
  }

  /** For tests and faults: the process dies at once, as with `kill -9`. */
  kill(): void {
    this.trainer.kill();
  }

  private handle(m: TrainerMessage): void {
    if (m.type === 'log') {
      this.opts.log(m.line);
      return;
    }
    if (m.type === 'fatal') {
      this.opts.log(`[trainer] error: ${m.message}`);
      this.end({ kind: 'error', message: m.message });
      return;
    }
    const e = m.event;
    switch (e.type) {
      case 'sweep-started':
        this.sweepId = e.sweepId;
        this.name = e.name;
        this.runs = e.runs;
        this.sweepDir = path.dirname(e.resolvedFile);
        for (const r of e.runs) this.progressOf(r.runId, r.label);
        this.opts.log(`sweep ${e.name}: ${e.runs.length} runs (${e.resolvedFile})`);
        break;
      case 'sweep-run': {
        const r = this.progressOf(e.runId);
        r.state = e.leftAs ?? 'active';
        this.opts.log(`[${e.index + 1}/${this.runs.length}] ${e.runId}: ${e.action}`);
        break;
      }
      case 'run-started': {
        this.started.set(e.runId, e.runDir);
        const r = Object.assign(this.progressOf(e.runId), { state: 'active', runDir: e.runDir, step: e.resumedFromStep, totalSteps: e.totalSteps, epoch: 0 } as const);
        this.live.set(e.runId, r);
        if (this.command.type !== 'sweep') this.runs = [{ runId: e.runId, varied: {}, label: e.runId }];
        this.opts.log(`${e.runId}: started on ${e.backend}${e.gpu ? ` (${e.gpu})` : ''}${e.resumedFromStep > 0 ? `, resumed at step ${e.resumedFromStep}` : ''}`);
        break;
      }
      case 'step':
        // After a preview or a checkpoint mid-training no phase says training again: the step does.
        Object.assign(this.progressOf(e.runId), { state: 'active', phase: 'training', step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, loss: e.loss, etaMs: e.etaMs });
        break;
      case 'phase':
        Object.assign(this.progressOf(e.runId), { state: 'active', phase: e.phase });
        break;
      case 'epoch':
        this.opts.log(`${e.runId}: epoch ${e.epoch} mean loss ${e.meanLoss.toFixed(4)} (${(e.ms / 1000).toFixed(1)} s)`);
        break;
      case 'run-ended': {
        this.started.delete(e.runId);
        this.live.delete(e.runId);
        const r = this.progressOf(e.runId);
        r.state = e.state;
        delete r.phase;
        this.opts.log(`${e.runId}: ${e.state}${e.error ? `: ${e.error}` : ''}`);
        if (this.command.type !== 'sweep') this.end({ kind: 'finished', stopped: e.state === 'cancelled', runs: [{ runId: e.runId, state: e.state, ...(e.error ? { error: e.error } : {}) }] });
        break;
      }
      case 'sweep-ended':
        for (const r of e.runs) this.progressOf(r.runId).state = r.state;
        this.end({ kind: 'finished', stopped: e.stopped, runs: e.runs });
        break;
      case 'sweep-rejected':
        this.opts.log(`sweep file ${e.file} cannot be run:\n${e.problems.map((p) => `  ${p}`).join('\n')}`);
        this.end({ kind: 'rejected', file: e.file, problems: e.problems });
        break;
      default:
        break;
    }
    for (const l of this.listeners) l(e);
  }

  /** The run's entry, made when an event names a run not listed (a single run, before run-started). */
  private progressOf(runId: string, label = runId): RunProgress {
    let r = this.progress.get(runId);
    if (!r) {
      r = { runId, label, state: 'queued', step: 0, epoch: 0 };
      this.progress.set(runId, r);
    }
    return r;
  }

  /** The trainer has said its last word: let it exit. */
  private end(outcome: SessionOutcome): void {
    this.outcome ??= outcome;
    this.trainer.release(this.opts.stopTimeoutMs);
  }

  private async settle(exit: TrainerExit): Promise<SessionOutcome> {
    const marked: string[] = [];
    if (this.started.size > 0) {
      const stopped = exit.stopRequested && !exit.startError;
      const message = stopped
        ? `stopped by force after ${Math.round(this.opts.stopTimeoutMs / 1000)} s; progress since the last checkpoint is lost`
        : describeCrash(exit);
      for (const [runId, runDir] of this.started) {
        const done = await markRunEnded({ runDir, pid: this.trainer.pid, state: stopped ? 'cancelled' : 'failed', message }).catch((err: Error) => {
          this.opts.log(`${runId}: could not rewrite its status.json: ${err.message}`);
          return false;
        });
        if (done) marked.push(runId);
        this.opts.log(`${runId}: ${done ? `marked ${stopped ? 'cancelled' : 'failed'}` : 'left as it is'}: ${message}`);
      }
      this.live.clear();
    }
    const stoppedByForce = exit.stopRequested && !exit.startError;
    for (const r of this.progress.values()) if (r.state === 'active') r.state = marked.includes(r.runId) ? (stoppedByForce ? 'cancelled' : 'failed') : 'interrupted';
    let outcome = this.outcome;
    if (!outcome || marked.length > 0) {
      const message = exit.startError
        ? `the trainer could not start: ${exit.startError}`
        : exit.stopRequested ? 'stopped' : describeCrash(exit).replace(' during the run', '');
      outcome = { kind: 'crashed', message, marked, stopRequested: exit.stopRequested };
    }
    this.opts.log(`trainer process ${this.trainer.pid ?? '(not started)'} ${describeExit(outcome, exit, this.command.type === 'sweep' ? 'sweep' : 'run')}`);
    for (const l of this.listeners) l(null);
    return outcome;
  }
}

/** The Output channel's last line of a session: how the process ended, and after what. */
export function describeExit(outcome: SessionOutcome, exit: Pick<TrainerExit, 'code' | 'signal' | 'startError' | 'stopRequested' | 'forced'>, what: 'sweep' | 'run'): string {
  const how = exit.signal ? ` (${exit.signal})` : exit.code ? ` (code ${exit.code})` : '';
  switch (outcome.kind) {
    case 'rejected': {
      const n = outcome.problems.length;
      return `exited${how} after rejecting ${path.basename(outcome.file)} (${n} problem${n === 1 ? '' : 's'})`;
    }
    case 'finished': {
      const done = outcome.runs.filter((r) => r.state === 'done').length;
      if (what === 'run') return `exited${how} after the run ended ${outcome.runs[0]?.state ?? 'without a state'}`;
      return `exited${how} after ${outcome.stopped ? 'stopping' : 'finishing'} the sweep: ${done} of ${outcome.runs.length} done`;
    }
    case 'error':
      return `exited${how} after an error: ${outcome.message}`;
    case 'crashed':
      if (exit.startError) return `could not start: ${exit.startError}`;
      if (exit.stopRequested) return exit.forced ? `was killed${how}: it did not stop in time` : `stopped${how}`;
      return exit.signal ? `crashed: killed by ${exit.signal}` : `crashed (code ${exit.code})`;
  }
}
