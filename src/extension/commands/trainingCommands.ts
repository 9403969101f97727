// The commands that start and stop trainers: Run Sweep, Run Demo, Train Single Run,
// Resume Sweep, Stop Run, Stop Sweep. Each started trainer is a session of c.sessions; with
// diffusion.scheduler = slurm a sweep goes to Slurm instead (slurmCommands.ts).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ConfigError, DEFAULT_RUN_CONFIG, resolveRunConfig, type RunConfig } from '../../shared/runConfig';
import { RUN_CONFIG_TABLE, plainDescription, type FieldSpec } from '../../shared/runConfigSchema';
import { RECIPE_VALUES } from '../../shared/recipes';
import type { ExperimentNode } from '../experimentsTree';
import { readSettings } from '../settings';
import { hasPendingSlurmJob, slurmTaskOf } from '../slurmRuns';
import { sweepCanRun } from '../sweepDiagnostics';
import { pickRun, pickSweep, requireFolder, requireTrust, runOf, sweepOf, trainerLaunch, type CommandContext } from './commandContext';
import { cancelSlurmSweep, submitSweepToSlurm } from './slurmCommands';
import { createSweepFromTemplate, writeTemplate } from './sweepTemplateCommands';

export function trainingCommands(c: CommandContext) {
  return {
    runSweep: (uri?: vscode.Uri) => runSweep(c, uri),
    runDemo: () => runDemo(c),
    trainSingleRun: () => trainSingleRun(c),
    resumeSweep: (node?: ExperimentNode) => resumeSweep(c, node),
    stopRun: (node?: ExperimentNode) => stopRun(c, node),
    stopSweep: (node?: ExperimentNode) => stopSweep(c, node),
  };
}

/** Returns the session started, or undefined when nothing was started (and the person was told why). */
async function runSweep(c: CommandContext, uri?: vscode.Uri): Promise<unknown> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  const file = uri?.fsPath ?? await pickSweepFile(c);
  if (!file) return undefined;
  return startSweep(c, folder, file);
}

async function startSweep(c: CommandContext, folder: vscode.WorkspaceFolder, file: string): Promise<unknown> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path.resolve(file));
  if (open?.isDirty) await open.save();
  const running = c.sessions.forSweepFile(file);
  if (running) {
    void vscode.window.showInformationMessage(`Sweep ${running.name} is already running in this window.`);
    return undefined;
  }
  // The trainer's own check, so that a file it would reject starts nothing; its cwd is the folder.
  if (!(await sweepCanRun(file, folder.uri.fsPath))) return undefined;
  const settings = readSettings(folder);
  if (settings.scheduler === 'slurm') return submitSweepToSlurm(c, folder, file, settings);
  return c.sessions.start(trainerLaunch(c.context, folder, settings),
    { type: 'sweep', file: path.resolve(file), outDir: settings.outputDirectory, ...(settings.maxParallelRuns > 0 ? { maxParallelRuns: settings.maxParallelRuns } : {}) },
    path.basename(file).replace(/\.sweep\.json$/, ''), settings.stopTimeoutSeconds * 1000);
}

/** The active editor's sweep file, else one picked from the workspace's; none: a template. */
async function pickSweepFile(c: CommandContext): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && active.fsPath.endsWith('.sweep.json')) return active.fsPath;
  const files = (await vscode.workspace.findFiles('**/*.sweep.json', '**/node_modules/**', 200)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  if (files.length === 0) {
    const created = await createSweepFromTemplate(c.context, 'No sweep file in the workspace yet: start from a template');
    return created?.fsPath;
  }
  const picked = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f.fsPath), description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)), uri: f })),
    { title: 'Run Sweep', placeHolder: 'Which sweep file?' });
  return picked?.uri.fsPath;
}

/** demo.sweep.json in the workspace (from its template the first time), opened and run. */
async function runDemo(c: CommandContext): Promise<unknown> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  const target = path.join(folder.uri.fsPath, 'demo.sweep.json');
  if (!existsSync(target)) {
    const created = await writeTemplate(c.context, folder, 'demo.sweep.json');
    if (!created) return undefined;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(target), { preview: true });
  return startSweep(c, folder, target);
}

