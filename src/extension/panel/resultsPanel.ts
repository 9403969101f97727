// One results panel: a webview showing a run or a sweep. Reads everything from the run
// directories (the truth), tails metrics.jsonl for live loss points, hears the trainer's
// events to read sooner, and posts at most ten updates a second to the webview.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../shared/messages';
import {
  isPanelToHostMessage, type AnnotateRunAction, type HostToPanelMessage, type NotesDocument, type NotesDraft, type PanelTab, type PanelTarget,
  type PanelToHostMessage, type PanelViewState, type ChartImageFormat, type RunSummary,
} from '../../shared/panelMessages';
import { RUN_FILES, type MetricRecord } from '../../shared/runDirectory';
import { LossSeries } from './lossSeries';
import { MetricsTail } from '../../shared/runReading/metricsTail';
import { NotesFile, versionOf } from './notesFile';
import { panelHtml } from './panelHtml';
import { readPanelSources, targetKey, type PanelSources } from './panelSources';
import { readRunSummary, type RunPlace } from './runSummary';
import { UpdateBatcher } from './updateBatcher';
import { chartImageFile, type ChartImageFile } from './savedChartImage';
import { csvExportFile } from './csvExport';
import { writeFileAtomic } from '../../shared/atomicFile';

export const RESULTS_VIEW_TYPE = 'diffusion.results';

export interface ResultsPanelContext {
  extensionUri: vscode.Uri;
  /** Where the last view state of each target is kept (workspaceState). */
  memento: vscode.Memento;
  /** Where the smoothing last chosen in any panel is kept (globalState): the next new panel's default. */
  globalMemento: vscode.Memento;
  /** The training sessions' events, when the extension runs any. */
  onTrainerEvent?: (listener: (e: TrainerEvent | null) => void) => vscode.Disposable;
}

/** How often the run directories are looked at when no event says so (CLI runs, other windows). */
const POLL_MS = 1000;

class RunTracker {
  readonly tail: MetricsTail;
  readonly series: LossSeries;
  records: MetricRecord[] = [];
  /** Corrupt lines of metrics.jsonl seen so far. */
  problems: string[] = [];
  signature = '';
  summary: RunSummary | undefined;

  constructor(public place: RunPlace) {
    this.tail = new MetricsTail(path.join(place.dir, RUN_FILES.metrics));
    this.series = new LossSeries(place.runId);
  }
}

export class ResultsPanel implements vscode.Disposable {
  private static readonly open = new Map<string, ResultsPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly trackers = new Map<string, RunTracker>();
  private readonly notes: NotesFile;
  private readonly batcher: UpdateBatcher;
  private readonly poll: NodeJS.Timeout;
  private sources: PanelSources | undefined;
  private ready = false;
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  /** The last disk read's failure, shown in the panel until a read succeeds. */
  private readError: string | undefined;
  private sourcesStale = true;
  private lastSummaryCheck = 0;
  private pendingTab: PanelTab | undefined;
  /** Typing the page has not saved yet (it saves half a second after the last key). */
  private notesDraft: NotesDraft | undefined;
  private disposed = false;

