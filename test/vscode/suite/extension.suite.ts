// Extension-host tests: the real extension in a real VS Code (code-server), on the
// workspace extension-host.test.ts prepares: tiny.sweep.json (2 runs, 3 steps), slow.sweep.json
// (runs long enough to stop), bad.sweep.json, and .diffusion/ with a hand-made sweep whose
// runs are done, edited into nonsense and missing.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffusionLabApi } from '../../../src/extension/extension';
import type { ExperimentNode } from '../../../src/extension/experimentsTree';
import type { TrainingSession } from '../../../src/extension/trainingSession';
import type { RunStatus } from '../../../src/shared/runDirectory';

const folder = () => vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const outDir = () => path.join(folder(), '.diffusion');

async function api(): Promise<DiffusionLabApi> {
  const ext = vscode.extensions.getExtension<DiffusionLabApi>('diffusion-lab.diffusion-lab');
  assert.ok(ext, 'the extension is installed');
  return ext.activate();
}

async function roots(a: DiffusionLabApi): Promise<ExperimentNode[]> {
  await a.tree.reload();
  return a.tree.getChildren();
}

async function sweepNode(a: DiffusionLabApi, name: string): Promise<Extract<ExperimentNode, { kind: 'sweep' }>> {
  const node = (await roots(a)).find((n) => n.kind === 'sweep' && n.sweep.name === name);
  assert.ok(node && node.kind === 'sweep', `sweep ${name} in the tree`);
  return node;
}

function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = async () => {
      const v = await probe();
      if (v !== undefined && v !== false) resolve(v as T);
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 250);
    };
    void tick();
  });
}

