// Everything Run Sweep would reject in a *.sweep.json, underlined as it is typed and listed in
// the Problems panel. The check is the trainer's own (src/shared/sweepChecks/checkSweepText.ts),
// so the editor and Run Sweep cannot disagree; Run Sweep checks with it before it starts a
// trainer, and shows a rejection here rather than in a toast.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkSweepText } from '../shared/sweepChecks/checkSweepText';
import type { SweepFix, SweepProblem } from '../shared/sweepChecks/sweepProblem';
import { locateSweepProblem, spanOfSweepProblem } from './sweepProblemLocation';
import { SweepQuickFixes } from './sweepQuickFixes';

/** What the Problems panel names as the diagnostics' source. */
export const SWEEP_DIAGNOSTICS_SOURCE = 'Diffusion Lab';
/** Typing pauses this long before the file is checked again. */
const CHECK_DELAY_MS = 300;

interface ShownProblem {
  diagnostic: vscode.Diagnostic;
  fix?: SweepFix;
}

export function isSweepDocument(doc: vscode.TextDocument): boolean {
  return doc.uri.path.endsWith('.sweep.json');
}

class SweepDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('diffusion-sweep');
  /** By document URI: what is shown, with the fixes the quick fixes apply. */
  private readonly shown = new Map<string, ShownProblem[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly subscriptions: vscode.Disposable[];
  /** By document URI: watchers of the dataset folders it names, for the check depends on whether they exist. */
  private readonly folderWatchers = new Map<string, { folders: string; watchers: vscode.Disposable[] }>();

  constructor() {
    this.subscriptions = [
      this.collection,
      vscode.workspace.onDidOpenTextDocument((doc) => this.check(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.checkSoon(e.document)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.clear(doc.uri)),
      vscode.languages.registerCodeActionsProvider({ pattern: '**/*.sweep.json' },
        new SweepQuickFixes((doc, d) => this.fixOf(doc, d)), { providedCodeActionKinds: SweepQuickFixes.kinds }),
    ];
    for (const doc of vscode.workspace.textDocuments) this.check(doc);
  }

  /**
   * Checks the document now and shows what it finds. `datasetRoot`: where the trainer will read
   * relative dataset folders (its working directory); by default the document's workspace folder.
   */
  check(doc: vscode.TextDocument, datasetRoot = datasetRootOf(doc)): SweepProblem[] {
    if (!isSweepDocument(doc)) return [];
    this.cancelTimer(doc.uri);
    const text = doc.getText();
    const { problems, datasetFolders } = checkSweepText(text, doc.uri.fsPath, datasetRoot === undefined ? {} : { datasetRoot });
    this.watchFolders(doc, datasetFolders ?? []);
    this.show(doc, problems.map((p) => {
      const span = spanOfSweepProblem(text, p);
      return { diagnostic: this.diagnostic(doc, span.offset, span.length, p.message), ...(p.fix && span.exact ? { fix: p.fix } : {}) };
    }));
    return problems;
  }

  /** Problems the trainer reported that this check did not find (a sweep id already used in the output folder), located by their messages. */
  showMessages(doc: vscode.TextDocument, messages: string[]): void {
    const text = doc.getText();
    this.show(doc, messages.map((m) => {
      const span = locateSweepProblem(text, m) ?? { offset: 0, length: 0 };
      return { diagnostic: this.diagnostic(doc, span.offset, span.length, m) };
    }));
  }

  firstRange(uri: vscode.Uri): vscode.Range | undefined {
    return this.collection.get(uri)?.[0]?.range;
  }

  private diagnostic(doc: vscode.TextDocument, offset: number, length: number, message: string): vscode.Diagnostic {
    const d = new vscode.Diagnostic(new vscode.Range(doc.positionAt(offset), doc.positionAt(offset + length)), message, vscode.DiagnosticSeverity.Error);
    d.source = SWEEP_DIAGNOSTICS_SOURCE;
    return d;
  }

  private show(doc: vscode.TextDocument, problems: ShownProblem[]): void {
    this.shown.set(doc.uri.toString(), problems);
    this.collection.set(doc.uri, problems.map((p) => p.diagnostic));
  }

  /** The code action context carries copies of the diagnostics: matched by range and message. */
  private fixOf(doc: vscode.TextDocument, d: vscode.Diagnostic): SweepFix | undefined {
    return this.shown.get(doc.uri.toString())?.find((p) => p.diagnostic.message === d.message && p.diagnostic.range.isEqual(d.range))?.fix;
  }

  private checkSoon(doc: vscode.TextDocument): void {
    if (!isSweepDocument(doc)) return;
    this.cancelTimer(doc.uri);
    this.timers.set(doc.uri.toString(), setTimeout(() => this.check(doc), CHECK_DELAY_MS));
  }

  /** A dataset folder copied in or removed (the file itself unchanged) checks the file again. */
  private watchFolders(doc: vscode.TextDocument, folders: string[]): void {
    const key = doc.uri.toString();
    const signature = folders.join('\n');
    if (this.folderWatchers.get(key)?.folders === signature) return;
    this.unwatchFolders(key);
    const watchers = folders.flatMap((folder) => {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(folder)), path.basename(folder)), false, true, false);
      return [w, w.onDidCreate(() => this.checkSoon(doc)), w.onDidDelete(() => this.checkSoon(doc))];
    });
    this.folderWatchers.set(key, { folders: signature, watchers });
  }

  private unwatchFolders(key: string): void {
    for (const w of this.folderWatchers.get(key)?.watchers ?? []) w.dispose();
    this.folderWatchers.delete(key);
  }

  private cancelTimer(uri: vscode.Uri): void {
    clearTimeout(this.timers.get(uri.toString()));
    this.timers.delete(uri.toString());
  }

  private clear(uri: vscode.Uri): void {
    this.cancelTimer(uri);
    this.shown.delete(uri.toString());
    this.unwatchFolders(uri.toString());
    this.collection.delete(uri);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const key of [...this.folderWatchers.keys()]) this.unwatchFolders(key);
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Relative dataset folders are read from the trainer's working directory: the workspace folder (commandContext.ts trainerLaunch). */
function datasetRootOf(doc: vscode.TextDocument): string | undefined {
  return (vscode.workspace.getWorkspaceFolder(doc.uri) ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
}

// One collection per window: Run Sweep's rejections go where the typing squiggles are.
let diagnostics: SweepDiagnostics | undefined;

export function registerSweepDiagnostics(): vscode.Disposable {
  diagnostics = new SweepDiagnostics();
  return diagnostics;
}

/**
 * Run Sweep's check before it starts a trainer, with `datasetRoot` the trainer's working
 * directory; a file with problems is shown (see showSweepProblems) and false returned.
 */
export async function sweepCanRun(file: string, datasetRoot: string): Promise<boolean> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.resolve(file)));
  const problems = diagnostics?.check(doc, datasetRoot) ?? checkSweepText(doc.getText(), doc.uri.fsPath, { datasetRoot }).problems;
  if (problems.length === 0) return true;
  await revealProblems(doc, problems.length);
  return false;
}

/** A sweep the trainer rejected: the file opened at its first problem, every problem in the Problems panel. */
export async function showSweepProblems(file: string, problems: string[]): Promise<void> {
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.resolve(file)));
  } catch {
    // The file is gone: the message is all there is to show.
    void vscode.window.showErrorMessage(`${path.basename(file)}: ${problems.join('; ')}`);
    return;
  }
  let count = diagnostics?.check(doc).length ?? 0;
  if (count === 0) {
    diagnostics?.showMessages(doc, problems);
    count = problems.length;
  }
  await revealProblems(doc, count);
}

async function revealProblems(doc: vscode.TextDocument, count: number): Promise<void> {
  const selection = diagnostics?.firstRange(doc.uri);
  await vscode.window.showTextDocument(doc, { ...(selection ? { selection } : {}), preview: false });
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  void vscode.window.showErrorMessage(`${count} problem${count === 1 ? '' : 's'} in ${path.basename(doc.uri.fsPath)}: see Problems`);
}
