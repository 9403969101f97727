// Check Environment: which tfjs backends load in the trainer's Node, as a read-only markdown
// document (environmentReport.ts). Install GPU Backend, its companion, is installGpuBackendCommand.ts.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { environmentReport } from '../environmentReport';
import { nativeBackendDir } from './installGpuBackendCommand';
import { readSettings } from '../settings';
import { trainerEnv, type CommandContext } from './commandContext';

/** Check Environment's report is a read-only document of this scheme: nothing to save, nothing asks to. */
export const ENVIRONMENT_SCHEME = 'diffusion-environment';
const REPORT_URI = vscode.Uri.from({ scheme: ENVIRONMENT_SCHEME, path: '/Diffusion Lab environment.md' });

class EnvironmentReports implements vscode.TextDocumentContentProvider {
  private text = '';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(): string {
    return this.text;
  }

  show(text: string): void {
    this.text = text;
    this.changed.fire(REPORT_URI);
  }
}

export function environmentCommands(c: CommandContext) {
  const reports = new EnvironmentReports();
  c.context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(ENVIRONMENT_SCHEME, reports));
  return {
    checkEnvironment: () => checkEnvironment(c.context, reports),
  };
}

async function checkEnvironment(context: vscode.ExtensionContext, reports: EnvironmentReports): Promise<vscode.TextDocument | undefined> {
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
  reports.show(content);
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(REPORT_URI), 'markdown');
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
