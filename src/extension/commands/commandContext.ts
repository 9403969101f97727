// What every command group shares: the window's sessions and tree, the guards a command
// passes before it starts anything, the pickers that ask which sweep or run is meant when
// a command comes from the palette, and how the trainer is started from this window.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { runName, type RunEntry, type SweepEntry } from '../experimentsModel';
import type { ExperimentNode, ExperimentsTree } from '../experimentsTree';
import { nativeBackendDir } from './installGpuBackendCommand';
import type { TrainingSessions } from '../sessions';
import type { DiffusionSettings } from '../settings';
import type { TrainerCliOptions } from '../trainerCli';
import type { TrainerLaunch } from '../trainerProcess';

export interface CommandContext {
  readonly context: vscode.ExtensionContext;
  readonly sessions: TrainingSessions;
  readonly tree: ExperimentsTree;
}

// ---- guards -----------------------------------------------------------------------------

/** The folder of the active editor, else the first; none open: the person is told. */
export function requireFolder(): vscode.WorkspaceFolder | undefined {
  const folders = vscode.workspace.workspaceFolders;
  if (!folders || folders.length === 0) {
    void vscode.window.showErrorMessage('Diffusion Lab needs a folder: open one (File > Open Folder), then run the command again.');
    return undefined;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) || folders[0];
}

export async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const answer = await vscode.window.showWarningMessage('Training runs code from this workspace\'s settings and sweep files; trust the workspace to train. Browsing results works without it.', 'Manage Workspace Trust');
  if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

// ---- which sweep or run ------------------------------------------------------------------

/** The run of the tree node a context-menu command was invoked on. */
export function runOf(node: ExperimentNode | undefined): RunEntry | undefined {
  return node?.kind === 'run' || node?.kind === 'file' ? node.run : undefined;
}

/** The sweep of the tree node: the sweep itself, or the one a run belongs to. */
export function sweepOf(node: ExperimentNode | undefined, tree: ExperimentsTree): SweepEntry | undefined {
  if (node?.kind === 'sweep') return node.sweep;
  if (node?.kind === 'run' && node.sweepId) return tree.experiments?.sweeps.find((s) => s.sweepId === node.sweepId);
  return undefined;
}

/** A sweep from a quick pick; `only` narrows the choice, and `noneFits` says why nothing is offered. */
export async function pickSweep(
  tree: ExperimentsTree, title: string, only?: { fits: (s: SweepEntry) => boolean; noneFits: string },
): Promise<SweepEntry | undefined> {
  const all = (tree.experiments ?? await tree.reload())?.sweeps ?? [];
  if (all.length === 0) {
    void vscode.window.showInformationMessage('There are no sweeps yet: Diffusion: Run Sweep starts one.');
    return undefined;
  }
  const sweeps = only ? all.filter(only.fits) : all;
  if (sweeps.length === 0) {
    void vscode.window.showInformationMessage(only!.noneFits);
    return undefined;
  }
  const describe = (s: SweepEntry) => `${s.runs.length} runs · ${s.runs.filter((r) => r.state === 'done').length} done`;
  return (await vscode.window.showQuickPick(sweeps.map((s) => ({ label: s.name, description: describe(s), sweep: s })), { title }))?.sweep;
}

export async function pickRun(tree: ExperimentsTree, title: string, filter: (r: RunEntry) => boolean): Promise<RunEntry | undefined> {
  const x = tree.experiments ?? await tree.reload();
  const runs = [...(x?.sweeps.flatMap((s) => s.runs) ?? []), ...(x?.singleRuns ?? [])].filter(filter);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('No run fits.');
    return undefined;
  }
  return (await vscode.window.showQuickPick(runs.map((r) => ({ label: runName(r), description: [runName(r) !== r.runId && r.runId, r.state].filter(Boolean).join(' · '), run: r })), { title, matchOnDescription: true }))?.run;
}

// ---- starting the trainer ----------------------------------------------------------------

/** The trainer's extra environment: the GPU backend Install GPU Backend put in global storage, when there is one. */
export function trainerEnv(context: vscode.ExtensionContext): Record<string, string> {
  const backendDir = nativeBackendDir(context);
  return existsSync(backendDir) ? { DIFFUSION_LAB_BACKEND_DIR: backendDir } : {};
}

/** dist/trainer.js as a training session forks it. */
export function trainerLaunch(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder, settings: DiffusionSettings): TrainerLaunch {
  return {
    script: context.asAbsolutePath(path.join('dist', 'trainer.js')),
    ...(settings.nodePath ? { nodePath: settings.nodePath } : {}),
    cwd: folder.uri.fsPath,
    env: trainerEnv(context),
  };
}

/** dist/cli.js for the one-shot CLI calls (report). */
export function trainerCliOptions(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder, settings: DiffusionSettings): TrainerCliOptions {
  return {
    cli: context.asAbsolutePath(path.join('dist', 'cli.js')),
    ...(settings.nodePath ? { nodePath: settings.nodePath } : {}),
    cwd: folder.uri.fsPath,
    env: trainerEnv(context),
  };
}
