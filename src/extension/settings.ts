// The extension's settings (package.json `contributes.configuration`), read in one place.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BACKENDS, isOneOf, type BackendRequest } from '../shared/options';

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
}

export function readSettings(folder: vscode.WorkspaceFolder): DiffusionSettings {
  const c = vscode.workspace.getConfiguration('diffusion', folder.uri);
  const backend = c.get<string>('backend', 'auto');
  const dataset = c.get<string>('dataset', '').trim();
  return {
    outputDirectory: path.resolve(folder.uri.fsPath, c.get<string>('outputDirectory', '.diffusion') || '.diffusion'),
    dataset: dataset === '' ? 'toy-cars' : dataset,
    backend: isOneOf(BACKENDS, backend) ? backend : 'auto',
    maxParallelRuns: Math.max(0, Math.floor(c.get<number>('maxParallelRuns', 0))),
    nodePath: c.get<string>('nodePath', '').trim(),
    stopTimeoutSeconds: Math.max(1, c.get<number>('stopTimeoutSeconds', 30)),
  };
}
