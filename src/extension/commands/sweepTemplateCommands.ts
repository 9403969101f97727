// Create Sweep from Template: the sweep files shipped in the extension's sweeps/ folder,
// copied into the workspace. Run Sweep (no sweep file yet) and Run Demo start from here too.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSettings } from '../settings';
import { requireFolder, type CommandContext } from './commandContext';

interface SweepTemplate {
  name: string;
  description: string;
  file: string;
}

export function sweepTemplateCommands(c: CommandContext) {
  return {
    createSweepFromTemplate: () => createSweepFromTemplate(c.context),
  };
}

/** Copies a shipped template into the workspace (never over an existing file) and opens it. */
export async function createSweepFromTemplate(context: vscode.ExtensionContext, title = 'Create a sweep from a template'): Promise<vscode.Uri | undefined> {
  const folder = requireFolder();
  if (!folder) return undefined;
  let templates: SweepTemplate[];
  try {
    templates = await readTemplates(context);
  } catch (err) {
    // The extension's own files: a broken install, said as such rather than an empty picker.
    void vscode.window.showErrorMessage(`Diffusion Lab cannot read its sweep templates: ${(err as Error).message}. Reinstalling the extension restores them.`);
    return undefined;
  }
  if (templates.length === 0) {
    void vscode.window.showErrorMessage(`Diffusion Lab has no sweep templates in ${context.asAbsolutePath('sweeps')}. Reinstalling the extension restores them.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(templates.map((t) => ({ label: t.name, detail: t.description, file: t.file })), { title, matchOnDetail: true });
  if (!picked) return undefined;
  const name = path.basename(picked.file);
  const existing = path.join(folder.uri.fsPath, name);
  if (existsSync(existing)) {
    // Never a silent demo-2.sweep.json: the person chooses.
    const next = nextFreeName(folder, name);
    const choice = await vscode.window.showWarningMessage(`${name} already exists in this folder.`, { modal: true }, 'Open It', `Create ${next}`);
    if (choice === 'Open It') {
      await vscode.window.showTextDocument(vscode.Uri.file(existing), { preview: false });
      return vscode.Uri.file(existing);
    }
    if (choice !== `Create ${next}`) return undefined;
  }
  const uri = await writeTemplate(context, folder, name);
  if (uri) await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

/** `demo.sweep.json`, else `demo-2.sweep.json`, `demo-3...`: the first name not taken in the folder. */
function nextFreeName(folder: vscode.WorkspaceFolder, name: string): string {
  const stem = name.replace(/\.sweep\.json$/, '');
  let candidate = name;
  for (let i = 2; existsSync(path.join(folder.uri.fsPath, candidate)); i++) candidate = `${stem}-${i}.sweep.json`;
  return candidate;
}

/** The template with the editor's $schema removed (jsonValidation supplies it) and dataset/backend settings filled in. */
export async function writeTemplate(context: vscode.ExtensionContext, folder: vscode.WorkspaceFolder, name: string): Promise<vscode.Uri | undefined> {
  const source = context.asAbsolutePath(path.join('sweeps', name));
  if (!existsSync(source)) {
    void vscode.window.showErrorMessage(`The extension has no template ${name}.`);
    return undefined;
  }
  const spec = JSON.parse(await fs.readFile(source, 'utf8')) as Record<string, unknown> & { base?: Record<string, unknown> };
  delete spec.$schema;
  const settings = readSettings(folder);
  if (settings.dataset !== 'toy-cars') spec.base = { ...spec.base, dataset: settings.dataset };
  if (settings.backend !== 'auto') spec.base = { ...spec.base, backend: settings.backend };
  const target = path.join(folder.uri.fsPath, nextFreeName(folder, name));
  if (path.basename(target) !== name) spec.name = path.basename(target).replace(/\.sweep\.json$/, '');
  await fs.writeFile(target, JSON.stringify(spec, null, 2) + '\n', { flag: 'wx' });
  return vscode.Uri.file(target);
}

async function readTemplates(context: vscode.ExtensionContext): Promise<SweepTemplate[]> {
  const dir = context.asAbsolutePath('sweeps');
  const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.sweep.json')).sort();
  return Promise.all(names.map(async (name) => {
    const file = path.join(dir, name);
    let spec: { description?: string };
    try {
      spec = JSON.parse(await fs.readFile(file, 'utf8')) as { description?: string };
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    return { name: name.replace(/\.sweep\.json$/, ''), description: spec.description ?? '', file };
  }));
}
