// Diffusion: Choose Dataset Folder (the walkthrough's first step). Picks a folder of images
// (Stanford Cars in torchvision's layout, or any folder) and saves it as the workspace
// folder's `diffusion.dataset`, which Train Single Run and sweeps created from a template
// use. The trainer checks the folder's contents when it loads it, with its own messages.
import * as path from 'node:path';
import * as vscode from 'vscode';

export const CHOOSE_DATASET_FOLDER_COMMAND = 'diffusion.chooseDatasetFolder';

export function registerChooseDatasetFolder(): vscode.Disposable {
  return vscode.commands.registerCommand(CHOOSE_DATASET_FOLDER_COMMAND, async (picked?: vscode.Uri) => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showErrorMessage('Choose Dataset Folder saves the choice in the open folder\'s settings: open a folder first (File > Open Folder).');
      return undefined;
    }
    const dataset = picked ?? (await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: folder.uri,
      title: 'Choose the folder of training images (Stanford Cars, or any folder of images)', openLabel: 'Train on These Images',
    }))?.[0];
    if (!dataset) return undefined;
    // Inside the workspace: relative, so the setting travels with the folder.
    const relative = path.relative(folder.uri.fsPath, dataset.fsPath);
    const value = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dataset.fsPath;
    await vscode.workspace.getConfiguration('diffusion', folder.uri).update('dataset', value, vscode.ConfigurationTarget.WorkspaceFolder);
    void vscode.window.showInformationMessage(`Sweeps created from a template and Train Single Run now use the images in ${value}. A sweep file's own "dataset" still wins.`);
    return value;
  });
}
