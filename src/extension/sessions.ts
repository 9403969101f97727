// The training sessions of this window: starts them, shows each one's progress
// (sweepProgressViews.ts) and log, and tells the person how each ended.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerCommand, TrainerEvent } from '../shared/messages';
import { showSweepProblems } from './sweepDiagnostics';
import { showSessionProgress } from './sweepProgressViews';
import { TrainingSession, type SessionOutcome } from './trainingSession';
import type { TrainerLaunch } from './trainerProcess';

export class TrainingSessions implements vscode.Disposable {
  private readonly sessions = new Set<TrainingSession>();
  private readonly changed = new vscode.EventEmitter<TrainerEvent | null>();
  /** Every event of every session (null: a session ended). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly output: vscode.OutputChannel) {}

  get all(): readonly TrainingSession[] {
    return [...this.sessions];
  }

  forSweepFile(file: string): TrainingSession | undefined {
    return this.all.find((s) => s.sweepFile === path.resolve(file));
  }

  forSweep(sweepId: string): TrainingSession | undefined {
    return this.all.find((s) => s.sweepId === sweepId);
  }

  forRun(runId: string): TrainingSession | undefined {
    return this.all.find((s) => s.includesRun(runId));
  }

  /** Starts a trainer process for the command; returns when it has started (not finished). */
  start(launch: TrainerLaunch, command: Extract<TrainerCommand, { type: 'sweep' | 'train' | 'resume' }>, name: string, stopTimeoutMs: number): TrainingSession {
    const stamp = () => new Date().toLocaleTimeString();
    const session = new TrainingSession(launch, command, name, {
      stopTimeoutMs,
      log: (line) => this.output.appendLine(`${stamp()} ${line}`),
    });
    this.output.appendLine(`${stamp()} started the trainer (process ${session.pid}) for ${name}`);
    this.sessions.add(session);
    session.onChange((e) => this.changed.fire(e));
    showSessionProgress(session);
    void session.finished.then((outcome) => {
      this.sessions.delete(session);
      this.changed.fire(null);
      return this.report(session, outcome);
    });
    return session;
  }

  private async report(session: TrainingSession, outcome: SessionOutcome): Promise<void> {
    const what = session.command.type === 'sweep' ? `Sweep ${session.name}` : `Run ${session.name}`;
    switch (outcome.kind) {
      case 'finished': {
        const count = (s: string) => outcome.runs.filter((r) => r.state === s).length;
        const summary = `${count('done')} of ${outcome.runs.length} runs done` +
          (count('failed') ? `, ${count('failed')} failed` : '') + (count('cancelled') ? `, ${count('cancelled')} cancelled` : '');
        if (outcome.stopped) void vscode.window.showInformationMessage(`${what} stopped: ${summary}. Resume Sweep continues it.`);
        else if (count('failed') > 0) void this.showError(`${what} finished: ${summary}.`);
        else void vscode.window.showInformationMessage(`${what} finished: ${summary}.`);
        return;
      }
      case 'rejected':
        await showSweepProblems(outcome.file, outcome.problems);
        return;
      case 'error':
        void this.showError(`${what}: ${outcome.message}`);
        return;
      case 'crashed':
        if (outcome.stopRequested && outcome.marked.length === 0) {
          void vscode.window.showInformationMessage(`${what} stopped.`);
          return;
        }
        void this.showError(`${what}: ${outcome.message.split('\n')[0]!.replace(/;.*$/, '')}.` +
          (outcome.marked.length > 0 ? ` Marked ${outcome.marked.join(', ')} ${outcome.stopRequested ? 'cancelled' : 'failed'}.` : ''));
        return;
    }
  }

  private async showError(message: string): Promise<void> {
    if ((await vscode.window.showErrorMessage(message, 'Show Log')) === 'Show Log') this.output.show(true);
  }

  /** Stops every session (window closing); each gets its graceful stop. */
  stopAll(): void {
    for (const s of this.sessions) s.stop();
  }

  dispose(): void {
    this.stopAll();
    this.changed.dispose();
  }
}
