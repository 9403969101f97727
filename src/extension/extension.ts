// Entry point: wires the Output channel, the training sessions, the Experiments tree and
// the commands together. Returns them as the extension's API, which the tests drive.
import * as vscode from 'vscode';
import { warnAboutAnnotationProblems } from './annotationProblems';
import { registerChooseDatasetFolder } from './chooseDatasetFolder';
import { createCommands, registerCommands, type DiffusionCommands } from './commands/registerCommands';
import { ExperimentsTree } from './experimentsTree';
import { registerInstallGpuBackend } from './commands/installGpuBackendCommand';
import { registerResultsPanel } from './panel/registerResultsPanel';
import { TrainingSessions } from './sessions';
import { readSettings } from './settings';
import { SlurmPolling } from './slurmPolling';
import { registerSweepDiagnostics } from './sweepDiagnostics';

export interface DiffusionLabApi {
  sessions: TrainingSessions;
  tree: ExperimentsTree;
  commands: DiffusionCommands;
}

let sessions: TrainingSessions | undefined;

export function activate(context: vscode.ExtensionContext): DiffusionLabApi {
  const output = vscode.window.createOutputChannel('Diffusion Lab');
  sessions = new TrainingSessions(output);
  const outDir = () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? readSettings(folder).outputDirectory : undefined;
  };
  const tree = new ExperimentsTree(outDir(), sessions);
  const view = vscode.window.createTreeView('diffusion.experiments', { treeDataProvider: tree, showCollapseAll: true });
  const commands = createCommands({ context, sessions, tree });
  context.subscriptions.push(
    output, sessions, tree, view, ...registerCommands(commands), new SlurmPolling(tree),
    registerResultsPanel(context, (listener) => sessions!.onDidChange(listener)),
    registerInstallGpuBackend(context, output), registerChooseDatasetFolder(), registerSweepDiagnostics(), warnAboutAnnotationProblems(tree),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('diffusion.outputDirectory')) tree.setOutputDirectory(outDir());
    }),
    vscode.workspace.onDidChangeWorkspaceFolders(() => tree.setOutputDirectory(outDir())),
  );
  return { sessions, tree, commands };
}

/** The window is closing: each trainer gets its graceful stop (checkpoint, cancelled). */
export function deactivate(): void {
  sessions?.stopAll();
}
