// Starts tfjs's wasm backend with the training kernels it lacks, from TypeScript sources
// (tsx) and from the esbuild bundle alike.
//
// In Node, tfjs-backend-wasm's Emscripten loader reads `<scriptDirectory>/<binary>.wasm`
// with fs, scriptDirectory being the __dirname of the file that contains the loader:
// node_modules/@tensorflow/tfjs-backend-wasm/dist/ when the package is required, but dist/
// of this project once esbuild has inlined the loader into dist/cli.js. So the binaries
// are looked for in both places (esbuild.mjs copies them next to the bundle) and the
// directory found is handed to setWasmPaths, rather than left to where the loader lives.
// With more than one core, the threaded SIMD build runs (wasmThreads.ts makes it start in
// Node; its JavaScript is looked for the same way, in dist/ or the package's wasm-out/);
// with one thread asked for, or when that build cannot start, the single-thread SIMD one
// does, and the detail says why. The plain binary is for engines without SIMD.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTrainingKernels';
import {
  findThreadedLoader,
  installPthreadWorkers,
  requestedWasmThreads,
  threadSupportProblem,
  withLogicalCoresFor,
  type ThreadedLoader,
} from './wasmThreads';

export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
const REQUIRED_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

/** Where the .wasm binaries may be, in the order tried: beside this code, then the package. */
export function wasmBinaryDirCandidates(): string[] {
  const pkg = wasmPackageDir();
  return [__dirname, ...(pkg ? [join(pkg, 'dist')] : [])];
}

/** Where the threaded module's JavaScript may be: beside this code, then the package's wasm-out/. */
export function threadedLoaderDirCandidates(): string[] {
  const pkg = wasmPackageDir();
  return [__dirname, ...(pkg ? [join(pkg, 'wasm-out')] : [])];
}

function wasmPackageDir(): string | undefined {
  try {
    return dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  } catch {
    return undefined; // Not installed beside us: a packaged extension carries only the copied files.
  }
}

export function findWasmBinaryDir(candidates: readonly string[] = wasmBinaryDirCandidates()): string | undefined {
  return candidates.find((dir) => REQUIRED_BINARIES.every((name) => existsSync(join(dir, name))));
}

export interface StartedWasm {
  binaryDir: string;
  simd: boolean;
  threads: number;
  detail: string;
}

export interface WasmStartOptions {
  /** Threads for XNNPACK (1 = the single-thread build); default $DIFFUSION_LAB_WASM_THREADS, else every core. */
  threads?: number;
  /** Tests: where to look for the threaded module's JavaScript, and how long to wait for its workers. */
  threadedLoaderDirs?: string[];
  threadedStartTimeoutMs?: number;
}

/** How long the threaded module may take to start its workers before the single-thread one is used. */
const THREADED_START_TIMEOUT_MS = 60_000;


let configuredDir: string | undefined;
let started: StartedWasm | undefined;

/**
 * Makes wasm the active backend; throws a one-line Error saying why it could not. The
 * module starts once per process: later calls return the first start's figures.
 */
export async function startWasmBackend(options: WasmStartOptions = {}): Promise<StartedWasm> {
  const candidates = wasmBinaryDirCandidates();
  const binaryDir = configuredDir ?? findWasmBinaryDir(candidates);
  if (binaryDir === undefined) {
    throw new Error(
      `the wasm backend's binaries (${REQUIRED_BINARIES.join(', ')}) are in none of ${candidates.join(', ')}; ` +
        `run \`npm run build\` (it copies them into dist/) or reinstall @tensorflow/tfjs-backend-wasm`,
    );
  }
  if (configuredDir === undefined) {
    // setWasmPaths must precede the backend's first initialisation and cannot change after.
    setWasmPaths(binaryDir.endsWith(sep) ? binaryDir : binaryDir + sep);
    configuredDir = binaryDir;
  }
  registerWasmTrainingKernels();
  if (started !== undefined && wasmInitialised()) {
    await tf.setBackend('wasm');
    return started;
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const request = requestedWasmThreads(options.threads);
  // Why the single-thread build runs although more threads were asked for.
  let threadsNote: string | undefined;
  let threaded = false;
  if (request.threads > 1) {
    const loaderDirs = options.threadedLoaderDirs ?? threadedLoaderDirCandidates();
    const loader = findThreadedLoader(loaderDirs);
    const problem = !simd
      ? 'the threaded build needs WebAssembly SIMD'
      : (threadSupportProblem() ??
        (loader === undefined ? `its loader (tfjs-backend-wasm-threaded-simd.js and .worker.js) is in none of ${loaderDirs.join(', ')}` : undefined));
    if (problem === undefined) {
      const failure = await startThreaded(loader!, request.threads, options.threadedStartTimeoutMs ?? THREADED_START_TIMEOUT_MS);
      threaded = failure === undefined;
      if (failure !== undefined) threadsNote = `the threaded build did not start: ${failure}`;
    } else {
      threadsNote = problem;
    }
  }
  if (!threaded) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    setThreadsCount(1);
    const { ok, warnings } = await withCapturedWarnings(() => tf.setBackend('wasm'));
    if (!ok) {
      const why = warnings.map(firstLine).filter((w) => w.length > 0).join('; ') || 'tf.setBackend returned false';
      throw new Error(`the wasm backend failed to initialise from ${binaryDir}: ${why}`);
    }
  }
  await tf.ready();
  const threads = getThreadsCount();
  const threadPart =
    `${threads} thread${threads === 1 ? '' : 's'}` +
    (threadsNote !== undefined ? ` (${threadsNote})` : request.source.startsWith('--') || request.source.includes('=') ? ` (${request.source})` : '') +
    (request.ignored !== undefined ? `, ignored ${request.ignored}` : '');
  started = {
    binaryDir,
    simd,
    threads,
    detail: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threadPart}, custom conv gradient kernels)`,
  };
  return started;
}

/**
 * Initialises the backend with the threaded build; undefined when it runs, else why not
 * (everything it set up is undone then, so the single-thread build can start).
 */
async function startThreaded(loader: ThreadedLoader, threads: number, timeoutMs: number): Promise<string | undefined> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  const pool = installPthreadWorkers(loader);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`its workers did not start within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    const { ok, warnings } = await withLogicalCoresFor(threads, () =>
      withCapturedWarnings(() => Promise.race([tf.setBackend('wasm'), pool.failed, timeout])),
    );
    if (!ok) return warnings.map(firstLine).filter((w) => w.length > 0).join('; ') || 'tf.setBackend returned false';
    pool.started();
    return undefined;
  } catch (err) {
    return firstLine((err as Error).message ?? String(err));
  } finally {
    clearTimeout(timer);
    if (!wasmInitialised()) {
      await pool.uninstall();
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    }
  }
}

/** Whether the wasm backend has an instance (tf.findBackend would start one). */
function wasmInitialised(): boolean {
  return tf.engine().registry['wasm'] !== undefined;
}

/**
 * tfjs reports a backend that fails to initialise only through console.warn, then
 * returns false; hold those lines back so the error can say why. On success they are
 * passed on unchanged.
 */
async function withCapturedWarnings(body: () => Promise<boolean>): Promise<{ ok: boolean; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  let ok = false;
  try {
    ok = await body();
  } finally {
    console.warn = original;
  }
  if (ok) for (const w of warnings) console.warn(w);
  return { ok, warnings };
}

export function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}
