// The "Diffusion" commands. Each takes the tree node it was invoked on (context menu) or,
// from the palette, asks which sweep or run is meant.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ACTIVATIONS, LOSSES, PRESETS } from '../shared/options';
import type { PanelTarget } from '../shared/panelMessages';
import { ConfigError, resolveRunConfig } from '../shared/runConfig';
import { RUN_FILES } from '../shared/runDirectory';
import { environmentReport } from './environmentReport';
import { nativeBackendDir } from './installGpuBackend';
import { describeVaried, formatDuration, type RunEntry, type SweepEntry } from './experimentsModel';
import type { ExperimentNode, ExperimentsTree } from './experimentsTree';
import type { TrainingSessions } from './sessions';
import { readSettings, type DiffusionSettings } from './settings';
import { runTrainerCli, type TrainerCliOptions } from './trainerCli';
import { openResultsPanel } from './panel/registerResultsPanel';
import type { TrainerLaunch } from './trainerProcess';

export const COMMAND_IDS = {
  runSweep: 'diffusion.runSweep',
  trainSingleRun: 'diffusion.trainSingleRun',
  stopRun: 'diffusion.stopRun',
  stopSweep: 'diffusion.stopSweep',
  resumeSweep: 'diffusion.resumeSweep',
  openResultsPanel: 'diffusion.openResultsPanel',
  openNotes: 'diffusion.openNotes',
  exportReport: 'diffusion.exportReport',
  compareRuns: 'diffusion.compareRuns',
  deleteRun: 'diffusion.deleteRun',
  revealRunFolder: 'diffusion.revealRunFolder',
  checkEnvironment: 'diffusion.checkEnvironment',
  createSweepFromTemplate: 'diffusion.createSweepFromTemplate',
  runDemo: 'diffusion.runDemo',
  refresh: 'diffusion.refreshExperiments',
} as const;

