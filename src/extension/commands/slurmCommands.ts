// Sweeps on a Slurm cluster (diffusion.scheduler = slurm): Run Sweep submits the sweep as a
// job array through the CLI, Stop Sweep cancels the job, and Open Slurm Log opens a run's
// task log. Slurm trains the runs; the tree follows their run directories.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { slurmDirectory, type SlurmSubmission } from '../../shared/slurmJob';
import { checkSweepText } from '../../shared/sweepChecks/checkSweepText';
import { SWEEP_FILES, type ResolvedSweepFile } from '../../shared/sweepSpec';
import type { ExperimentNode } from '../experimentsTree';
import type { SweepEntry } from '../experimentsModel';
import { readSettings, type DiffusionSettings } from '../settings';
import { offersSlurmLog, slurmTaskOf } from '../slurmRuns';
import { slurmSubmitArgs } from '../slurmSubmitArgs';
import { runTrainerCli, type CliResult } from '../trainerCli';
import { pickRun, requireFolder, requireTrust, runOf, trainerCliOptions, type CommandContext } from './commandContext';

export function slurmCommands(c: CommandContext) {
  return {
    openSlurmLog: (node?: ExperimentNode) => openSlurmLog(c, node),
  };
}

/** What Run Sweep returns after a submission. */
export interface SlurmSubmitted {
  sweepDir: string;
  submission: SlurmSubmission;
}

/** Run Sweep with the Slurm scheduler: the file was checked (sweepCanRun). Undefined: nothing submitted, and the person was told why. */
export async function submitSweepToSlurm(
  c: CommandContext, folder: vscode.WorkspaceFolder, file: string, settings: DiffusionSettings,
): Promise<SlurmSubmitted | undefined> {
  const { spec, sweep } = checkSweepText(await fs.readFile(file, 'utf8'), file);
  if (!spec || !sweep) return undefined; // sweepCanRun has shown the problems
  // A job of this sweep still pending or running is refused by the CLI, which asks Slurm.
  const sweepDir = path.join(settings.outputDirectory, 'sweeps', sweep.sweepId);
  const before = await readSubmission(sweepDir);
  const args = slurmSubmitArgs({ file: path.resolve(file), outDir: settings.outputDirectory, settings: settings.slurm, ...(spec.slurm ? { block: spec.slurm } : {}) });
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Diffusion: submitting sweep ${sweep.name} to Slurm` },
    () => runTrainerCli(args, trainerCliOptions(c.context, folder, settings)));
  if (result.error) {
    void vscode.window.showErrorMessage(`Slurm did not take sweep ${sweep.name}: ${cliMessage(result)}`);
    return undefined;
  }
  void c.tree.reload();
  // The job id as recorded in sweep.json, which the tree and Stop Sweep go by.
  const submission = await readSubmission(sweepDir);
  if (!submission || (before && submission.jobId === before.jobId && submission.submittedAt === before.submittedAt)) {
    void vscode.window.showInformationMessage(`Sweep ${sweep.name}: nothing was submitted to Slurm. ${lastLine(result.stdout)}`);
    return undefined;
  }
  void showSubmitted(sweep.name, sweepDir, submission);
  return { sweepDir, submission };
}

async function showSubmitted(name: string, sweepDir: string, s: SlurmSubmission): Promise<void> {
  const answer = await vscode.window.showInformationMessage(
    `Sweep ${name} submitted to Slurm as job ${s.jobId}: ${s.runIds.length} run${s.runIds.length === 1 ? '' : 's'}, at most ${s.maxParallel} at a time.`,
    'Show Runs', 'Open Slurm Log Folder');
  if (answer === 'Show Runs') await vscode.commands.executeCommand('diffusion.experiments.focus');
  if (answer === 'Open Slurm Log Folder') {
    const logs = vscode.Uri.file(slurmDirectory(sweepDir));
    // The Explorer shows folders of the workspace only; one elsewhere opens in the system's file manager.
    await vscode.commands.executeCommand(vscode.workspace.getWorkspaceFolder(logs) ? 'revealInExplorer' : 'revealFileInOS', logs);
  }
}

/** Stop Sweep on a sweep whose Slurm job still has runs to train: scancel through `diffusion-lab stop --sweep`. */
export async function cancelSlurmSweep(c: CommandContext, sweep: SweepEntry): Promise<boolean> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return false;
  const settings = readSettings(folder);
  const result = await runTrainerCli(['stop', '--sweep', sweep.dir], trainerCliOptions(c.context, folder, settings));
  if (result.error) {
    void vscode.window.showErrorMessage(`Could not cancel the Slurm job of sweep ${sweep.name}: ${cliMessage(result)}`);
    return false;
  }
  void c.tree.reload();
  void vscode.window.showInformationMessage(`Cancelled Slurm job ${sweep.slurm?.jobId} of sweep ${sweep.name} (scancel). Running runs save a checkpoint and end cancelled; Resume Sweep submits the runs not done again.`);
  return true;
}

/** The run's Slurm task log; none yet while its task waits in the queue. */
async function openSlurmLog(c: CommandContext, node?: ExperimentNode): Promise<vscode.TextEditor | undefined> {
  const run = runOf(node) ?? await pickRun(c.tree, 'Open the Slurm log of which run?', offersSlurmLog);
  if (!run) return undefined;
  if (!run.slurmLog) {
    void vscode.window.showInformationMessage(`${run.runId} was not submitted to Slurm: it has no Slurm log.`);
    return undefined;
  }
  // Read again: the tree may be a poll behind the task.
  if (!existsSync(run.slurmLog.file)) {
    const task = slurmTaskOf(run);
    void vscode.window.showInformationMessage(`${run.runId}: no log yet: the task has not started${task ? ` (Slurm job ${task})` : ''}.`);
    return undefined;
  }
  return vscode.window.showTextDocument(vscode.Uri.file(run.slurmLog.file), { preview: true });
}

async function readSubmission(sweepDir: string): Promise<SlurmSubmission | undefined> {
  try {
    const resolved = JSON.parse(await fs.readFile(path.join(sweepDir, SWEEP_FILES.resolved), 'utf8')) as Partial<ResolvedSweepFile>;
    return typeof resolved.slurm?.jobId === 'string' ? resolved.slurm : undefined;
  } catch {
    return undefined; // not submitted before, or unreadable: nothing to compare with
  }
}

/** The CLI's own words (stderr, up to the usage it may add after a blank line), else why it did not run. */
function cliMessage(r: CliResult): string {
  return r.stderr.trim().split(/\n\s*\n/)[0] || r.error || 'no message';
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
