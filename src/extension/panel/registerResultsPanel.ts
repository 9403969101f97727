// The results panel's entry points for the rest of the extension: open it for a run or a
// sweep (Open Results Panel), open notes.md with its panel beside it (Open Notes), bring
// panels back after a window reload, and open a run's panel beside its notes.md when that
// file is opened in a text editor.
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
/** notes.md files whose panel was shown beside them since they were opened. */
const shownBeside = new Set<string>();

/**
 * Call once from activate(). `onTrainerEvent` is the training sessions' event (every
 * TrainerEvent of this window): panels read the run directories as soon as one arrives.
 */
export function registerResultsPanel(
  context: vscode.ExtensionContext,
  onTrainerEvent?: (listener: (e: TrainerEvent | null) => void) => vscode.Disposable,
): vscode.Disposable {
  panelContext = { extensionUri: context.extensionUri, memento: context.workspaceState, globalMemento: context.globalState, ...(onTrainerEvent ? { onTrainerEvent } : {}) };
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

/**
 * Opens `notesFile` in a text editor with the target's results panel in view beside it. An
 * open panel keeps its group, the notes going to another one (the group of the active editor,
 * or the panel's neighbour when the panel is the active one), and comes to the front of its
 * group if hidden there; a panel not open opens beside the notes.
 */
export async function showNotesBesidePanel(target: PanelTarget, notesFile: string): Promise<void> {
  if (!panelContext) throw new Error('the results panel is not registered (registerResultsPanel in activate)');
  const uri = vscode.Uri.file(notesFile);
  shownBeside.add(uri.fsPath); // the editor-change listener above need not open the panel too
  const panel = ResultsPanel.forTarget(target)?.panel;
  const panelColumn = panel?.viewColumn;
  await vscode.window.showTextDocument(uri, { preview: false, viewColumn: panelColumn === undefined ? vscode.ViewColumn.Active : columnBesides(panelColumn) });
  if (!panel) ResultsPanel.show(panelContext, target, { column: vscode.ViewColumn.Beside, preserveFocus: true, tab: 'loss' });
  else if (!panel.visible) panel.reveal(panelColumn, true);
}

/** A column for an editor that must not cover what is shown in `column`. */
function columnBesides(column: vscode.ViewColumn): vscode.ViewColumn {
  if (vscode.window.tabGroups.activeTabGroup.viewColumn !== column) return vscode.ViewColumn.Active;
  const others = vscode.window.tabGroups.all.map((g) => g.viewColumn).filter((c) => c !== column);
  return others.find((c) => c > column) ?? others.reverse().find((c) => c < column) ?? vscode.ViewColumn.Beside;
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
