// The Experiments view: sweeps -> runs -> their files, read from the output directory
// (experimentsModel) and read again, debounced, when files change there or a run starts or
// ends. A running run's phase and step come from the live stream, repainted once a second.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES } from '../shared/runDirectory';
import { formatDuration } from '../shared/formatting';
import { FINAL_LOSS } from '../shared/lossNames';
import { escapeMd, runTooltipMarkdown } from './runTooltip';
import { annotationMarks, MetricsCache, readExperiments, runName, type Experiments, type RunEntry, type SweepEntry } from './experimentsModel';
import type { TrainingSessions } from './sessions';
import { hasPendingSlurmJob, offersSlurmLog, slurmTaskLabel } from './slurmRuns';
import { PHASE_WORDS } from './sweepProgress';
import type { RunProgress } from './trainingSession';

export type ExperimentNode =
  | { kind: 'sweep'; sweep: SweepEntry }
  | { kind: 'group'; label: string; runs: RunEntry[] }
  | { kind: 'run'; run: RunEntry; sweepId?: string }
  | { kind: 'file'; run: RunEntry; label: string; file: string; isFolder?: boolean; missing?: boolean };

const REFRESH_DEBOUNCE_MS = 300;
/** A step count that follows the run, without repainting the tree at every step. */
const REPAINT_EVERY_MS = 1000;

