// The extension's settings (package.json `contributes.configuration`), read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKENDS, isOneOf, type BackendRequest } from '../shared/options';
import { SCHEDULERS, type Scheduler, type SlurmOptions } from '../shared/slurmJob';

export interface DiffusionSettings {
  /** Absolute: the workspace folder joined with `diffusion.outputDirectory`. */
  outputDirectory: string;
  /** `toy-cars` or a folder, for runs started from the extension without a sweep file. */
  dataset: string;
  backend: BackendRequest;
  /** 0: each sweep file's own maxParallelRuns. */
  maxParallelRuns: number;
  /** Node to run the trainer with; empty: the editor's own. */
  nodePath: string;
  /** Seconds a stopped trainer has to checkpoint before it is killed. */
  stopTimeoutSeconds: number;
  scheduler: Scheduler;
  /** diffusion.slurm.*: defaults for what a sweep file's `slurm` block leaves unset; empty settings are left out. */
  slurm: SlurmOptions;
}

export function readSettings(folder: vscode.WorkspaceFolder): DiffusionSettings {
  const c = vscode.workspace.getConfiguration('diffusion', folder.uri);
  const backend = c.get<string>('backend', 'auto');
  const dataset = c.get<string>('dataset', '').trim();
  const scheduler = c.get<string>('scheduler', 'local');
  return {
    outputDirectory: path.resolve(folder.uri.fsPath, c.get<string>('outputDirectory', '.diffusion') || '.diffusion'),
    dataset: dataset === '' ? 'toy-cars' : dataset,
    backend: isOneOf(BACKENDS, backend) ? backend : 'auto',
    maxParallelRuns: Math.max(0, Math.floor(c.get<number>('maxParallelRuns', 0))),
    nodePath: c.get<string>('nodePath', '').trim(),
    stopTimeoutSeconds: Math.max(1, c.get<number>('stopTimeoutSeconds', 30)),
    scheduler: isOneOf(SCHEDULERS, scheduler) ? scheduler : 'local',
    slurm: readSlurmSettings(c),
  };
}

function readSlurmSettings(c: vscode.WorkspaceConfiguration): SlurmOptions {
  const text = (key: string) => c.get<string>(`slurm.${key}`, '').trim();
  const cpus = Math.floor(c.get<number>('slurm.cpusPerTask', 0));
  const extra = c.get<string[]>('slurm.extraDirectives', []).map((d) => d.trim()).filter(Boolean);
  const o: SlurmOptions = {};
  for (const key of ['partition', 'time', 'gres', 'mem', 'account', 'setup'] as const) if (text(key)) o[key] = text(key);
  if (cpus > 0) o.cpusPerTask = cpus;
  if (extra.length > 0) o.extraDirectives = extra;
  if (c.get<boolean>('slurm.requeue', false)) o.requeue = true;
  return o;
}
