// Where a training session shows its progress while it runs: a cancellable notification
// (Cancel stops it gracefully) and a status-bar item that opens its results panel. Both say
// what sweepProgress.ts works out, a few times a second, and go when the session ends.
import * as vscode from 'vscode';
import type { PanelTarget } from '../shared/panelMessages';
import { describeSessionProgress, type SessionProgressInput } from './sweepProgress';
import type { TrainingSession } from './trainingSession';

/** Steps can come hundreds of times a second; a person reads a few updates. */
const UPDATE_EVERY_MS = 250;

export function sessionProgressInput(session: TrainingSession): SessionProgressInput {
  return { what: session.command.type === 'sweep' ? 'sweep' : 'run', name: session.name, runs: [...session.progress.values()] };
}

/** Shows the session's progress until it ends. */
export function showSessionProgress(session: TrainingSession): void {
  const item = vscode.window.createStatusBarItem('diffusion.sessionProgress', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Diffusion Lab training';
  const title = () => `${session.command.type === 'sweep' ? 'Sweep' : 'Run'} ${session.name}`;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: title(), cancellable: true }, (progress, token) => {
    token.onCancellationRequested(() => session.stop());
    let reported = 0;
    const update = () => {
      const text = describeSessionProgress(sessionProgressInput(session));
      const percent = text.percent ?? 0;
      progress.report({ message: text.message, increment: Math.max(0, percent - reported) });
      reported = Math.max(reported, percent);
      item.text = text.statusText;
      item.tooltip = text.tooltip;
      item.command = openResultsCommand(session);
      item.show();
    };
    let timer: NodeJS.Timeout | undefined;
    const sub = session.onChange(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        update();
      }, UPDATE_EVERY_MS);
    });
    update();
    return session.finished.then(() => {
      clearTimeout(timer);
      sub.dispose();
      item.dispose();
    });
  });
}

/** The results panel of the sweep, or of the single run, once the trainer has said where it is. */
function openResultsCommand(session: TrainingSession): vscode.Command | undefined {
  const open = (target: PanelTarget): vscode.Command => ({ command: 'diffusion.openResultsPanel', title: 'Open Results Panel', arguments: [target] });
  if (session.sweepDir) return open({ kind: 'sweep', sweepDir: session.sweepDir });
  const live = [...session.live.values()][0];
  return live ? open({ kind: 'run', runDir: live.runDir }) : undefined;
}
