// The commands on results that exist: Open Results Panel, Open Notes, Compare Runs, Export
// Report, Reveal Run Folder, Delete Run and Refresh. None starts a trainer, so all but
// Export Report work in an untrusted workspace.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isPanelTarget, type PanelTarget } from '../../shared/panelMessages';
import { RUN_FILES } from '../../shared/runDirectory';
import { describeRun, describeSweepRuns, type ExperimentNode } from '../experimentsTree';
import { runName } from '../experimentsModel';
import { openResultsPanel, showNotesBesidePanel } from '../panel/registerResultsPanel';
import { readSettings } from '../settings';
import { runTrainerCli } from '../trainerCli';
import { pickRun, pickSweep, requireFolder, requireTrust, runOf, sweepOf, trainerCliOptions, type CommandContext } from './commandContext';
import { loadStudy } from '../../shared/runReading/loadStudy';
import { compareRunsMarkdown } from './compareRunsTable';

export function browsingCommands(c: CommandContext) {
  return {
    openResultsPanel: (node?: ExperimentNode | PanelTarget) => openResults(c, node),
    openNotes: (node?: ExperimentNode) => openNotes(c, node),
    compareRuns: (node?: ExperimentNode) => compareRuns(c, node),
    exportReport: (node?: ExperimentNode) => exportReport(c, node),
    revealRunFolder: (node?: ExperimentNode) => revealRunFolder(c, node),
    deleteRun: (node?: ExperimentNode) => deleteRun(c, node),
    refresh: () => c.tree.reload(),
  };
}

/**
 * The results panel (issue 6) of the run, or of the whole sweep when invoked on one. Besides a
 * tree node it takes a PanelTarget, which is how notifications and the status bar open it.
 */
async function openResults(c: CommandContext, node?: ExperimentNode | PanelTarget): Promise<void> {
  if (isPanelTarget(node)) {
    openResultsPanel(node);
    return;
  }
  if (node?.kind === 'sweep') {
    openResultsPanel({ kind: 'sweep', sweepDir: node.sweep.dir });
    return;
  }
  const run = runOf(node);
  if (run) {
    openResultsPanel({ kind: 'run', runDir: run.dir });
    return;
  }
  // From the palette: a whole sweep (its runs compared) or one run.
  const picked = await pickSweepOrRun(c, 'Open Results Panel', 'Results of which sweep or run?');
  if (picked) openResultsPanel(picked.target);
}

/** A sweep or a run, and what to call it. */
interface NamedTarget {
  target: PanelTarget;
  name: string;
}

