// Installs the trainer's `tensorflow` backend package (@tensorflow/tfjs-node-gpu or
// @tensorflow/tfjs-node) with npm into a directory the trainer is then pointed at with
// DIFFUSION_LAB_BACKEND_DIR (src/trainer/backend/nativeBackend.ts searches it first).
// Knows nothing of VS Code, so it is tested in plain Node.
//
// The install goes to a sibling staging directory that replaces the target only when npm
// succeeded: a failed or cancelled install (these packages download libtensorflow in
// their install script, which fails without network) leaves what was there before, and
// the trainer keeps using its wasm backend.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** The tfjs version the trainer bundles; the native package must match it. */
export const NATIVE_BACKEND_VERSION = '4.22.0';

export type NativeBackendPackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export interface HostForInstall {
  platform: NodeJS.Platform;
  arch: string;
  /** GPUs nvidia-smi lists; empty when there is none or no driver. */
  nvidiaGpus: string[];
}

export interface PackageChoice {
  pkg: NativeBackendPackage;
  /** Why this package, in a sentence for the person. */
  why: string;
}

/** tfjs-node-gpu where it can work (Linux x64 with an NVIDIA GPU), tfjs-node elsewhere. */
export function choosePackage(host: HostForInstall): PackageChoice {
  if (host.platform !== 'linux' || host.arch !== 'x64') {
    return { pkg: '@tensorflow/tfjs-node', why: `@tensorflow/tfjs-node-gpu is built for Linux x64 only, not ${host.platform} ${host.arch}; @tensorflow/tfjs-node runs libtensorflow on the CPU` };
  }
  if (host.nvidiaGpus.length === 0) {
    return { pkg: '@tensorflow/tfjs-node', why: 'nvidia-smi lists no NVIDIA GPU here; @tensorflow/tfjs-node runs libtensorflow on the CPU' };
  }
  return { pkg: '@tensorflow/tfjs-node-gpu', why: `NVIDIA GPU found: ${host.nvidiaGpus.join(', ')} (needs CUDA 11.2 and cuDNN 8.1)` };
}

/**
 * npm's CLI script to run with a Node: next to the given Node (an installed Node.js
 * ships lib/node_modules/npm), else the npm on PATH. The editor's own Node has no npm,
 * and on a Remote-SSH server the one on PATH may be all there is.
 */
export function findNpmCli(nodePath: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  const besideNode = (node: string) => {
    const bin = path.dirname(node);
    candidates.push(path.join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), path.join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js'));
  };
  if (nodePath) besideNode(nodePath);
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of process.platform === 'win32' ? ['npm.cmd'] : ['npm']) {
      const npm = path.join(dir, name);
      if (!existsSync(npm)) continue;
      // bin/npm is a link (or a shell wrapper on Windows) into the npm package.
      candidates.push(path.join(dir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), path.join(dir, 'node_modules', 'npm', 'bin', 'npm-cli.js'));
    }
  }
  return candidates.map((c) => path.resolve(c)).find((c) => existsSync(c));
}

export interface InstallRequest {
  /** The directory the trainer gets as DIFFUSION_LAB_BACKEND_DIR: an npm prefix. */
  dir: string;
  pkg: NativeBackendPackage;
  /** What npm installs as `pkg`: a version (default NATIVE_BACKEND_VERSION) or any npm spec, e.g. a tarball. */
  spec?: string;
  /** npm-cli.js (findNpmCli) and the Node to run it with. */
  npmCli: string;
  nodePath: string;
  /** Every line npm and the package's install script print. */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export type InstallProblem =
  /** The package's install script could not download libtensorflow (or npm could not reach the registry). */
  | 'download'
  /** npm or the package refuses this OS/CPU. */
  | 'platform'
  | 'cancelled'
  /** Any other npm failure; the log has it. */
  | 'npm';

export type InstallResult =
  | { ok: true; dir: string; pkg: NativeBackendPackage; version: string }
  | { ok: false; problem: InstallProblem; message: string };

const NETWORK_ERROR = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|getaddrinfo|socket hang up|self[- ]signed certificate|unable to get local issuer certificate)\b/i;
const PLATFORM_ERROR = /\bEBADPLATFORM\b|Unsupported (?:platform|system)|is not (?:yet )?supported on|not supported for your platform/i;

