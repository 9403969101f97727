// The results panel's entry points for the rest of the extension: open it for a run or a
// sweep (Open Results Panel, Open Notes), bring panels back after a window reload, and open
// a run's panel beside its notes.md when that file is opened in a text editor.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../shared/messages';
import { isPanelViewState, type PanelTab, type PanelTarget } from '../../shared/panelMessages';
import { SWEEP_FILES } from '../../shared/sweepSpec';
import { RUN_FILES } from '../../shared/runDirectory';
import { targetOfNotesFile } from './panelSources';
import { RESULTS_VIEW_TYPE, ResultsPanel, type ResultsPanelContext } from './resultsPanel';

let panelContext: ResultsPanelContext | undefined;

/**
 * Call once from activate(). `onTrainerEvent` is the training sessions' event (every
 * TrainerEvent of this window): panels read the run directories as soon as one arrives.
 */
export function registerResultsPanel(
  context: vscode.ExtensionContext,
  onTrainerEvent?: (listener: (e: TrainerEvent | null) => void) => vscode.Disposable,
): vscode.Disposable {
  panelContext = { extensionUri: context.extensionUri, memento: context.workspaceState, ...(onTrainerEvent ? { onTrainerEvent } : {}) };
  const shownBeside = new Set<string>();
  return vscode.Disposable.from(
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        if (!isPanelViewState(state) || !targetExists(state.target)) {
          panel.dispose();
          return;
        }
        ResultsPanel.revive(panel, panelContext!, state.target);
      },
    }),
    vscode.window.onDidChangeActiveTextEditor((editor) => {
      const uri = editor?.document.uri;
      if (uri?.scheme !== 'file') return;
      const target = targetOfNotesFile(uri.fsPath);
      // Once per opening of the file: closing the panel is respected until the file is opened again.
      if (!target || !targetExists(target) || shownBeside.has(uri.fsPath) || ResultsPanel.forTarget(target)) return;
      shownBeside.add(uri.fsPath);
      ResultsPanel.show(panelContext!, target, { column: vscode.ViewColumn.Beside, preserveFocus: true, tab: 'loss' });
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => shownBeside.delete(doc.uri.fsPath)),
  );
}

/** Opens (or reveals) the results panel of a run (its directory) or a sweep (its sweeps/<id> directory). */
export function openResultsPanel(target: PanelTarget, tab?: PanelTab): ResultsPanel {
  if (!panelContext) throw new Error('the results panel is not registered (registerResultsPanel in activate)');
  return ResultsPanel.show(panelContext, target, tab ? { tab } : {});
}

/** Opens the panel on its Notes tab: the run's or sweep's notes.md, with its results a click away. */
export function openNotesPanel(target: PanelTarget): ResultsPanel {
  return openResultsPanel(target, 'notes');
}

function targetExists(target: PanelTarget): boolean {
  return target.kind === 'run'
    ? existsSync(path.join(target.runDir, RUN_FILES.status)) || existsSync(path.join(target.runDir, RUN_FILES.config))
    : existsSync(path.join(target.sweepDir, SWEEP_FILES.resolved));
}