async function trainSingleRun(c: CommandContext): Promise<unknown> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  const settings = readSettings(folder);
  // The choices are the field's names, or the assignment's values (its examples), default first.
  const pick = async <F extends 'recipe' | 'preset' | 'imgSize' | 'timesteps' | 'batchSize' | 'activation' | 'loss'>(
    title: string, field: F, first: RunConfig[F] = DEFAULT_RUN_CONFIG[field],
  ): Promise<RunConfig[F] | undefined> => {
    const spec: FieldSpec = RUN_CONFIG_TABLE[field];
    const values = (spec.enum ?? spec.examples ?? []) as readonly RunConfig[F][];
    const items = [first, ...values.filter((v) => v !== first)].map((v) => ({ label: String(v), value: v }));
    return (await vscode.window.showQuickPick(items, { title: `Train Single Run: ${title}`, placeHolder: plainDescription(spec) }))?.value;
  };
  const recipe = await pick('recipe', 'recipe');
  // The recipe's own values come first, so accepting each default keeps the recipe whole.
  const recipeFirst = <F extends 'activation' | 'loss'>(field: F): RunConfig[F] =>
    ((recipe ? RECIPE_VALUES[recipe][field] : undefined) ?? DEFAULT_RUN_CONFIG[field]) as RunConfig[F];
  const preset = recipe && await pick('model', 'preset', 'small');
  const imgSize = preset && await pick('image size (px)', 'imgSize');
  const timesteps = imgSize && await pick('timesteps T', 'timesteps');
  const batchSize = timesteps && await pick('batch size', 'batchSize');
  const activation = batchSize && await pick('activation', 'activation', recipeFirst('activation'));
  const loss = activation && await pick('loss', 'loss', recipeFirst('loss'));
  const epochs = loss && await vscode.window.showInputBox({
    title: 'Train Single Run: epochs', value: String(DEFAULT_RUN_CONFIG.epochs), prompt: plainDescription(RUN_CONFIG_TABLE.epochs),
    validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : 'a whole number of epochs, 1 or more'),
  });
  if (!recipe || !preset || !imgSize || !timesteps || !batchSize || !activation || !loss || !epochs) return undefined;
  if (settings.dataset !== 'toy-cars' && !existsSync(path.resolve(folder.uri.fsPath, settings.dataset))) {
    void vscode.window.showErrorMessage(`The dataset folder in diffusion.dataset does not exist: ${settings.dataset}`);
    return undefined;
  }
  let config;
  try {
    config = resolveRunConfig({ recipe, preset, imgSize, timesteps, batchSize, activation, loss, epochs: Number(epochs), dataset: settings.dataset, backend: settings.backend });
  } catch (err) {
    if (err instanceof ConfigError) {
      void vscode.window.showErrorMessage(err.message);
      return undefined;
    }
    throw err;
  }
  return c.sessions.start(trainerLaunch(c.context, folder, settings), { type: 'train', config, outDir: settings.outputDirectory },
    `${recipe} T${timesteps} ${imgSize}px b${batchSize} ${activation} ${loss}`, settings.stopTimeoutSeconds * 1000);
}

/** A single run (not in a sweep) resumes from its checkpoint; a sweep runs its sweep file again. */
async function resumeSweep(c: CommandContext, node?: ExperimentNode): Promise<unknown> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  if (node?.kind === 'run' && !node.sweepId) {
    const settings = readSettings(folder);
    return c.sessions.start(trainerLaunch(c.context, folder, settings), { type: 'resume', runDir: node.run.dir }, node.run.runId, settings.stopTimeoutSeconds * 1000);
  }
  const sweep = sweepOf(node, c.tree) ?? await pickSweep(c.tree, 'Resume which sweep?', {
    fits: (s) => s.runs.some((r) => r.state !== 'done'), noneFits: 'Every sweep is done: there is nothing to resume.',
  });
  if (!sweep) return undefined;
  if (!sweep.source || !existsSync(sweep.source)) {
    void vscode.window.showErrorMessage(`The sweep file of ${sweep.name} is gone${sweep.source ? ` (${sweep.source})` : ''}; Resume Sweep runs that file again.`);
    return undefined;
  }
  return startSweep(c, folder, sweep.source);
}

async function stopRun(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const run = runOf(node) ?? await pickRun(c.tree, 'Stop which run?', (r) => r.state === 'running' || r.state === 'queued');
  if (!run) return;
  const session = c.sessions.forRun(run.runId);
  const task = slurmTaskOf(run);
  if (!session && task) {
    void vscode.window.showWarningMessage(`${run.runId} is Slurm job ${task}: Stop Sweep cancels its sweep's job, or \`scancel ${task}\` this task alone.`);
    return;
  }
  if (!session) {
    const pid = run.status?.pid;
    void vscode.window.showWarningMessage(`${run.runId} is not being trained from this window${pid ? ` (status.json names process ${pid}: stop it where it was started)` : ''}.`);
    return;
  }
  session.stop(run.runId);
}

/** A sweep trained from this window stops its trainer; one whose Slurm job has runs to train is cancelled in Slurm. */
async function stopSweep(c: CommandContext, node?: ExperimentNode): Promise<void> {
  const sweep = node?.kind === 'sweep' ? node.sweep : undefined;
  const session = sweep ? c.sessions.forSweep(sweep.sweepId) : undefined;
  if (session) return session.stop();
  if (sweep && hasPendingSlurmJob(sweep)) {
    await cancelSlurmSweep(c, sweep);
    return;
  }
  const inSlurm = (c.tree.experiments ?? await c.tree.reload())?.sweeps.filter(hasPendingSlurmJob) ?? [];
  const choices = [
    ...c.sessions.all.map((s) => ({ label: s.name, description: 'in this window', stop: async () => s.stop() })),
    ...inSlurm.map((s) => ({ label: s.name, description: `Slurm job ${s.slurm!.jobId}`, stop: () => cancelSlurmSweep(c, s) })),
  ];
  if (choices.length === 0) {
    void vscode.window.showInformationMessage('No sweep is running in this window or waiting in Slurm.');
    return;
  }
  const picked = choices.length === 1 ? choices[0] : await vscode.window.showQuickPick(choices, { title: 'Stop which sweep?' });
  await picked?.stop();
}
