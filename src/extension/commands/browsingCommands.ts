// The commands on results that exist: Open Results Panel, Open Notes, Compare Runs, Export
// Report, Reveal Run Folder, Delete Run and Refresh. None starts a trainer, so all but
// Export Report work in an untrusted workspace.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PanelTarget } from '../../shared/panelMessages';
import { RUN_FILES } from '../../shared/runDirectory';
import type { ExperimentNode } from '../experimentsTree';
import { openResultsPanel } from '../panel/registerResultsPanel';
import { readSettings } from '../settings';
import { runTrainerCli } from '../trainerCli';
import { pickRun, pickSweep, requireFolder, requireTrust, runOf, sweepOf, trainerCliOptions, type CommandContext } from './commandContext';
import { loadStudy } from '../../shared/runReading/loadStudy';
import { compareRunsMarkdown } from './compareRunsTable';

export function browsingCommands(c: CommandContext) {
  return {
    openResultsPanel: (node?: ExperimentNode) => openResults(c, node),
    openNotes: (node?: ExperimentNode) => openNotes(c, node),
    compareRuns: (node?: ExperimentNode) => compareRuns(c, node),
    exportReport: (node?: ExperimentNode) => exportReport(c, node),
    revealRunFolder: (node?: ExperimentNode) => revealRunFolder(c, node),
    deleteRun: (node?: ExperimentNode) => deleteRun(c, node),
    refresh: () => c.tree.reload(),
  };
}

/** The results panel (issue 6) of the run, or of the whole sweep when invoked on one. */
async function openResults(c: CommandContext, node?: ExperimentNode): Promise<void> {
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
  const x = c.tree.experiments ?? await c.tree.reload();
  const sweeps = (x?.sweeps ?? []).filter((s) => !s.error);
  const runs = [...(x?.sweeps.flatMap((s) => s.runs) ?? []), ...(x?.singleRuns ?? [])].filter((r) => r.state !== 'not started');
  if (sweeps.length + runs.length === 0) {
    void vscode.window.showInformationMessage('There are no results yet: Diffusion: Run Sweep starts a sweep.');
    return;
  }
  type Pick = vscode.QuickPickItem & { target?: PanelTarget };
  const items: Pick[] = [
    ...(sweeps.length ? [{ label: 'Sweeps', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...sweeps.map((s): Pick => ({ label: s.name, description: `sweep · ${s.runs.length} runs`, target: { kind: 'sweep', sweepDir: s.dir } })),
    ...(runs.length ? [{ label: 'Runs', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...runs.map((r): Pick => ({ label: r.runId, description: r.state, target: { kind: 'run', runDir: r.dir } })),
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Open Results Panel', placeHolder: 'Results of which sweep or run?' });
  if (picked?.target) openResultsPanel(picked.target);
}

/** Opens notes.md in a text editor; the results panel opens beside it (panel/registerResultsPanel.ts). */
async function openNotes(c: CommandContext, node?: ExperimentNode): Promise<void> {
  let dir: string | undefined;
  let title: string | undefined;
  if (node?.kind === 'sweep') [dir, title] = [node.sweep.dir, `Notes: sweep ${node.sweep.name}`];
  else {
    const run = runOf(node) ?? await pickRun(c.tree, 'Notes of which run?', (r) => r.state !== 'not started');
    if (run) [dir, title] = [run.dir, `Notes: run ${run.runId}`];
  }
  if (!dir || !title) return;
  const file = path.join(dir, RUN_FILES.notes);
  // 'wx': a notes file that exists is never rewritten.
  await fs.writeFile(file, `# ${title}\n\n`, { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw new Error(`cannot create ${file}: ${err.code ?? err.message}`);
  });
  await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
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
