// Runs tfjs-backend-wasm's multi-threaded build (XNNPACK on a pthread pool) in Node.
//
// tfjs 4.22 builds that module for browsers only, and refuses it in Node three ways, each
// undone here from the outside (tf-backend-wasm.node.js is not patched):
// 1. its flag WASM_HAS_MULTITHREAD_SUPPORT is false whenever IS_NODE; the caller sets it.
// 2. Emscripten starts each pthread with `new Worker(url)`, `Worker` being a global name
//    the module sets to worker_threads.Worker; tfjs's url is a blob: URL of the worker
//    script, which Node's Worker rejects, and its first message ("load") carries the
//    module's factory as a Blob (`mainScriptUrlOrBlob`), which the worker's Node branch
//    cannot import. `Worker` is made a global accessor returning PthreadWorker, which
//    starts the same worker script (wasm-out/…worker.js) as eval code and swaps the Blob
//    for the path of the factory's source (wasm-out/…threaded-simd.js). The worker script
//    and the factory have Node branches of their own (parentPort, importScripts as
//    fs.readFileSync + eval) and run unchanged. The main thread runs the package's copy of
//    the same factory (same Emscripten build, same wasm binary).
// 3. The C side sizes its pool as min(requested, emscripten_num_logical_cores() / 2) ("2
//    hardware threads per core"), read once while the module initialises; in Node that
//    call is os.cpus().length. os.cpus() reports twice the requested count for as long as
//    the backend initialises, so the requested count is what runs.
// Emscripten ref()s a worker while it runs a pthread; XNNPACK's pool threads live as long
// as the process and are only ever waited on synchronously (kernels are synchronous), so
// PthreadWorker ignores ref() and the process exits when its own work is done.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker as NodeWorker } from 'node:worker_threads';

/** Overrides the thread count (a positive integer; 1 = the single-thread SIMD build). */
export const WASM_THREADS_ENV = 'DIFFUSION_LAB_WASM_THREADS';
/** tfjs starts 8 pthread workers up front and caps XNNPACK's pool at 8 threads. */
export const MAX_WASM_THREADS = 8;
/** The threaded module's JavaScript, from the package's wasm-out/ (esbuild.mjs copies them into dist/). */
export const THREADED_FACTORY = 'tfjs-backend-wasm-threaded-simd.js';
export const THREADED_WORKER = 'tfjs-backend-wasm-threaded-simd.worker.js';

const requireHere = createRequire(__filename);

export interface ThreadRequest {
  threads: number;
  /** Where the count came from, for the backend detail: "--threads 1", "DIFFUSION_LAB_WASM_THREADS=1", "2 cores". */
  source: string;
  /** A value that was ignored, and why. */
  ignored?: string;
}

/**
 * How many threads to ask for: `explicit` (the CLI's --threads), else $DIFFUSION_LAB_WASM_THREADS,
 * else every core Node may use, at most MAX_WASM_THREADS.
 */
export function requestedWasmThreads(explicit?: number, env: NodeJS.ProcessEnv = process.env, cores = availableCores()): ThreadRequest {
  if (explicit !== undefined) return { threads: clamp(explicit), source: `--threads ${explicit}` };
  const raw = env[WASM_THREADS_ENV];
  const fallback: ThreadRequest = { threads: clamp(cores), source: `${cores} core${cores === 1 ? '' : 's'}` };
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) return { ...fallback, ignored: `${WASM_THREADS_ENV}=${raw} (not a positive integer)` };
  return { threads: clamp(n), source: `${WASM_THREADS_ENV}=${raw}` };
}

function clamp(n: number): number {
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(n)));
}

function availableCores(): number {
  const os = nodeOs();
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The `os` module object itself (not an ES namespace copy), whose cpus the wasm module reads. */
function nodeOs(): typeof import('node:os') {
  return requireHere('node:os') as typeof import('node:os');
}

/** The parts of the WebAssembly global the probe uses (this project's TypeScript libs omit it). */
interface WasmGlobal {
  validate(bytes: Uint8Array): boolean;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBufferLike };
}

/** Why this runtime cannot run wasm threads, or undefined when it can. */
export function threadSupportProblem(): string | undefined {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'no SharedArrayBuffer/Atomics in this runtime';
  const wasm = (globalThis as { WebAssembly?: WasmGlobal }).WebAssembly;
  if (wasm === undefined) return 'no WebAssembly';
  try {
    // The same probe tfjs uses in browsers: a module with a shared memory and an atomic load.
    const threaded = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);
    if (!wasm.validate(threaded)) return 'this WebAssembly engine has no threads';
    if (!(new wasm.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer)) return 'no shared WebAssembly memory';
  } catch (err) {
    return `no WebAssembly threads (${(err as Error).message})`;
  }
  return undefined;
}

