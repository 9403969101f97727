// --threads N, taken by every command that trains or samples: handed to the wasm backend,
// and to any child process, through the environment.
import { ConfigError } from '../shared/runConfig';
import { WASM_THREADS_ENV } from './backend/wasm/wasmThreads';

export const THREADS_OPTION = { threads: { type: 'string' } } as const;

export const THREADS_HELP = `  --threads N        wasm backend: threads for its convolutions (1 = the single-thread build;
                     default: every core, at most 8; in a sweep, per run). Same as ${WASM_THREADS_ENV}=N.`;

export function applyThreadsFlag(raw: string | boolean | undefined): void {
  if (raw === undefined) return;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1) throw new ConfigError(`--threads must be a positive integer, got ${String(raw)}`);
  process.env[WASM_THREADS_ENV] = String(n);
}
