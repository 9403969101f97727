// Starts tfjs's wasm backend with the training kernels it lacks, from TypeScript sources
// (tsx) and from the esbuild bundle alike.
//
// In Node, tfjs-backend-wasm's Emscripten loader reads `<scriptDirectory>/<binary>.wasm`
// with fs, scriptDirectory being the __dirname of the file that contains the loader:
// node_modules/@tensorflow/tfjs-backend-wasm/dist/ when the package is required, but dist/
// of this project once esbuild has inlined the loader into dist/cli.js. So the binaries
// are looked for in both places (esbuild.mjs copies them next to the bundle) and the
// directory found is handed to setWasmPaths, rather than left to where the loader lives.
// Node never gets the threaded binary (tfjs reports no multithreading there), so the
// SIMD one is what runs; the plain one is for engines without SIMD.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasmTrainingKernels';

export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;
const REQUIRED_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

/** Where the .wasm binaries may be, in the order tried: beside this code, then the package. */
export function wasmBinaryDirCandidates(): string[] {
  const dirs = [__dirname];
  try {
    const pkg = createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json');
    dirs.push(join(dirname(pkg), 'dist'));
  } catch {
    // Not installed beside us: a packaged extension carries only the copied binaries.
  }
  return dirs;
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

let configuredDir: string | undefined;

/** Makes wasm the active backend; throws a one-line Error saying why it could not. */
export async function startWasmBackend(): Promise<StartedWasm> {
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
  const { ok, warnings } = await withCapturedWarnings(() => tf.setBackend('wasm'));
  if (!ok) {
    const why = warnings.map(firstLine).filter((w) => w.length > 0).join('; ') || 'tf.setBackend returned false';
    throw new Error(`the wasm backend failed to initialise from ${binaryDir}: ${why}`);
  }
  await tf.ready();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = getThreadsCount();
  return {
    binaryDir,
    simd,
    threads,
    detail: `wasm (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}, custom conv gradient kernels)`,
  };
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
