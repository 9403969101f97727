// Diffusion: Install GPU Backend. Installs @tensorflow/tfjs-node-gpu (or tfjs-node where
// there is no NVIDIA GPU or the platform is not Linux x64) with npm into the extension's
// global storage, with a progress notification and the npm log in the Output channel.
// Trainers started afterwards get that directory as DIFFUSION_LAB_BACKEND_DIR
// (trainerLaunch in commandContext.ts), and the trainer's own report says whether the package loads.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { choosePackage, findNpmCli, installNativeBackend, NATIVE_BACKEND_VERSION, type InstallResult, type NativeBackendPackage } from '../tensorflowPackageInstaller';
import { readSettings } from '../settings';
import { runTrainerCli } from '../trainerCli';

export const INSTALL_GPU_BACKEND_COMMAND = 'diffusion.installGpuBackend';

/** Where the native backend is installed: an npm prefix, passed to trainers as DIFFUSION_LAB_BACKEND_DIR. */
export function nativeBackendDir(context: vscode.ExtensionContext): string {
  return path.join(context.globalStorageUri.fsPath, 'backend');
}

/** Optional argument, for automation and machines without network: which package, and an npm spec (version, tarball, folder). */
export interface InstallGpuBackendArgs {
  pkg?: NativeBackendPackage;
  spec?: string;
}

export interface InstallGpuBackendOutcome {
  result: InstallResult;
  /** After a successful install: the trainer's probe of the package (loads, and on which device). */
  probe?: { loads: boolean; detail?: string; reason?: string; gpu?: string };
}

interface Probe {
  name: string;
  loads: boolean;
  detail?: string;
  reason?: string;
  gpu?: string;
}

export function registerInstallGpuBackend(context: vscode.ExtensionContext, output: vscode.OutputChannel): vscode.Disposable {
  return vscode.commands.registerCommand(INSTALL_GPU_BACKEND_COMMAND, async (args?: InstallGpuBackendArgs) => {
    try {
      return await installGpuBackend(context, output, args ?? {});
    } catch (err) {
      void vscode.window.showErrorMessage(`Diffusion: ${(err as Error).message}`);
      return undefined;
    }
  });
}

async function installGpuBackend(context: vscode.ExtensionContext, output: vscode.OutputChannel, args: InstallGpuBackendArgs): Promise<InstallGpuBackendOutcome | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  // diffusion.nodePath is a restricted setting: an untrusted workspace does not choose the Node that runs npm.
  const nodePath = folder && vscode.workspace.isTrusted ? readSettings(folder).nodePath : '';
  const choice = args.pkg ? { pkg: args.pkg, why: 'asked for' } : choosePackage({ platform: process.platform, arch: process.arch, nvidiaGpus: await nvidiaGpus() });
  const dir = nativeBackendDir(context);
  const node = nodePath || onPath('node') || process.execPath;
  const npmCli = findNpmCli(nodePath || onPath('node'));
  const stamp = () => new Date().toLocaleTimeString();
  output.appendLine(`${stamp()} Install GPU Backend: ${choice.pkg} (${choice.why}) into ${dir}`);
  if (!npmCli) {
    const message = 'Install GPU Backend needs npm, and there is none on PATH (nor beside diffusion.nodePath). Install Node.js 20 or later with npm on the machine the trainer runs on, then run the command again. Training keeps using the WebAssembly backend.';
    output.appendLine(`${stamp()} ${message}`);
    void vscode.window.showErrorMessage(message);
    return { result: { ok: false, problem: 'npm', message } };
  }
  output.show(true);
  const version = args.spec ?? NATIVE_BACKEND_VERSION;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Diffusion: installing ${choice.pkg}@${version}`, cancellable: true },
    (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      progress.report({ message: 'npm install (it downloads libtensorflow, hundreds of MB)…' });
      return installNativeBackend({
        dir, pkg: choice.pkg, spec: version, npmCli, nodePath: node, signal: abort.signal,
        onLine: (line) => {
          output.appendLine(line);
          if (line.trim()) progress.report({ message: line.trim().slice(0, 120) });
        },
      });
    });

  if (!result.ok) {
    output.appendLine(`${stamp()} Install GPU Backend failed: ${result.message}`);
    if (result.problem !== 'cancelled') {
      void vscode.window.showErrorMessage(`${result.message} Training keeps using the WebAssembly backend. The install log is in Output › Diffusion Lab.`, 'Check Environment')
        .then((answer) => answer && vscode.commands.executeCommand('diffusion.checkEnvironment'));
    }
    return { result };
  }

  // Ask the trainer, as a sweep would start it, whether the package loads.
  const env = await runTrainerCli(['env', '--json'], {
    cli: context.asAbsolutePath(path.join('dist', 'cli.js')),
    ...(nodePath ? { nodePath } : {}),
    cwd: folder?.uri.fsPath ?? context.extensionPath,
    env: { DIFFUSION_LAB_BACKEND_DIR: dir },
  });
  let probe: Probe | undefined;
  try {
    probe = (JSON.parse(env.stdout) as Probe[]).find((p) => p.name === result.pkg);
  } catch {
    probe = undefined; // no report: the message below quotes the trainer's stderr, which says why
  }
  const installed = `Installed ${result.pkg}@${result.version} into ${dir}.`;
  output.appendLine(`${stamp()} ${installed} The trainer ${probe?.loads ? `loads it: ${probe.detail ?? ''}` : `cannot load it: ${probe?.reason ?? env.stderr.trim().split('\n').pop() ?? env.error ?? ''}`}`);
  if (probe?.loads) {
    void vscode.window.showInformationMessage(`${installed} Sweeps started from now on train with it${probe.gpu ? ` on ${probe.gpu}` : ' (on the CPU: TensorFlow found no usable GPU)'}.`, 'Check Environment')
      .then((answer) => answer && vscode.commands.executeCommand('diffusion.checkEnvironment'));
  } else {
    void vscode.window.showWarningMessage(`${installed} But the trainer cannot load it: ${probe?.reason ?? 'it did not report its backends'}. Training keeps using the WebAssembly backend.`, 'Check Environment')
      .then((answer) => answer && vscode.commands.executeCommand('diffusion.checkEnvironment'));
  }
  return { result, ...(probe ? { probe } : {}) };
}

function nvidiaGpus(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 5000 }, (err, stdout) =>
      resolve(err ? [] : stdout.split('\n').map((l) => l.trim()).filter(Boolean)));
  });
}

function onPath(name: string): string | undefined {
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const n of names) if (existsSync(path.join(dir, n))) return path.join(dir, n);
  }
  return undefined;
}
