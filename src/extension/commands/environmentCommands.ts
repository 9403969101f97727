// Check Environment: which tfjs backends load in the trainer's Node, as a markdown document
// (environmentReport.ts). Install GPU Backend, its companion, is installGpuBackend.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { environmentReport } from '../environmentReport';
import { nativeBackendDir } from './installGpuBackendCommand';
import { readSettings } from '../settings';
import { trainerEnv, type CommandContext } from './commandContext';

export function environmentCommands(c: CommandContext) {
  return {
    checkEnvironment: () => checkEnvironment(c.context),
  };
}

async function checkEnvironment(context: vscode.ExtensionContext): Promise<vscode.TextDocument | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const settings = folder ? readSettings(folder) : undefined;
  if (!vscode.workspace.isTrusted && settings?.nodePath) {
    void vscode.window.showWarningMessage('Check Environment runs diffusion.nodePath, which this untrusted workspace may set; trust the workspace first.');
    return undefined;
  }
  const content = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Diffusion: checking the trainer\'s environment' },
    () => environmentReport({
      cli: context.asAbsolutePath(path.join('dist', 'cli.js')),
      ...(settings?.nodePath ? { nodePath: settings.nodePath } : {}),
      cwd: folder?.uri.fsPath ?? context.extensionPath,
      env: trainerEnv(context),
      backendDir: nativeBackendDir(context),
    }));
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