/** A sweep or a run with results, for a command run from the palette; sweeps first. */
async function pickSweepOrRun(c: CommandContext, title: string, placeHolder: string): Promise<NamedTarget | undefined> {
  const x = c.tree.experiments ?? await c.tree.reload();
  const sweeps = (x?.sweeps ?? []).filter((s) => !s.error);
  const sweepRuns = (x?.sweeps ?? []).flatMap((s) => s.runs.map((run) => ({ run, sweep: s.name })));
  const runs = [...sweepRuns, ...(x?.singleRuns ?? []).map((run) => ({ run, sweep: undefined }))].filter(({ run }) => run.state !== 'not started');
  if (sweeps.length + runs.length === 0) {
    void vscode.window.showInformationMessage('There are no results yet: Diffusion: Run Sweep starts a sweep.');
    return undefined;
  }
  type Pick = vscode.QuickPickItem & { choice?: NamedTarget };
  const items: Pick[] = [
    ...(sweeps.length ? [{ label: 'Sweeps', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...sweeps.map((s): Pick => ({ label: s.name, description: `sweep · ${describeSweepRuns(s)}`, choice: { target: { kind: 'sweep', sweepDir: s.dir }, name: s.name } })),
    ...(runs.length ? [{ label: 'Runs', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...runs.map(({ run, sweep }): Pick => ({
      label: runName(run), description: [runName(run) !== run.runId && run.runId, sweep, describeRun(run)].filter(Boolean).join(' · '),
      choice: { target: { kind: 'run', runDir: run.dir }, name: run.runId },
    })),
  ];
  return (await vscode.window.showQuickPick(items, { title, placeHolder, matchOnDescription: true }))?.choice;
}

/** Opens notes.md in a text editor with the results panel beside it (panel/registerResultsPanel.ts); creates the file the first time. */
async function openNotes(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const run = runOf(node);
  const picked: NamedTarget | undefined = node?.kind === 'sweep' ? { target: { kind: 'sweep', sweepDir: node.sweep.dir }, name: node.sweep.name }
    : run ? { target: { kind: 'run', runDir: run.dir }, name: run.runId }
    : await pickSweepOrRun(c, 'Open Notes', 'Notes of which sweep or run?');
  if (!picked) return;
  const { target, name } = picked;
  const file = path.join(target.kind === 'sweep' ? target.sweepDir : target.runDir, RUN_FILES.notes);
  // 'wx': a notes file that exists is never rewritten.
  await fs.writeFile(file, `# Notes: ${target.kind} ${name}\n\n`, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw new Error(`cannot create ${file}: ${err.code ?? err.message}`);
  });
  await showNotesBesidePanel(target, file);
}

/** The sweep's runs side by side, as the report's comparison table, in an untitled markdown document. */
async function compareRuns(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const sweep = sweepOf(node, c.tree) ?? await pickSweep(c.tree, 'Compare the runs of which sweep?');
  if (!sweep) return;
  const study = await loadStudy(sweep.dir);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: compareRunsMarkdown(study) });
  await vscode.window.showTextDocument(doc, { preview: false });
}

/** `diffusion-lab report --sweep DIR` in the trainer's Node: writes <sweep dir>/report.ipynb, then opens it. */
async function exportReport(c: CommandContext, node?: ExperimentNode): Promise<vscode.Uri | undefined> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  const sweep = sweepOf(node, c.tree) ?? await pickSweep(c.tree, 'Export which sweep?');
  if (!sweep) return undefined;
  const settings = readSettings(folder);
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Diffusion: exporting ${sweep.name} as a notebook` },
    () => runTrainerCli(['report', '--sweep', sweep.dir], trainerCliOptions(c.context, folder, settings), 600_000));
  const written = r.stdout.trim().split('\n').pop() ?? '';
  if (r.error || !written || !existsSync(written)) {
    const detail = r.stderr.trim().split('\n').slice(-3).join(' ') || r.error || 'it wrote nothing';
    void vscode.window.showErrorMessage(`Export Report for ${sweep.name} failed: ${detail}`);
    return undefined;
  }
  const uri = vscode.Uri.file(written);
  await vscode.commands.executeCommand('vscode.open', uri);
  // It sits in a hidden folder: say where, with the way back to it.
  void vscode.window.showInformationMessage(`Report of ${sweep.name} written to ${vscode.workspace.asRelativePath(uri)}`, 'Open', 'Reveal in Explorer').then(async (choice) => {
    if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', uri);
    if (choice === 'Reveal in Explorer') await vscode.commands.executeCommand('revealInExplorer', uri);
  });
  return uri;
}

async function revealRunFolder(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const target = node?.kind === 'sweep' ? node.sweep.dir : (runOf(node) ?? await pickRun(c.tree, 'Reveal which run?', (r) => r.state !== 'not started'))?.dir;
  if (!target) return;
  const uri = vscode.Uri.file(target);
  // The file explorer when the folder is in the workspace; the OS otherwise (local windows only).
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

async function deleteRun(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const run = runOf(node) ?? await pickRun(c.tree, 'Delete which run?', (r) => r.state !== 'not started');
  if (!run) return;
  if (c.sessions.forRun(run.runId)?.live.has(run.runId) || run.state === 'running') {
    void vscode.window.showWarningMessage(`${run.runId} is running; stop it before deleting it.`);
    return;
  }
  const answer = await vscode.window.showWarningMessage(`Delete run ${run.runId}?`,
    { modal: true, detail: `This removes ${run.dir} with its metrics, checkpoints, images and notes.` }, 'Delete');
  if (answer !== 'Delete') return;
  await fs.rm(run.dir, { recursive: true, force: true });
  await c.tree.reload();
}
