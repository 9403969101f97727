// The `tensorflow` backend: libtensorflow through @tensorflow/tfjs-node-gpu (CUDA) or
// @tensorflow/tfjs-node (CPU). Both download libtensorflow when installed, so they are
// optional and usually absent; they are required at run time through createRequire,
// which esbuild leaves alone, so the bundle never tries to include them.
//
// They may also live outside this project: the extension installs the GPU package into
// its global storage (`npm install --prefix <dir>`) and passes <dir> in
// DIFFUSION_LAB_BACKEND_DIR. That directory is searched first.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export const BACKEND_DIR_ENV = 'DIFFUSION_LAB_BACKEND_DIR';

export const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
export type NativePackage = (typeof NATIVE_PACKAGES)[number];

export interface BackendSearchOptions {
  /** An npm prefix (or its node_modules) holding a native package; defaults to $DIFFUSION_LAB_BACKEND_DIR. */
  backendDir?: string;
  /** Search backendDir alone, not beside the trainer too (tests: what they see must not depend on what npm installed here). */
  onlyBackendDir?: boolean;
}

export type NativeLoad =
  | { loaded: true; pkg: NativePackage; resolvedFrom: string; gpu?: string }
  | { loaded: false; pkg: NativePackage; installed: boolean; reason: string };

/** Directories whose node_modules are searched, extra directory first. */
export function nativeSearchBases(options: BackendSearchOptions = {}): string[] {
  const extra = options.backendDir ?? process.env[BACKEND_DIR_ENV];
  return [...(extra ? [extra] : []), ...(options.onlyBackendDir && extra ? [] : [__dirname])];
}

function resolveNative(pkg: NativePackage, bases: readonly string[]): { path: string; requireFrom: NodeJS.Require } | undefined {
  for (const base of bases) {
    // createRequire wants a file path; the file need not exist. Resolution then looks in
    // base/node_modules and upwards, so a prefix and its node_modules both work.
    const requireFrom = createRequire(join(base, 'noop.js'));
    try {
      return { path: requireFrom.resolve(pkg), requireFrom };
    } catch {
      continue; // not under this base: try the next; found under none is reported as not installed
    }
  }
  return undefined;
}

/**
 * Loads a native package, which registers and selects the `tensorflow` backend. Loading
 * is once per process: libtensorflow cannot be unloaded.
 */
export async function loadNativeBackend(pkg: NativePackage, options: BackendSearchOptions = {}): Promise<NativeLoad> {
  const bases = nativeSearchBases(options);
  const found = resolveNative(pkg, bases);
  if (found === undefined) {
    return { loaded: false, pkg, installed: false, reason: `${pkg} is not installed (searched from ${bases.join(', ')})` };
  }
  try {
    found.requireFrom(pkg);
  } catch (err) {
    return { loaded: false, pkg, installed: true, reason: `${pkg} failed to load: ${errorLine(err)}` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { loaded: false, pkg, installed: true, reason: `${pkg} loaded but the tensorflow backend did not initialise` };
  }
  const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  return {
    loaded: true,
    pkg,
    resolvedFrom: found.path,
    ...(usingGpu ? { gpu: nvidiaGpuNames()[0] ?? 'CUDA GPU (name unknown: nvidia-smi unavailable)' } : {}),
  };
}

/**
 * GPU names from nvidia-smi. tfjs-node says only whether it uses a GPU; the name
 * TensorFlow logs goes to native stderr, out of JS's reach.
 */
export function nvidiaGpuNames(): string[] {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
  } catch {
    return []; // no nvidia-smi: the caller says the name is unknown and why
  }
}

function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0]!.trim();
}
