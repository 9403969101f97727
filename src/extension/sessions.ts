// The training sessions of this window: starts them, shows each one's progress
// notification (with Cancel) and log, and tells the person how each ended.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerCommand, TrainerEvent } from '../shared/messages';
import { formatDuration } from '../shared/formatting';
import { locateSweepProblem } from './sweepProblemLocation';
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
    void this.showProgress(session);
    void session.finished.then((outcome) => {
      this.sessions.delete(session);
      this.changed.fire(null);
      return this.report(session, outcome);
    });
    return session;
  }

  private showProgress(session: TrainingSession): Thenable<void> {
    const title = session.command.type === 'sweep' ? `Sweep ${session.name}` : `Run ${session.name}`;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
      token.onCancellationRequested(() => session.stop());
      let reported = 0;
      const update = () => {
        const n = Math.max(1, session.runs.length);
        const live = [...session.live.values()][0];
        const fraction = live && live.totalSteps > 0 ? live.step / live.totalSteps : 0;
        const percent = Math.min(100, ((session.currentIndex + fraction) / n) * 100);
        const parts = [`run ${session.currentIndex + 1} of ${n}`];
        if (live) {
          parts.push(`step ${live.step}/${live.totalSteps}`);
          if (live.loss !== undefined) parts.push(`loss ${live.loss.toFixed(4)}`);
          if (live.etaMs !== undefined && live.etaMs > 0) parts.push(`ETA ${formatDuration(live.etaMs)}`);
        } else if (session.runs.length === 0) {
          parts.splice(0, 1, 'starting');
        }
        progress.report({ message: parts.join(' · '), increment: Math.max(0, percent - reported) });
        reported = Math.max(reported, percent);
      };
      // Steps can come hundreds of times a second; the notification needs a few.
      let timer: NodeJS.Timeout | undefined;
      const sub = session.onChange(() => {
        timer ??= setTimeout(() => {
          timer = undefined;
          update();
        }, 250);
      });
      update();
      return session.finished.then(() => {
        clearTimeout(timer);
        sub.dispose();
      });
    });
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

/** Opens the sweep file with the first problem's text selected, and lists them all. */
export async function showSweepProblems(file: string, problems: string[]): Promise<void> {
  const first = problems[0] ?? 'cannot be run';
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more; see the Output channel)` : '';
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.resolve(file)));
    const span = locateSweepProblem(doc.getText(), first);
    const selection = span ? new vscode.Range(doc.positionAt(span.offset), doc.positionAt(span.offset + span.length)) : undefined;
    await vscode.window.showTextDocument(doc, { ...(selection ? { selection } : {}), preview: false });
  } catch {
    // the file may be gone; the message below still says what was wrong
  }
  void vscode.window.showErrorMessage(`${path.basename(file)}: ${first}${more}`);
}