/** What went wrong, from the install log: the person gets a sentence, the details stay in the log. */
export function classifyFailure(log: string, pkg: NativeBackendPackage): { problem: InstallProblem; message: string } {
  if (PLATFORM_ERROR.test(log)) {
    return { problem: 'platform', message: `${pkg} does not install on this platform (${process.platform} ${process.arch}).` };
  }
  if (NETWORK_ERROR.test(log)) {
    const url = /https?:\/\/\S*libtensorflow\S*/.exec(log)?.[0];
    const registry = /npm (?:ERR!|error) code (ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT)/.test(log) && !/libtensorflow|install\.js|node-pre-gyp/.test(log);
    return {
      problem: 'download',
      message: registry
        ? `npm could not reach the package registry to download ${pkg}: this machine seems to have no network access.`
        : `${pkg} installed from npm, but its install script could not download libtensorflow${url ? ` (${url})` : ''}: this machine seems to have no access to it.`,
    };
  }
  const npmError = log.split('\n').filter((l) => /npm (?:ERR!|error)/.test(l)).map((l) => l.replace(/^npm (?:ERR!|error)\s*/, '').trim()).filter(Boolean);
  return { problem: 'npm', message: `npm could not install ${pkg}${npmError.length ? `: ${npmError.slice(0, 2).join(' ')}` : '.'}` };
}

export async function installNativeBackend(req: InstallRequest): Promise<InstallResult> {
  const staging = `${req.dir}.installing`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  await fs.writeFile(path.join(staging, 'package.json'), JSON.stringify({ name: 'diffusion-lab-backend', private: true, description: 'The tfjs native backend Diffusion Lab installed (Diffusion: Install GPU Backend).' }, null, 2) + '\n');
  const spec = req.spec ?? NATIVE_BACKEND_VERSION;
  // A version or range goes after the name; a tarball, folder or URL is given as is.
  const target = /^[\w.^~<>=*-]+$/.test(spec) && !spec.endsWith('.tgz') ? `${req.pkg}@${spec}` : spec;
  // --foreground-scripts: the install script's download messages reach the log as they happen.
  const args = [req.npmCli, 'install', '--no-audit', '--no-fund', '--no-update-notifier', '--foreground-scripts', '--save-exact', target];
  req.onLine?.(`$ npm ${args.slice(1).join(' ')}   (in ${staging})`);

  const log: string[] = [];
  const code = await new Promise<number | 'cancelled' | Error>((resolve) => {
    const child = spawn(req.nodePath, args, {
      cwd: staging,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...req.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onAbort = () => {
      child.kill('SIGTERM');
      resolve('cancelled');
    };
    if (req.signal?.aborted) onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.push(line);
        req.onLine?.(line);
      });
    }
    child.on('error', (err) => resolve(err));
    child.on('close', (exit) => {
      req.signal?.removeEventListener('abort', onAbort);
      resolve(exit ?? 1);
    });
  });

  if (code !== 0) {
    await fs.rm(staging, { recursive: true, force: true });
    if (code === 'cancelled') return { ok: false, problem: 'cancelled', message: `The install of ${req.pkg} was cancelled.` };
    if (code instanceof Error) return { ok: false, problem: 'npm', message: `npm could not be started: ${code.message}` };
    return { ok: false, ...classifyFailure(log.join('\n'), req.pkg) };
  }
  let version: string;
  try {
    const manifest = createRequire(path.join(staging, 'noop.js')).resolve(`${req.pkg}/package.json`);
    version = (JSON.parse(await fs.readFile(manifest, 'utf8')) as { version: string }).version;
  } catch {
    // Reported: whether unresolvable or unreadable, the package is not usably there.
    await fs.rm(staging, { recursive: true, force: true });
    return { ok: false, problem: 'npm', message: `npm finished, but ${req.pkg} is not in ${staging}/node_modules.` };
  }
  // Swap in the new install; the old one goes only once the new one is in place.
  const previous = `${req.dir}.previous`;
  await fs.rm(previous, { recursive: true, force: true });
  if (existsSync(req.dir)) await fs.rename(req.dir, previous);
  await fs.rename(staging, req.dir);
  await fs.rm(previous, { recursive: true, force: true });
  return { ok: true, dir: req.dir, pkg: req.pkg, version };
}