describe('Diffusion Lab in the extension host', () => {
  it('activates and registers every command the manifest lists', async () => {
    const a = await api();
    assert.ok(a.sessions && a.tree && a.commands);
    const manifest = JSON.parse(readFileSync(path.join(vscode.extensions.getExtension('diffusion-lab.diffusion-lab')!.extensionPath, 'package.json'), 'utf8')) as { contributes: { commands: Array<{ command: string; category: string }> } };
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of manifest.contributes.commands) {
      assert.ok(registered.has(c.command), `${c.command} registered`);
      assert.equal(c.category, 'Diffusion');
    }
  });

  it('builds the tree from disk: states, varied-field labels, loss and time, nonsense shown as unreadable', async () => {
    const a = await api();
    const sweep = await sweepNode(a, 'handmade');
    const item = a.tree.getTreeItem(sweep);
    assert.match(String(item.description), /3 runs/);
    const runs = await a.tree.getChildren(sweep);
    const items = runs.map((r) => a.tree.getTreeItem(r));
    assert.deepEqual(items.map((i) => i.label), ['T=250', 'T=300 (base)', 'T=350']);
    assert.match(String(items[0]!.description), /^final loss 0\.5000 · 2s$/);
    assert.equal((items[0]!.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.equal(items[1]!.description, 'unreadable');
    assert.equal((items[1]!.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.equal(items[2]!.description, 'not started');
    assert.equal(items[0]!.contextValue, 'run.done');
    // Short: what sets the run apart, its state and measures; the full config one click away.
    const tooltip = (items[0]!.tooltip as vscode.MarkdownString).value;
    assert.match(tooltip, /^\*\*T250-aaaa\*\* — done\n\nT = 250\n\nfinal loss 0\.5 · total time 2\.00 s\n\n\*Final loss\*: mean training loss over the last epoch/);
    assert.match(tooltip, /\[Full config\]\(file:\/\/\/.*\/runs\/T250-aaaa\/config\.json\)/);
    assert.doesNotMatch(tooltip, /\| field \| value \|/, 'no 34-row config table');
    // A click opens the run's panel; a run not started has no panel to open.
    assert.deepEqual([items[0]!.command?.command, (items[0]!.command?.arguments?.[0] as { run: { runId: string } }).run.runId], ['diffusion.openResultsPanel', 'T250-aaaa']);
    assert.equal(items[2]!.command, undefined);
    const files = await a.tree.getChildren(runs[0]);
    assert.deepEqual(files.map((f) => a.tree.getTreeItem(f).label), ['config', 'metrics', 'forward strip', 'notes']);
  });

  it('Open Notes creates a run\'s notes.md once and never overwrites it', async () => {
    const a = await api();
    const sweep = await sweepNode(a, 'handmade');
    const [run] = await a.tree.getChildren(sweep);
    const notes = path.join(outDir(), 'runs', 'T250-aaaa', 'notes.md');
    await vscode.commands.executeCommand('diffusion.openNotes', run);
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, notes);
    writeFileSync(notes, '# my analysis\n');
    await vscode.commands.executeCommand('diffusion.openNotes', run);
    assert.equal(readFileSync(notes, 'utf8'), '# my analysis\n');
  });

  it('Compare Runs writes the sweep\'s table', async () => {
    const a = await api();
    await vscode.commands.executeCommand('diffusion.compareRuns', await sweepNode(a, 'handmade'));
    const text = vscode.window.activeTextEditor?.document.getText() ?? '';
    // The report's comparison table: one definition of each measure, the same in both.
    assert.match(text, /\| run \| timesteps \| state \| time \/ epoch \| .* \| final loss \| best epoch loss \| total time \|/);
    assert.match(text, /\| T250-aaaa \| 250 \| done \| – \| – \| – \| 0\.5 \| 0\.5 \(epoch 1\) \| 2\.00 s \|/);
    assert.match(text, /- `T300-bbbb` unreadable: .*status\.json: not valid JSON/);
    assert.match(text, /Lowest final loss: \*\*T=250\*\* \(0\.5\)/);
  });

  it('Check Environment reports the backends of the trainer\'s Node', async () => {
    const a = await api();
    const doc = await a.commands.checkEnvironment();
    assert.ok(doc);
    // A read-only document: closing it asks nothing.
    assert.deepEqual([doc.uri.scheme, doc.isUntitled, doc.isDirty, doc.languageId], ['diffusion-environment', false, false, 'markdown']);
    assert.match(doc.getText(), /Training runs on \(auto\):\*\* (wasm|tensorflow|webgpu|cpu)/);
    assert.match(doc.getText(), /\| wasm \|/);
    assert.match(doc.getText(), /\| webgpu \| `@tensorflow\/tfjs-backend-webgpu` \| (yes|no|software adapter only) \|/);
  });

  it('a malformed sweep file is opened with the problem selected and listed in Problems; nothing runs', async () => {
    const a = await api();
    const file = vscode.Uri.file(path.join(folder(), 'bad.sweep.json'));
    const started = await vscode.commands.executeCommand<TrainingSession | undefined>('diffusion.runSweep', file);
    assert.equal(started, undefined, 'Run Sweep checks the file before it starts a trainer');
    assert.deepEqual(vscode.languages.getDiagnostics(file).map((d) => d.message), ['axes.timesteps[1]: must be an integer, got "many" (a string)']);
    const editor = await waitFor('the bad sweep file to open', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.fsPath.endsWith('bad.sweep.json') && !e.selection.isEmpty ? e : undefined;
    }, 10_000);
    assert.equal(editor.document.getText(editor.selection), '"many"');
    assert.equal(a.sessions.all.length, 0);
  });

  it('Run Sweep trains a tiny sweep to the end and the tree shows every run done', async () => {
    const a = await api();
    const session = await vscode.commands.executeCommand<TrainingSession>('diffusion.runSweep', vscode.Uri.file(path.join(folder(), 'tiny.sweep.json')));
    assert.ok(session, 'a session started');
    const outcome = await session.finished;
    assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
    const sweep = await sweepNode(a, 'tiny');
    const items = (await a.tree.getChildren(sweep)).map((r) => a.tree.getTreeItem(r));
    assert.deepEqual(items.map((i) => i.contextValue), ['run.done', 'run.done']);
    assert.ok(items.every((i) => /^final loss \d\.\d{4} · \d+s$/.test(String(i.description))), items.map((i) => i.description).join(', '));
  });

  it('Export Report writes the tiny sweep\'s notebook through the trainer\'s CLI and opens it', async () => {
    const a = await api();
    const uri = await a.commands.exportReport(await sweepNode(a, 'tiny'));
    assert.ok(uri, 'a report was written');
    assert.equal(uri.fsPath, path.join(outDir(), 'sweeps', 'tiny', 'report.ipynb'));
    const notebook = JSON.parse(readFileSync(uri.fsPath, 'utf8')) as { cells: unknown[] };
    assert.ok(notebook.cells.length > 0);
  });

  it('Stop Run cancels one run, the sweep goes on; Stop Sweep cancels the rest', async () => {
    const a = await api();
    const session = await vscode.commands.executeCommand<TrainingSession>('diffusion.runSweep', vscode.Uri.file(path.join(folder(), 'slow.sweep.json')));
    assert.ok(session);
    const live = () => [...session.live.values()].find((r) => r.step >= 1);
    const first = await waitFor('the first run to train', live);
    // The tree shows it running, with its phase and live step.
    const sweep = await sweepNode(a, 'slow');
    const running = (await a.tree.getChildren(sweep)).map((r) => a.tree.getTreeItem(r)).find((i) => i.contextValue === 'run.running');
    assert.ok(running, 'a run is shown running');
    assert.match(String(running.description), /^(training · step \d+\/\d+|checkpointing)/);
    const firstNode = (await a.tree.getChildren(sweep)).find((n) => n.kind === 'run' && n.run.runId === first.runId);
    await vscode.commands.executeCommand('diffusion.stopRun', firstNode);
    await waitFor('the second run to train', () => [...session.live.values()].find((r) => r.runId !== first.runId && r.step >= 1));
    await vscode.commands.executeCommand('diffusion.stopSweep', await sweepNode(a, 'slow'));
    const outcome = await session.finished;
    assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
    const states = (await a.tree.getChildren(await sweepNode(a, 'slow'))).map((r) => r.kind === 'run' ? r.run.state : '');
    assert.deepEqual(states, ['cancelled', 'cancelled', 'not started']);
  });

  it('a trainer killed mid-run leaves the run failed, with its last output, and the tree shows it', async () => {
    const a = await api();
    // slow.sweep.json again: its first two runs resume from their checkpoints.
    const session = await vscode.commands.executeCommand<TrainingSession>('diffusion.runSweep', vscode.Uri.file(path.join(folder(), 'slow.sweep.json')));
    assert.ok(session);
    const run = await waitFor('a run to train', () => [...session.live.values()].find((r) => r.step >= 1));
    process.kill(session.pid!, 'SIGKILL');
    const outcome = await session.finished;
    assert.equal(outcome.kind, 'crashed');
    const status = JSON.parse(readFileSync(path.join(run.runDir, 'status.json'), 'utf8')) as RunStatus;
    assert.equal(status.state, 'failed');
    assert.match(status.error!.message, /killed \(SIGKILL\)/);
    const node = (await a.tree.getChildren(await sweepNode(a, 'slow'))).find((n) => n.kind === 'run' && n.run.runId === run.runId)!;
    const item = a.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'run.failed');
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(item.description), /failed/);
    assert.ok(existsSync(path.join(run.runDir, 'metrics.jsonl')), 'its metrics are kept');
  });
});
