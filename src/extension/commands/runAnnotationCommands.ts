// Rename Run…, Star, Unstar and Edit Labels…: what a person says about a run, written to its
// annotations.json (annotateRun). Each takes the tree node it was invoked on, a run target from
// the results panel, or asks which run from the palette. None starts a trainer: they work in an
// untrusted workspace too.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { annotateRun } from '../../shared/annotateRun';
import { isPanelTarget, type PanelTarget } from '../../shared/panelMessages';
import { labelProblem, nameProblem, normalizeLabels, splitLabels, type RunAnnotationEdit, type RunAnnotations } from '../../shared/runAnnotations';
import { readRunAnnotations } from '../../shared/runReading/runFiles';
import { type Experiments, type RunEntry } from '../experimentsModel';
import type { ExperimentNode } from '../experimentsTree';
import { pickRun, runOf, type CommandContext } from './commandContext';

type RunArgument = ExperimentNode | PanelTarget | undefined;

export function runAnnotationCommands(c: CommandContext) {
  return {
    renameRun: (arg?: RunArgument) => renameRun(c, arg),
    starRun: (arg?: RunArgument) => setStar(c, arg, true),
    unstarRun: (arg?: RunArgument) => setStar(c, arg, false),
    editRunLabels: (arg?: RunArgument) => editLabels(c, arg),
  };
}

/** The run to annotate, its generated name and its annotations as on disk now. */
interface AnnotatedRun {
  dir: string;
  runId: string;
  generated: string;
  annotations: RunAnnotations | undefined;
}

async function renameRun(c: CommandContext, arg: RunArgument): Promise<void> {
  const run = await runToAnnotate(c, arg, 'Rename Run', () => true);
  if (!run) return;
  const name = await vscode.window.showInputBox({
    title: `Rename ${run.annotations?.name ?? run.generated}`,
    value: run.annotations?.name ?? run.generated,
    prompt: `Shown in the tree, the panel, the CLI table and the report; empty: back to "${run.generated}"`,
    validateInput: (v) => {
      const problem = nameProblem(v);
      return problem ? `The name ${problem}.` : undefined;
    },
  });
  if (name === undefined) return;
  const trimmed = name.trim();
  await write(c, run, { name: trimmed === '' || trimmed === run.generated ? null : trimmed });
}

async function setStar(c: CommandContext, arg: RunArgument, starred: boolean): Promise<void> {
  const run = await runToAnnotate(c, arg, starred ? 'Star Run' : 'Unstar Run', (r) => (r.annotations?.starred === true) !== starred);
  if (run) await write(c, run, { starred });
}

/** A quick pick of every label in the output directory, the run's own ticked; typed text (comma-separated) adds new ones. */
async function editLabels(c: CommandContext, arg: RunArgument): Promise<void> {
  const run = await runToAnnotate(c, arg, 'Edit Labels', () => true);
  if (!run) return;
  const own = run.annotations?.labels ?? [];
  const known = normalizeLabels([...own, ...allRuns(c.tree.experiments).flatMap((r) => r.annotations?.labels ?? [])]);
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem>();
  const title = `Labels of ${run.annotations?.name ?? run.generated}`;
  pick.title = title;
  pick.placeholder = known.length > 0 ? 'Tick labels; type new ones (comma-separated), then Enter' : 'Type labels (comma-separated), then Enter';
  pick.canSelectMany = true;
  pick.items = known.map((label) => ({ label }));
  pick.selectedItems = pick.items.filter((i) => own.includes(i.label));
  const labels = await new Promise<string[] | undefined>((resolve) => {
    pick.onDidChangeValue((v) => {
      const problem = splitLabels(v).map(labelProblem).find(Boolean);
      // A quick pick has no validation message: its title says what is wrong with the typing.
      pick.title = problem ? `${title}: the label ${problem}` : title;
    });
    pick.onDidAccept(() => {
      const typed = splitLabels(pick.value);
      if (typed.some((l) => labelProblem(l))) return;
      resolve([...pick.selectedItems.map((i) => i.label), ...typed]);
      pick.hide();
    });
    pick.onDidHide(() => resolve(undefined));
    pick.show();
  });
  pick.dispose();
  if (labels) await write(c, run, { labels });
}

async function write(c: CommandContext, run: AnnotatedRun, edit: RunAnnotationEdit): Promise<void> {
  await annotateRun(run.dir, edit);
  // The tree now rather than at the watcher's next event; open panels read it at their next poll.
  await c.tree.reload();
}

async function runToAnnotate(c: CommandContext, arg: RunArgument, title: string, fits: (r: RunEntry) => boolean): Promise<AnnotatedRun | undefined> {
  let dir: string | undefined;
  if (isPanelTarget(arg)) dir = arg.kind === 'run' ? arg.runDir : undefined;
  else dir = runOf(arg)?.dir ?? (await pickRun(c.tree, title, (r) => r.state !== 'not started' && fits(r)))?.dir;
  if (!dir) return undefined;
  const x = c.tree.experiments ?? await c.tree.reload();
  const entry = allRuns(x).find((r) => path.resolve(r.dir) === path.resolve(dir));
  const runId = path.basename(dir);
  const current = await readRunAnnotations(dir);
  if (current.problem) throw new Error(`${current.problem.replace(/; ignored$/, '')}: fix or delete it, then try again`);
  return { dir, runId, generated: entry?.generatedLabel ?? runId, annotations: current.annotations };
}

function allRuns(x: Experiments | undefined): RunEntry[] {
  return [...(x?.sweeps.flatMap((s) => s.runs) ?? []), ...(x?.singleRuns ?? [])];
}