export class Commands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly sessions: TrainingSessions,
    private readonly tree: ExperimentsTree,
  ) {}

  register(): vscode.Disposable[] {
    const c = COMMAND_IDS;
    const handlers: Record<string, (...args: never[]) => unknown> = {
      [c.runSweep]: (uri?: vscode.Uri) => this.runSweep(uri),
      [c.trainSingleRun]: () => this.trainSingleRun(),
      [c.stopRun]: (node?: ExperimentNode) => this.stopRun(node),
      [c.stopSweep]: (node?: ExperimentNode) => this.stopSweep(node),
      [c.resumeSweep]: (node?: ExperimentNode) => this.resumeSweep(node),
      [c.openResultsPanel]: (node?: ExperimentNode) => this.openResults(node),
      [c.openNotes]: (node?: ExperimentNode) => this.openNotes(node),
      [c.exportReport]: (node?: ExperimentNode) => this.exportReport(node),
      [c.compareRuns]: (node?: ExperimentNode) => this.compareRuns(node),
      [c.deleteRun]: (node?: ExperimentNode) => this.deleteRun(node),
      [c.revealRunFolder]: (node?: ExperimentNode) => this.revealRunFolder(node),
      [c.checkEnvironment]: () => this.checkEnvironment(),
      [c.createSweepFromTemplate]: () => this.createSweepFromTemplate(),
      [c.runDemo]: () => this.runDemo(),
      [c.refresh]: () => this.tree.reload(),
    };
    return Object.entries(handlers).map(([id, fn]) => vscode.commands.registerCommand(id, async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        void vscode.window.showErrorMessage(`Diffusion: ${(err as Error).message}`);
        return undefined;
      }
    }));
  }

  // ---- training -------------------------------------------------------------------------

  /** Returns the session started, or undefined when nothing was started (and the person was told why). */
  async runSweep(uri?: vscode.Uri): Promise<unknown> {
    const folder = requireFolder();
    if (!folder || !(await requireTrust())) return undefined;
    const file = uri?.fsPath ?? await this.pickSweepFile(folder);
    if (!file) return undefined;
    return this.startSweep(folder, file);
  }

  private async startSweep(folder: vscode.WorkspaceFolder, file: string): Promise<unknown> {
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(file));
    if (open?.isDirty) await open.save();
    const running = this.sessions.forSweepFile(file);
    if (running) {
      void vscode.window.showInformationMessage(`Sweep ${running.name} is already running in this window.`);
      return undefined;
    }
    const settings = readSettings(folder);
    return this.sessions.start(this.launch(folder, settings),
      { type: 'sweep', file: path.resolve(file), outDir: settings.outputDirectory, ...(settings.maxParallelRuns > 0 ? { maxParallelRuns: settings.maxParallelRuns } : {}) },
      path.basename(file).replace(/\.sweep\.json$/, ''), settings.stopTimeoutSeconds * 1000);
  }

  /** The active editor's sweep file, else one picked from the workspace's; none: a template. */
  private async pickSweepFile(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === 'file' && active.fsPath.endsWith('.sweep.json')) return active.fsPath;
    const files = (await vscode.workspace.findFiles('**/*.sweep.json', '**/node_modules/**', 200)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    if (files.length === 0) {
      const created = await this.createSweepFromTemplate('No sweep file in the workspace yet: start from a template');
      return created?.fsPath;
    }
    const picked = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)), uri: f })),
      { title: 'Run Sweep', placeHolder: 'Which sweep file?' });
    void folder;
    return picked?.uri.fsPath;
  }

  async trainSingleRun(): Promise<unknown> {
    const folder = requireFolder();
    if (!folder || !(await requireTrust())) return undefined;
    const settings = readSettings(folder);
    const pick = async <T extends string | number>(title: string, values: readonly T[], first: T): Promise<T | undefined> => {
      const items = [first, ...values.filter((v) => v !== first)].map((v) => ({ label: String(v), value: v }));
      return (await vscode.window.showQuickPick(items, { title: `Train Single Run: ${title}` }))?.value;
    };
    const preset = await pick('model', PRESETS, 'small');
    const imgSize = preset && await pick('image size (px)', [16, 32, 64, 128], 32);
    const timesteps = imgSize && await pick('timesteps T', [250, 300, 350], 300);
    const batchSize = timesteps && await pick('batch size', [64, 128, 256], 128);
    const activation = batchSize && await pick('activation', ACTIVATIONS, 'relu');
    const loss = activation && await pick('loss', LOSSES, 'l1');
    const epochs = loss && await vscode.window.showInputBox({
      title: 'Train Single Run: epochs', value: '20',
      validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'a whole number of epochs, 1 or more'),
    });
    if (!preset || !imgSize || !timesteps || !batchSize || !activation || !loss || !epochs) return undefined;
    if (settings.dataset !== 'toy-cars' && !existsSync(path.resolve(folder.uri.fsPath, settings.dataset))) {
      void vscode.window.showErrorMessage(`The dataset folder in diffusion.dataset does not exist: ${settings.dataset}`);
      return undefined;
    }
    let config;
    try {
      config = resolveRunConfig({ preset, imgSize, timesteps, batchSize, activation, loss, epochs: Number(epochs), dataset: settings.dataset, backend: settings.backend });
    } catch (err) {
      if (err instanceof ConfigError) {
        void vscode.window.showErrorMessage(err.message);
        return undefined;
      }
      throw err;
    }
    return this.sessions.start(this.launch(folder, settings), { type: 'train', config, outDir: settings.outputDirectory },
      `T${timesteps} ${imgSize}px b${batchSize} ${activation} ${loss}`, settings.stopTimeoutSeconds * 1000);
  }

  async stopRun(node?: ExperimentNode): Promise<void> {
    const run = runOf(node) ?? await this.pickRun('Stop which run?', (r) => r.state === 'running' || r.state === 'queued');
    if (!run) return;
    const session = this.sessions.forRun(run.runId);
    if (!session) {
      const pid = run.status?.pid;
      void vscode.window.showWarningMessage(`${run.runId} is not being trained from this window${pid ? ` (status.json names process ${pid}: stop it where it was started)` : ''}.`);
      return;
    }
    session.stop(run.runId);
  }

  async stopSweep(node?: ExperimentNode): Promise<void> {
    let session = node?.kind === 'sweep' ? this.sessions.forSweep(node.sweep.sweepId) : undefined;
    if (!session) {
      const running = this.sessions.all;
      if (running.length === 0) {
        void vscode.window.showInformationMessage('No sweep is running in this window.');
        return;
      }
      session = running.length === 1 ? running[0] : (await vscode.window.showQuickPick(running.map((s) => ({ label: s.name, session: s })), { title: 'Stop which sweep?' }))?.session;
    }
    session?.stop();
  }

  async resumeSweep(node?: ExperimentNode): Promise<unknown> {
    const folder = requireFolder();
    if (!folder || !(await requireTrust())) return undefined;
    if (node?.kind === 'run' && !node.sweepId) {
      const settings = readSettings(folder);
      return this.sessions.start(this.launch(folder, settings), { type: 'resume', runDir: node.run.dir }, node.run.runId, settings.stopTimeoutSeconds * 1000);
    }
    const sweep = sweepOf(node, this.tree) ?? await this.pickSweep('Resume which sweep?');
    if (!sweep) return undefined;
    if (!sweep.source || !existsSync(sweep.source)) {
      void vscode.window.showErrorMessage(`The sweep file of ${sweep.name} is gone${sweep.source ? ` (${sweep.source})` : ''}; Resume Sweep runs that file again.`);
      return undefined;
    }
    return this.startSweep(folder, sweep.source);
  }

  async runDemo(): Promise<unknown> {
    const folder = requireFolder();
    if (!folder || !(await requireTrust())) return undefined;
    const target = path.join(folder.uri.fsPath, 'demo.sweep.json');
    if (!existsSync(target)) {
      const created = await this.writeTemplate(folder, 'demo.sweep.json');
      if (!created) return undefined;
    }
    await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: true });
    return this.startSweep(folder, target);
  }

  // ---- browsing -------------------------------------------------------------------------

  /** The results panel (issue 6) of the run, or of the whole sweep when invoked on one. */
  async openResults(node?: ExperimentNode): Promise<void> {
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
    const x = this.tree.experiments ?? await this.tree.reload();
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
  async openNotes(node?: ExperimentNode): Promise<void> {
    let dir: string | undefined;
    let title: string | undefined;
    if (node?.kind === 'sweep') [dir, title] = [node.sweep.dir, `Notes: sweep ${node.sweep.name}`];
    else {
      const run = runOf(node) ?? await this.pickRun('Notes of which run?', (r) => r.state !== 'not started');
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

  /** A markdown table of a sweep's runs: the varied fields, state, final loss and time. */
  async compareRuns(node?: ExperimentNode): Promise<void> {
    const sweep = sweepOf(node, this.tree) ?? await this.pickSweep('Compare the runs of which sweep?');
    if (!sweep) return;
    const fields = sweep.variedFields;
    const rows = sweep.runs.map((r) => [r.runId, ...fields.map((f) => fmt(r.varied[f])), r.state,
      r.finalLoss === undefined ? '' : r.finalLoss.toFixed(4), r.totalMs === undefined ? '' : formatDuration(r.totalMs)]);
    const best = sweep.runs.filter((r) => r.finalLoss !== undefined).sort((a, b) => a.finalLoss! - b.finalLoss!)[0];
    const content = [`# ${sweep.name}: runs compared`, '', sweep.description ?? '', '',
      `| run | ${fields.join(' | ')}${fields.length ? ' | ' : ''}state | final loss | time |`,
      `|---|${fields.map(() => '---|').join('')}---|---:|---:|`,
      ...rows.map((r) => `| ${r.join(' | ')} |`), '',
      best ? `Lowest final loss: **${describeVaried(best)}** (${best.finalLoss!.toFixed(4)}).` : 'No run has finished a step yet.',
      '', 'Final loss: mean training loss over the last epoch. Time: wall time over every session of the run.', ''].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: false });
  }

  /** `diffusion-lab report --sweep DIR` in the trainer's Node: writes <sweep dir>/report.ipynb, then opens it. */
  async exportReport(node?: ExperimentNode): Promise<vscode.Uri | undefined> {
    const folder = requireFolder();
    if (!folder || !(await requireTrust())) return undefined;
    const sweep = sweepOf(node, this.tree) ?? await this.pickSweep('Export which sweep?');
    if (!sweep) return undefined;
    const settings = readSettings(folder);
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Diffusion: exporting ${sweep.name} as a notebook` },
      () => runTrainerCli(['report', '--sweep', sweep.dir], this.cliOptions(folder, settings), 600_000));
    const written = r.stdout.trim().split('\n').pop() ?? '';
    if (r.error || !written || !existsSync(written)) {
      const detail = r.stderr.trim().split('\n').slice(-3).join(' ') || r.error || 'it wrote nothing';
      void vscode.window.showErrorMessage(`Export Report for ${sweep.name} failed: ${detail}`);
      return undefined;
    }
    const uri = vscode.Uri.file(written);
    await vscode.commands.executeCommand('vscode.open', uri);
    return uri;
  }

  async deleteRun(node?: ExperimentNode): Promise<void> {
    const run = runOf(node) ?? await this.pickRun('Delete which run?', (r) => r.state !== 'not started');
    if (!run) return;
    if (this.sessions.forRun(run.runId)?.live.has(run.runId) || run.state === 'running') {
      void vscode.window.showWarningMessage(`${run.runId} is running; stop it before deleting it.`);
      return;
    }
    const answer = await vscode.window.showWarningMessage(`Delete run ${run.runId}?`,
      { modal: true, detail: `This removes ${run.dir} with its metrics, checkpoints, images and notes.` }, 'Delete');
    if (answer !== 'Delete') return;
    await fs.rm(run.dir, { recursive: true, force: true });
    await this.tree.reload();
  }

  async revealRunFolder(node?: ExperimentNode): Promise<void> {
    const target = node?.kind === 'sweep' ? node.sweep.dir : (runOf(node) ?? await this.pickRun('Reveal which run?', (r) => r.state !== 'not started'))?.dir;
    if (!target) return;
    const uri = vscode.Uri.file(target);
    // The file explorer when the folder is in the workspace; the OS otherwise (local windows only).
    if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  }

  async checkEnvironment(): Promise<vscode.TextDocument | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const settings = folder ? readSettings(folder) : undefined;
    if (!vscode.workspace.isTrusted && settings?.nodePath) {
      void vscode.window.showWarningMessage('Check Environment runs diffusion.nodePath, which this untrusted workspace may set; trust the workspace first.');
      return undefined;
    }
    const content = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Diffusion: checking the trainer\'s environment' },
      () => environmentReport({
        cli: this.context.asAbsolutePath(path.join('dist', 'cli.js')),
        ...(settings?.nodePath ? { nodePath: settings.nodePath } : {}),
        cwd: folder?.uri.fsPath ?? this.context.extensionPath,
        env: this.trainerEnv(),
        backendDir: this.backendDir(),
      }));
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  /** Copies a shipped template into the workspace (never over an existing file) and opens it. */
  async createSweepFromTemplate(title = 'Create a sweep from a template'): Promise<vscode.Uri | undefined> {
    const folder = requireFolder();
    if (!folder) return undefined;
    let templates: Awaited<ReturnType<Commands['templates']>>;
    try {
      templates = await this.templates();
    } catch (err) {
      // The extension's own files: a broken install, said as such rather than an empty picker.
      void vscode.window.showErrorMessage(`Diffusion Lab cannot read its sweep templates: ${(err as Error).message}. Reinstalling the extension restores them.`);
      return undefined;
    }
    if (templates.length === 0) {
      void vscode.window.showErrorMessage(`Diffusion Lab has no sweep templates in ${this.context.asAbsolutePath('sweeps')}. Reinstalling the extension restores them.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(templates.map((t) => ({ label: t.name, detail: t.description, file: t.file })), { title, matchOnDetail: true });
    if (!picked) return undefined;
    const uri = await this.writeTemplate(folder, path.basename(picked.file));
    if (uri) await vscode.window.showTextDocument(uri, { preview: false });
    return uri;
  }

  // ---- helpers --------------------------------------------------------------------------

  private async templates(): Promise<Array<{ name: string; description: string; file: string }>> {
    const dir = this.context.asAbsolutePath('sweeps');
    const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.sweep.json')).sort();
    return Promise.all(names.map(async (name) => {
      const file = path.join(dir, name);
      let spec: { description?: string };
      try {
        spec = JSON.parse(await fs.readFile(file, 'utf8')) as { description?: string };
      } catch (err) {
        throw new Error(`${file}: ${(err as Error).message}`);
      }
      return { name: name.replace(/\.sweep\.json$/, ''), description: spec.description ?? '', file };
    }));
  }

  /** The template with the editor's $schema removed (jsonValidation supplies it) and dataset/backend settings filled in. */
  private async writeTemplate(folder: vscode.WorkspaceFolder, name: string): Promise<vscode.Uri | undefined> {
    const source = this.context.asAbsolutePath(path.join('sweeps', name));
    if (!existsSync(source)) {
      void vscode.window.showErrorMessage(`The extension has no template ${name}.`);
      return undefined;
    }
    const spec = JSON.parse(await fs.readFile(source, 'utf8')) as Record<string, unknown> & { base?: Record<string, unknown> };
    delete spec.$schema;
    const settings = readSettings(folder);
    if (settings.dataset !== 'toy-cars') spec.base = { ...spec.base, dataset: settings.dataset };
    if (settings.backend !== 'auto') spec.base = { ...spec.base, backend: settings.backend };
    const stem = name.replace(/\.sweep\.json$/, '');
    let target = path.join(folder.uri.fsPath, name);
    for (let i = 2; existsSync(target); i++) target = path.join(folder.uri.fsPath, `${stem}-${i}.sweep.json`);
    if (path.basename(target) !== name) spec.name = path.basename(target).replace(/\.sweep\.json$/, '');
    await fs.writeFile(target, JSON.stringify(spec, null, 2) + '\n', { flag: 'wx' });
    return vscode.Uri.file(target);
  }

  private backendDir(): string {
    return nativeBackendDir(this.context);
  }

  private trainerEnv(): Record<string, string> {
    return existsSync(this.backendDir()) ? { DIFFUSION_LAB_BACKEND_DIR: this.backendDir() } : {};
  }

  private cliOptions(folder: vscode.WorkspaceFolder, settings: DiffusionSettings): TrainerCliOptions {
    return {
      cli: this.context.asAbsolutePath(path.join('dist', 'cli.js')),
      ...(settings.nodePath ? { nodePath: settings.nodePath } : {}),
      cwd: folder.uri.fsPath,
      env: this.trainerEnv(),
    };
  }

  launch(folder: vscode.WorkspaceFolder, settings: DiffusionSettings): TrainerLaunch {
    return {
      script: this.context.asAbsolutePath(path.join('dist', 'trainer.js')),
      ...(settings.nodePath ? { nodePath: settings.nodePath } : {}),
      cwd: folder.uri.fsPath,
      env: this.trainerEnv(),
    };
  }

  private async pickSweep(title: string): Promise<SweepEntry | undefined> {
    const sweeps = (this.tree.experiments ?? await this.tree.reload())?.sweeps ?? [];
    if (sweeps.length === 0) {
      void vscode.window.showInformationMessage('There are no sweeps yet: Diffusion: Run Sweep starts one.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(sweeps.map((s) => ({ label: s.name, description: `${s.runs.length} runs`, sweep: s })), { title }))?.sweep;
  }

  private async pickRun(title: string, filter: (r: RunEntry) => boolean): Promise<RunEntry | undefined> {
    const x = this.tree.experiments ?? await this.tree.reload();
    const runs = [...(x?.sweeps.flatMap((s) => s.runs) ?? []), ...(x?.singleRuns ?? [])].filter(filter);
    if (runs.length === 0) {
      void vscode.window.showInformationMessage('No run fits.');
      return undefined;
    }
    return (await vscode.window.showQuickPick(runs.map((r) => ({ label: r.runId, description: r.state, run: r })), { title }))?.run;
  }
}

function runOf(node: ExperimentNode | undefined): RunEntry | undefined {
  return node?.kind === 'run' || node?.kind === 'file' ? node.run : undefined;
}

function sweepOf(node: ExperimentNode | undefined, tree: ExperimentsTree): SweepEntry | undefined {
  if (node?.kind === 'sweep') return node.sweep;
  if (node?.kind === 'run' && node.sweepId) return tree.experiments?.sweeps.find((s) => s.sweepId === node.sweepId);
  return undefined;
}

function requireFolder(): vscode.WorkspaceFolder | undefined {
  const folders = vscode.workspace.workspaceFolders;
  if (!folders || folders.length === 0) {
    void vscode.window.showErrorMessage('Diffusion Lab needs a folder: open one (File > Open Folder), then run the command again.');
    return undefined;
  }
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) || folders[0];
}

async function requireTrust(): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const answer = await vscode.window.showWarningMessage('Training runs code from this workspace\'s settings and sweep files; trust the workspace to train. Browsing results works without it.', 'Manage Workspace Trust');
  if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}

function fmt(v: unknown): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
}