export interface ThreadedLoader {
  /** Path of the factory's source, `var WasmBackendModuleThreadedSimd = ...`, imported by each worker. */
  factoryFile: string;
  /** The pthread worker's script. */
  workerSource: string;
}

/** The loader files from the first directory holding both, or undefined. */
export function findThreadedLoader(dirs: readonly string[]): ThreadedLoader | undefined {
  const dir = dirs.find((d) => existsSync(join(d, THREADED_FACTORY)) && existsSync(join(d, THREADED_WORKER)));
  if (dir === undefined) return undefined;
  // wasm-out's worker file is a CommonJS module exporting the script as a string (tfjs
  // inlines it the same way). Its "\n" escapes became newlines in that string; escape them
  // back, as tfjs does before making its Blob, or the script does not parse.
  const contents = (requireHere(join(dir, THREADED_WORKER)) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof contents !== 'string') return undefined;
  return { factoryFile: join(dir, THREADED_FACTORY), workerSource: contents.replace(/\n/g, '\\n') };
}

/** The workers Emscripten made through PthreadWorker, while it is installed. */
export interface PthreadWorkers {
  readonly workers: readonly NodeWorker[];
  /** Rejects with the first error a worker reports while the module starts (e.g. its script failing to load). */
  readonly failed: Promise<never>;
  /** The module runs: from now on worker errors go to Emscripten's own handler. */
  started(): void;
  /** Terminates every worker and removes the global `Worker`: after a failed start only. */
  uninstall(): Promise<void>;
}

let installed: PthreadWorkers | undefined;

/** Makes the global `Worker` the Node pthread worker; idempotent. */
export function installPthreadWorkers(loader: ThreadedLoader): PthreadWorkers {
  if (installed) return installed;
  const workers: NodeWorker[] = [];
  let starting = true;
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // observed by whoever races it; never an unhandled rejection

  class PthreadWorker extends NodeWorker {
    constructor(url: unknown) {
      super(loader.workerSource, { eval: true });
      // tfjs made a blob: URL of the worker script for this worker; it is not used.
      if (typeof url === 'string' && url.startsWith('blob:')) URL.revokeObjectURL(url);
      workers.push(this);
    }

    override on(event: string | symbol, listener: (...args: any[]) => void): this {
      if (event !== 'error') return super.on(event, listener);
      // Emscripten's handler rethrows, which would end the process: while the module
      // starts, a worker's error instead makes the start fail (and the caller fall back).
      return super.on('error', (err: Error) => {
        if (starting) fail(new Error(`a wasm pthread worker failed: ${firstLineOf(err)}`));
        else listener(err);
      });
    }

    override postMessage(message: unknown, transferList?: readonly never[]): void {
      const m = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      if (m !== null && typeof m === 'object' && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') {
        message = { ...m, urlOrBlob: loader.factoryFile };
      }
      super.postMessage(message, transferList);
    }

    override ref(): void {
      // Pool threads must not keep the process alive (see the head of this file).
    }
  }

  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    // The module assigns worker_threads.Worker here when it starts; keep ours.
    set: () => {},
  });
  installed = {
    workers,
    failed,
    started() {
      starting = false;
    },
    async uninstall() {
      installed = undefined;
      delete (globalThis as { Worker?: unknown }).Worker;
      await Promise.all(workers.map((w) => w.terminate().catch(() => 0))); // one that already ended is as good as stopped
    },
  };
  return installed;
}

function firstLineOf(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n', 1)[0]!;
}

/**
 * Runs `body` (the wasm module's initialisation) while os.cpus() lists 2 x `threads`
 * entries, so that the module's logical-cores / 2 is `threads` (see the head of this file).
 */
export async function withLogicalCoresFor<T>(threads: number, body: () => Promise<T>): Promise<T> {
  const os = nodeOs();
  const original = os.cpus;
  os.cpus = () => {
    const real = original();
    const idle = { model: '', speed: 0, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } };
    return Array.from({ length: 2 * threads }, (_, i) => real[i % Math.max(1, real.length)] ?? idle);
  };
  try {
    return await body();
  } finally {
    os.cpus = original;
  }
}