export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExperimentNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly cache = new MetricsCache();
  private snapshot: Experiments | undefined;
  private loading: Promise<Experiments> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private repaintTimer: NodeJS.Timeout | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly loaded = new vscode.EventEmitter<Experiments>();
  /** Fires after each reload from disk (tests wait on it). */
  readonly onDidLoad = this.loaded.event;

  constructor(private outDir: string | undefined, private readonly sessions: TrainingSessions) {
    this.disposables.push(sessions.onDidChange((e) => {
      // Progress within a run changes no file the tree lists: repaint from the live stream.
      if (e?.type === 'step' || e?.type === 'phase' || e?.type === 'data-progress') this.scheduleRepaint();
      else this.scheduleRefresh();
    }));
    this.watch();
  }

  /** The output directory moved (setting changed, folder opened). */
  setOutputDirectory(outDir: string | undefined): void {
    if (outDir === this.outDir) return;
    this.outDir = outDir;
    this.watch();
    this.refresh();
  }

  get experiments(): Experiments | undefined {
    return this.snapshot;
  }

  /** Reads the disk again now; resolves with what was read. */
  async reload(): Promise<Experiments | undefined> {
    this.snapshot = undefined;
    this.loading = undefined;
    this.changed.fire(undefined);
    return this.load();
  }

  refresh(): void {
    this.snapshot = undefined;
    this.loading = undefined;
    this.changed.fire(undefined);
  }

  scheduleRefresh(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, REFRESH_DEBOUNCE_MS);
  }

  /** Asks for the items again from what was read (getTreeItem reads the live progress). */
  private scheduleRepaint(): void {
    if (this.repaintTimer) return;
    this.repaintTimer = setTimeout(() => {
      this.repaintTimer = undefined;
      this.changed.fire(undefined);
    }, REPAINT_EVERY_MS);
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    switch (node.kind) {
      case 'sweep':
        return this.sweepItem(node.sweep);
      case 'group': {
        const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `group:${node.label}`;
        item.iconPath = new vscode.ThemeIcon('list-flat');
        item.contextValue = 'group';
        return item;
      }
      case 'run':
        return this.runItem(node.run, node.sweepId);
      case 'file':
        return fileItem(node);
    }
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    if (!node) {
      const x = await this.load();
      if (!x) return [];
      const nodes: ExperimentNode[] = x.sweeps.map((sweep) => ({ kind: 'sweep', sweep }));
      if (x.singleRuns.length > 0) nodes.push({ kind: 'group', label: 'Single runs', runs: x.singleRuns });
      return nodes;
    }
    switch (node.kind) {
      case 'sweep':
        return node.sweep.runs.map((run) => ({ kind: 'run', run, sweepId: node.sweep.sweepId }));
      case 'group':
        return node.runs.map((run) => ({ kind: 'run', run }));
      case 'run':
        return runFiles(node.run);
      case 'file':
        return node.isFolder ? node.run.samples.map((f) => ({ kind: 'file', run: node.run, label: f, file: path.join(node.run.dir, RUN_FILES.samples, f) })) : [];
    }
  }

  getParent(): undefined {
    return undefined;
  }

  private async load(): Promise<Experiments | undefined> {
    if (!this.outDir) return undefined;
    if (this.snapshot) return this.snapshot;
    const outDir = this.outDir;
    this.loading ??= readExperiments(outDir, this.cache);
    const loading = this.loading;
    const x = await loading;
    if (this.loading === loading) {
      this.snapshot = x;
      void vscode.commands.executeCommand('setContext', 'diffusion.hasExperiments', x.sweeps.length + x.singleRuns.length > 0);
      this.loaded.fire(x);
    }
    return x;
  }

  private sweepItem(sweep: SweepEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(sweep.name, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `sweep:${sweep.sweepId}`;
    const session = this.sessions.forSweep(sweep.sweepId);
    // A Slurm job with runs to train counts as running: Stop Sweep cancels it.
    const inSlurm = hasPendingSlurmJob(sweep);
    item.description = sweep.error ? 'unreadable' : [describeSweepRuns(sweep), inSlurm ? `Slurm job ${sweep.slurm!.jobId}` : ''].filter(Boolean).join(' · ');
    item.iconPath = new vscode.ThemeIcon(sweep.error ? 'warning' : session || inSlurm ? 'loading~spin' : 'beaker');
    item.tooltip = new vscode.MarkdownString(sweep.error
      ? `**${sweep.sweepId}**: ${escapeMd(sweep.error)}`
      : [`**${escapeMd(sweep.name)}**`, sweep.description ? escapeMd(sweep.description) : '', sweep.source ? `Sweep file: \`${sweep.source}\`` : '',
        sweep.variedFields.length ? `Varied: ${sweep.variedFields.join(', ')}` : ''].filter(Boolean).join('\n\n'));
    item.contextValue = session || inSlurm ? 'sweep.running' : 'sweep.idle';
    return item;
  }

  private runItem(run: RunEntry, sweepId: string | undefined): vscode.TreeItem {
    const item = new vscode.TreeItem(runName(run),
      run.state === 'not started' ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${sweepId ?? ''}/${run.runId}`;
    item.description = [annotationMarks(run), describeRun(run, this.activeRun(run.runId))].filter(Boolean).join(' · ');
    item.iconPath = stateIcon(run.state);
    item.tooltip = runTooltip(run);
    // A click opens the run's panel (the twistie still shows its files); a run not started has none.
    if (run.state !== 'not started') item.command = { command: 'diffusion.openResultsPanel', title: 'Open Results Panel', arguments: [{ kind: 'run', run, sweepId }] };
    // `.slurm` offers Open Slurm Log; `.starred` picks Unstar over Star in the menus.
    item.contextValue = `run.${run.state.replace(' ', '-')}${offersSlurmLog(run) ? '.slurm' : ''}${run.annotations?.starred ? '.starred' : ''}`;
    item.resourceUri = vscode.Uri.file(run.dir);
    return item;
  }

  private activeRun(runId: string): RunProgress | undefined {
    for (const s of this.sessions.all) {
      const r = s.progress.get(runId);
      if (r?.state === 'active') return r;
    }
    return undefined;
  }

  private watch(): void {
    this.watcher?.dispose();
    this.watcher = undefined;
    if (!this.outDir) return;
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(this.outDir), '**/*'));
    w.onDidCreate(() => this.scheduleRefresh());
    w.onDidChange(() => this.scheduleRefresh());
    w.onDidDelete(() => this.scheduleRefresh());
    this.watcher = w;
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.repaintTimer);
    this.watcher?.dispose();
    this.changed.dispose();
    this.loaded.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** `final loss 0.0712 · 1m02s` when done; `training · step 12/30 · ETA 40s` or `sampling` while its trainer works on it. */
/** `3 runs · 2 done, 1 queued`: the sweep's row, and its line in pickers. */
export function describeSweepRuns(sweep: SweepEntry): string {
  const counts = new Map<string, number>();
  for (const r of sweep.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  return `${sweep.runs.length} runs · ${[...counts].map(([state, n]) => `${n} ${state}`).join(', ')}`;
}

export function describeRun(run: RunEntry, active?: RunProgress): string {
  if (active) {
    if (!active.phase) return 'starting';
    const parts = [PHASE_WORDS[active.phase] ?? active.phase];
    if (active.phase === 'training' && active.totalSteps !== undefined) {
      parts.push(`step ${active.step}/${active.totalSteps}`);
      if (active.etaMs) parts.push(`ETA ${formatDuration(active.etaMs)}`);
    }
    return parts.join(' · ');
  }
  if (run.state === 'unreadable') return 'unreadable';
  if (run.state === 'not started') return 'not started';
  // Trained by Slurm: the task, until it is done.
  const task = run.state === 'queued' || run.state === 'running' ? slurmTaskLabel(run) : undefined;
  if (run.state === 'running') return [`step ${run.status?.step ?? 0}/${run.status?.totalSteps ?? 0}`, task].filter(Boolean).join(' · ');
  const parts: string[] = [];
  if (run.state !== 'done') parts.push(run.state);
  if (task) parts.push(task);
  if (run.finalLoss !== undefined) parts.push(`${FINAL_LOSS.label} ${run.finalLoss.toFixed(4)}`);
  if (run.totalMs !== undefined) parts.push(formatDuration(run.totalMs));
  if (run.state === 'failed' && run.status?.error) parts.push(run.status.error.message.split('\n')[0]!.slice(0, 80));
  return parts.join(' · ');
}

function stateIcon(state: RunEntry['state']): vscode.ThemeIcon {
  switch (state) {
    case 'running': return new vscode.ThemeIcon('loading~spin');
    case 'done': return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'failed': return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
    case 'cancelled': return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('testing.iconSkipped'));
    case 'queued': return new vscode.ThemeIcon('clock');
    case 'unreadable': return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    case 'interrupted': return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('list.warningForeground'));
    case 'not started': return new vscode.ThemeIcon('circle-outline');
  }
}

function runTooltip(run: RunEntry): vscode.MarkdownString {
  return new vscode.MarkdownString(runTooltipMarkdown(run));
}

function runFiles(run: RunEntry): ExperimentNode[] {
  const f = (label: string, name: string, extra: Partial<Extract<ExperimentNode, { kind: 'file' }>> = {}): ExperimentNode =>
    ({ kind: 'file', run, label, file: path.join(run.dir, name), ...extra });
  const nodes: ExperimentNode[] = [f('config', RUN_FILES.config), f('metrics', RUN_FILES.metrics)];
  if (run.hasForwardStrip) nodes.push(f('forward strip', RUN_FILES.forwardStrip));
  if (run.samples.length > 0) nodes.push(f('samples', RUN_FILES.samples, { isFolder: true }));
  nodes.push(f('notes', RUN_FILES.notes, { missing: !run.hasNotes }));
  return nodes;
}

function fileItem(node: Extract<ExperimentNode, { kind: 'file' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, node.isFolder ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `file:${node.file}`;
  item.resourceUri = vscode.Uri.file(node.file);
  item.description = node.missing ? 'new' : path.basename(node.file) === node.label ? undefined : path.basename(node.file);
  item.iconPath = node.isFolder ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
  if (!node.isFolder) {
    item.command = node.label === 'notes'
      ? { command: 'diffusion.openNotes', title: 'Open Notes', arguments: [{ kind: 'run', run: node.run }] }
      : { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(node.file)] };
  }
  item.contextValue = node.label === 'notes' ? 'file.notes' : 'file';
  return item;
}