  /** Shows the panel of `target`, creating it if needed. */
  static show(context: ResultsPanelContext, target: PanelTarget, options: { tab?: PanelTab; column?: vscode.ViewColumn; preserveFocus?: boolean } = {}): ResultsPanel {
    const existing = ResultsPanel.open.get(targetKey(target));
    if (existing) {
      existing.panel.reveal(options.column, options.preserveFocus);
      if (options.tab) existing.showTab(options.tab);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(RESULTS_VIEW_TYPE, titleOf(target), { viewColumn: options.column ?? vscode.ViewColumn.Active, preserveFocus: options.preserveFocus ?? false }, {
      enableScripts: true,
      localResourceRoots: resourceRoots(context.extensionUri, target),
    });
    return new ResultsPanel(panel, context, target, options.tab);
  }

  /** A panel VS Code restored after a reload (the serializer). */
  static revive(panel: vscode.WebviewPanel, context: ResultsPanelContext, target: PanelTarget): ResultsPanel {
    panel.webview.options = { enableScripts: true, localResourceRoots: resourceRoots(context.extensionUri, target) };
    return new ResultsPanel(panel, context, target, undefined);
  }

  static forTarget(target: PanelTarget): ResultsPanel | undefined {
    return ResultsPanel.open.get(targetKey(target));
  }

  private constructor(readonly panel: vscode.WebviewPanel, private readonly context: ResultsPanelContext, readonly target: PanelTarget, tab: PanelTab | undefined) {
    ResultsPanel.open.set(targetKey(target), this);
    this.pendingTab = tab;
    this.notes = new NotesFile(target.kind === 'run' ? path.join(target.runDir, RUN_FILES.notes) : path.join(target.sweepDir, RUN_FILES.notes));
    this.batcher = new UpdateBatcher(() => this.flush(), 100);
    // Its strokes are currentColor, which an editor tab's <img> draws black: a light copy for dark themes.
    panel.iconPath = {
      light: vscode.Uri.joinPath(context.extensionUri, 'media', 'diffusion-lab.svg'),
      dark: vscode.Uri.joinPath(context.extensionUri, 'media', 'diffusion-lab-dark.svg'),
    };
    const webview = panel.webview;
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview.css')).toString(),
      title: titleOf(target),
    });
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        // Anything that is not one of ours is dropped: the page is not trusted to be well formed.
        // One of ours that fails (a file to open that is gone, a page left without its data) is shown.
        if (isPanelToHostMessage(m)) this.receive(m).catch((err: Error) => void vscode.window.showErrorMessage(`Diffusion: ${err.message}`));
      }),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // its page is gone; it posts `ready` when shown again
      }),
    );
    if (context.onTrainerEvent) this.disposables.push(context.onTrainerEvent((e) => this.onTrainerEvent(e)));
    this.notes.watch((doc) => this.post({ type: 'notes', doc: this.notesDocument(doc) }));
    this.poll = setInterval(() => this.batcher.request(), POLL_MS);
    this.warmUp();
  }

  /** Reads the run directories while the webview loads its page and script: its `ready` then finds them read. */
  private warmUp(): void {
    void this.readingDisk(() => this.readAll());
  }

  /** One disk read at a time: a flush asked for meanwhile runs once after it. */
  private readingDisk(work: () => Promise<void>): Promise<void> {
    this.flushing = (async () => {
      try {
        await work();
        if (this.readError !== undefined) {
          this.readError = undefined;
          this.post({ type: 'read-error', message: null });
        }
      } catch (err) {
        // Shown in the panel, where it went stale, until a read succeeds again.
        this.readError = (err as Error).message;
        this.post({ type: 'read-error', message: `Could not read the run directories: ${this.readError}` });
      } finally {
        this.flushing = undefined;
        if (this.flushAgain) {
          this.flushAgain = false;
          this.batcher.request();
        }
      }
    })();
    return this.flushing;
  }

  /** Sources, new metrics and changed summaries of every run. */
  private async readAll(): Promise<void> {
    await this.refreshSources();
    await Promise.all([...this.trackers.values()].map((t) => this.readTail(t)));
    await Promise.all([...this.trackers.values()].map((t) => this.refreshSummary(t, false)));
  }

  showTab(tab: PanelTab): void {
    if (this.ready) this.post({ type: 'show-tab', tab });
    else this.pendingTab = tab;
  }

  private onTrainerEvent(e: TrainerEvent | null): void {
    if (e === null) {
      this.sourcesStale = true;
    } else if (e.type.startsWith('sweep-')) {
      this.sourcesStale = true;
    } else if ('runId' in e && !this.trackers.has(e.runId)) {
      return;
    }
    this.batcher.request();
  }

  private async receive(m: PanelToHostMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        await this.sendEverything();
        return;
      case 'notes-draft':
        this.notesDraft = m.draft ?? undefined;
        return;
      case 'save-notes': {
        try {
          const result = await this.notes.save(m.text, m.baseVersion, m.force);
          if (result.kind === 'saved' && this.notesDraft?.text === m.text) this.notesDraft = undefined;
          if (result.kind === 'saved') this.post({ type: 'notes-saved', version: result.version });
          else this.post({ type: 'notes-conflict', disk: this.notesDocument(result) });
        } catch (err) {
          this.post({ type: 'notes-error', message: `Could not save ${this.notes.file}: ${(err as Error).message}` });
        }
        return;
      }
      case 'open': {
        const run = this.trackers.get(m.runId);
        if (!run) return;
        if (m.what === 'folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(run.place.dir));
        else await vscode.window.showTextDocument(vscode.Uri.file(path.join(run.place.dir, m.what === 'notes' ? RUN_FILES.notes : RUN_FILES.metrics)), { viewColumn: vscode.ViewColumn.Beside, preview: true });
        return;
      }
      case 'annotate-run': {
        // The tree's commands do it (the same input boxes, the same file); a run this panel does not show is ignored.
        const run = this.trackers.get(m.runId);
        if (!run) return;
        const target: PanelTarget = { kind: 'run', runDir: run.place.dir };
        await vscode.commands.executeCommand(ANNOTATE_COMMANDS[m.action], target);
        this.lastSummaryCheck = 0; // the star or name shows now, not at the next poll
        this.batcher.request();
        return;
      }
      case 'view-state': {
        // Only this panel's own state: the page cannot write another target's.
        if (targetKey(m.state.target) !== targetKey(this.target)) return;
        // A changed smoothing is a choice; the same one again (a page restored after a reload says its state) is not.
        // Read and both writes before any await: messages are handled concurrently, and a memento takes a write at once.
        const chosen = m.state.smoothing !== this.context.memento.get<PanelViewState>(stateKey(this.target))?.smoothing;
        await Promise.all([
          this.context.memento.update(stateKey(this.target), m.state),
          chosen ? this.context.globalMemento.update(LAST_SMOOTHING_KEY, m.state.smoothing) : undefined,
        ]);
        return;
      }
      case 'save-image':
        await this.saveChartImage(m.format, m.suggestedName, m.data);
        return;
      case 'export-csv':
        await this.exportCsv(m);
        return;
    }
  }

  /** Export CSV of the Compare tab: built here from this panel's runs, saved where the person says (the dialog starts in the run's or sweep's directory). */
  private async exportCsv(m: Extract<PanelToHostMessage, { type: 'export-csv' }>): Promise<void> {
    const runs = [...this.trackers.values()].flatMap((t) => (t.summary ? [t.summary] : []));
    const file = csvExportFile(m, runs, this.sources?.variedFields ?? []); // a bad request throws: receive() shows it
    const dir = this.target.kind === 'run' ? this.target.runDir : this.target.sweepDir;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(dir, file.name)), filters: { 'CSV': ['csv'] }, title: 'Export the comparison as CSV',
    });
    if (!uri) return;
    await writeFileAtomic(uri.fsPath, file.text).catch((err: Error) => {
      throw new Error(`cannot write ${uri.fsPath}: ${err.message}`);
    });
    const saved = `Diffusion: saved ${uri.fsPath} (${file.rows} row${file.rows === 1 ? '' : 's'})`;
    if (file.note) void vscode.window.showWarningMessage(`${saved}: ${file.note}.`);
    else void vscode.window.showInformationMessage(saved);
  }

  /** Save PNG / Save SVG of a chart: a save dialog (in the run's or sweep's directory), then the file. */
  private async saveChartImage(format: ChartImageFormat, suggestedName: string, data: string): Promise<void> {
    let image: ChartImageFile;
    try {
      image = chartImageFile(format, suggestedName, data);
    } catch (err) {
      throw new Error(`cannot save the chart: ${(err as Error).message}`); // receive() shows it
    }
    const dir = this.target.kind === 'run' ? this.target.runDir : this.target.sweepDir;
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(dir, image.name)),
      filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] },
      title: `Save the chart as ${format.toUpperCase()}`,
    });
    if (!uri) return;
    await writeFileAtomic(uri.fsPath, image.bytes).catch((err: Error) => {
      throw new Error(`cannot save the chart as ${uri.fsPath}: ${err.message}`);
    });
    void vscode.window.showInformationMessage(`Diffusion: saved ${uri.fsPath}`);
  }

  /** A page (new, shown again or reloaded) asked for everything. */
  private async sendEverything(): Promise<void> {
    await this.flushing;
    // What changed since the last read (on a new panel: since the reading started at its creation).
    await this.readingDisk(() => this.readAll());
    // Notes that cannot be read still open the panel: empty, and the Notes tab says why.
    let notesProblem: string | undefined;
    const notes = await this.notes.read().catch((err: Error) => {
      notesProblem = `Could not read ${this.notes.file}: ${err.message}`;
      return { text: '', version: versionOf('') };
    });
    const viewState = this.context.memento.get<PanelViewState>(stateKey(this.target));
    const lastSmoothing = this.context.globalMemento.get<unknown>(LAST_SMOOTHING_KEY);
    const tab = this.pendingTab;
    this.pendingTab = undefined;
    this.ready = true;
    this.post({
      type: 'init', target: this.target, title: this.sources?.title ?? titleOf(this.target),
      variedFields: this.sources?.variedFields ?? [],
      runs: [...this.trackers.values()].map((t) => t.summary!).filter(Boolean),
      notes: this.notesDocument(notes),
      ...(tab ? { tab } : {}),
      ...(viewState ? { viewState } : {}),
      ...(typeof lastSmoothing === 'number' && lastSmoothing >= 0 && lastSmoothing < 1 ? { lastSmoothing } : {}),
    });
    if (this.readError !== undefined) this.post({ type: 'read-error', message: `Could not read the run directories: ${this.readError}` });
    if (notesProblem !== undefined) this.post({ type: 'notes-error', message: notesProblem });
    for (const t of this.trackers.values()) t.series.resend();
    this.postPoints();
  }

  private flush(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    return this.readingDisk(async () => {
      if (this.sourcesStale || this.target.kind === 'sweep') await this.refreshSources();
      const changed: RunSummary[] = [];
      const checkSummaries = Date.now() - this.lastSummaryCheck >= POLL_MS;
      if (checkSummaries) this.lastSummaryCheck = Date.now();
      for (const t of this.trackers.values()) {
        const nonStep = await this.readTail(t);
        if ((nonStep || checkSummaries || !t.summary) && await this.refreshSummary(t, false)) changed.push(t.summary!);
      }
      if (!this.ready || this.disposed) return;
      if (changed.length > 0) this.post({ type: 'runs', runs: changed, variedFields: this.sources?.variedFields ?? [] });
      this.postPoints();
    });
  }

  private async refreshSources(): Promise<void> {
    this.sourcesStale = false;
    this.sources = await readPanelSources(this.target);
    // The sweep's own name (compare-T), not its directory's (compare-t).
    const title = this.target.kind === 'sweep' ? `Sweep ${this.sources.title}` : titleOf(this.target);
    if (!this.disposed && this.panel.title !== title) this.panel.title = title;
    for (const place of this.sources.runs) {
      const existing = this.trackers.get(place.runId);
      if (existing) existing.place = place;
      else this.trackers.set(place.runId, new RunTracker(place));
    }
  }

  /** Reads what metrics.jsonl gained; true when a record other than a step came (measures changed). */
  private async readTail(t: RunTracker): Promise<boolean> {
    const { records, reset, problems } = await t.tail.read();
    if (reset) {
      t.records = [];
      t.problems = [];
    }
    for (const r of records) t.records.push(r);
    t.problems.push(...problems);
    t.series.add(records, reset);
    return reset || problems.length > 0 || records.some((r) => r.kind !== 'step');
  }

  /** Re-reads the run's summary if anything on disk changed; true when it did. */
  private async refreshSummary(t: RunTracker, force: boolean): Promise<boolean> {
    const dir = t.place.dir;
    const stamps = await Promise.all([RUN_FILES.status, RUN_FILES.config, RUN_FILES.samples, RUN_FILES.forwardStrip, RUN_FILES.forwardStripIndex, RUN_FILES.forwardSteps, RUN_FILES.forwardStepsIndex, RUN_FILES.annotations]
      .map((f) => fs.stat(path.join(dir, f)).then((s) => s.mtimeMs, () => 0))); // absent is a stamp too; reading the run reports what is broken
    const signature = `${stamps.join(',')}|${t.records.length}|${t.problems.length}|${t.place.colorIndex}|${JSON.stringify(t.place.varied)}`;
    if (!force && signature === t.signature && t.summary) return false;
    t.signature = signature;
    const webview = this.panel.webview;
    t.summary = await readRunSummary(t.place, t.records, t.problems, (file, stamp) => `${webview.asWebviewUri(vscode.Uri.file(file)).toString()}?v=${stamp}`);
    return true;
  }

  private postPoints(): void {
    const series = [...this.trackers.values()].map((t) => t.series.take()).filter((s) => s !== undefined);
    if (series.length > 0) this.post({ type: 'points', series });
  }

  private notesDocument(doc: { text: string; version: string }): NotesDocument {
    const dir = path.dirname(this.notes.file);
    return {
      file: this.notes.file, text: doc.text, version: doc.version,
      baseUri: `${this.panel.webview.asWebviewUri(vscode.Uri.file(dir)).toString()}/`,
    };
  }

  private post(message: HostToPanelMessage): void {
    if (this.disposed) return;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    ResultsPanel.open.delete(targetKey(this.target));
    // Closed within the save delay: the page is gone without saving (closing, unlike hiding, keeps
    // no state), so the typing it reported is written here, unless notes.md changed on disk since.
    const draft = this.notesDraft;
    if (draft) {
      this.notesDraft = undefined;
      this.notes.save(draft.text, draft.baseVersion).then(
        (r) => r.kind === 'conflict' && console.warn(`diffusion results panel: ${this.notes.file} changed on disk; the typing of the closed panel was not written`),
        (err: Error) => console.error(`diffusion results panel: could not save ${this.notes.file}: ${err.message}`),
      );
    }
    clearInterval(this.poll);
    this.batcher.dispose();
    this.notes.dispose();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function titleOf(target: PanelTarget): string {
  return target.kind === 'run' ? `Run ${path.basename(target.runDir)}` : `Sweep ${path.basename(target.sweepDir)}`;
}

/** The command behind each of the panel's annotation actions (runAnnotationCommands.ts). */
const ANNOTATE_COMMANDS: Record<AnnotateRunAction, string> = {
  'star': 'diffusion.starRun', 'unstar': 'diffusion.unstarRun', 'rename': 'diffusion.renameRun', 'edit-labels': 'diffusion.editRunLabels',
};

const LAST_SMOOTHING_KEY = 'diffusion.lastSmoothing';

function stateKey(target: PanelTarget): string {
  return `diffusion.panelState:${targetKey(target)}`;
}

/** The extension's dist/ (script, stylesheet) and the output directory (images); nothing else. */
function resourceRoots(extensionUri: vscode.Uri, target: PanelTarget): vscode.Uri[] {
  const dir = target.kind === 'run' ? target.runDir : target.sweepDir;
  return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.file(path.dirname(path.dirname(dir)))];
}
