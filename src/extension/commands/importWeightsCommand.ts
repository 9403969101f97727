// Diffusion: Import PyTorch Weights: a state_dict saved from the course notebook (safetensors)
// becomes a run in the output directory, through `diffusion-lab import` (the extension computes
// nothing), then the tree shows it and its results panel opens.
import * as vscode from 'vscode';
import { openResultsPanel } from '../panel/registerResultsPanel';
import { readSettings } from '../settings';
import { runTrainerCli } from '../trainerCli';
import { requireFolder, requireTrust, trainerCliOptions, type CommandContext } from './commandContext';

/** The study's values, the notebook's first (its defaults). */
const TIMESTEP_CHOICES = ['300', '250', '350'];
const IMAGE_SIZE_CHOICES = ['32', '16', '64', '128'];

export function importWeightsCommands(c: CommandContext) {
  return {
    importWeights: (file?: vscode.Uri) => importWeights(c, file),
  };
}

/** A number from a quick pick whose first item is the default, or typed in after "Other...". */
async function pickNumber(title: string, choices: string[], why: string): Promise<string | undefined> {
  const OTHER = 'Other...';
  const items = [...choices.map((label, i) => ({ label, ...(i === 0 ? { description: 'the notebook' } : {}) })), { label: OTHER }];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: why });
  if (!picked || picked.label !== OTHER) return picked?.label;
  return vscode.window.showInputBox({
    title, prompt: why, value: choices[0],
    validateInput: (v) => (/^[1-9]\d*$/.test(v.trim()) ? undefined : `${v.trim() || 'nothing'} is not a positive whole number`),
  }).then((v) => v?.trim());
}

/** The run directory made, or undefined when cancelled or refused (the person is told why). */
async function importWeights(c: CommandContext, file?: vscode.Uri): Promise<string | undefined> {
  const folder = requireFolder();
  if (!folder || !(await requireTrust())) return undefined;
  const weights = file ?? (await vscode.window.showOpenDialog({
    title: 'Import PyTorch Weights: a SimpleUnet state_dict saved with safetensors.torch.save_file',
    canSelectMany: false, filters: { 'safetensors': ['safetensors'] }, defaultUri: folder.uri,
  }))?.[0];
  if (!weights) return undefined;
  const timesteps = await pickNumber('Import PyTorch Weights: timesteps T', TIMESTEP_CHOICES, 'The T the weights were trained with (a state_dict does not say)');
  if (!timesteps) return undefined;
  const imgSize = await pickNumber('Import PyTorch Weights: image size', IMAGE_SIZE_CHOICES, 'The image size in pixels the weights were trained at');
  if (!imgSize) return undefined;
  const settings = readSettings(folder);
  const args = ['import', '--weights', weights.fsPath, '--timesteps', timesteps, '--img-size', imgSize, '--dataset', settings.dataset, '--out', settings.outputDirectory];
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Diffusion: importing ${weights.fsPath}` },
    () => runTrainerCli(args, trainerCliOptions(c.context, folder, settings), 10 * 60_000));
  if (result.error) {
    // The CLI's own line names the file and the first tensor that does not fit.
    const said = result.stderr.split('\n').filter((l) => l.startsWith('diffusion-lab')).join('\n');
    void vscode.window.showErrorMessage(`Diffusion: cannot import: ${said.replace(/^diffusion-lab import: /gm, '') || result.error}`);
    return undefined;
  }
  const runDir = result.stdout.trim().split('\n').pop()!;
  await c.tree.reload();
  openResultsPanel({ kind: 'run', runDir });
  return runDir;
}
