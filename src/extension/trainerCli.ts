// Runs dist/cli.js in the trainer's Node (the configured one, or the editor's own as Node),
// for the commands that are one-shot CLI calls: env, report.
import { execFile } from 'node:child_process';

export interface TrainerCliOptions {
  /** dist/cli.js */
  cli: string;
  nodePath?: string;
  cwd: string;
  env?: Record<string, string>;
}

export interface CliResult {
  stdout: string;
  stderr: string;
  /** Set when it could not run or exited non-zero. */
  error?: string;
}

/** `args` go to node as is: pass [cli, ...] for the CLI, or node flags such as ['-p', expr]. */
export function runNode(args: string[], o: TrainerCliOptions, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(o.nodePath || process.execPath, args, { cwd: o.cwd, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', ...o.env }, timeout: timeoutMs, maxBuffer: 4 << 20 },
      (err, stdout, stderr) => resolve({ stdout, stderr, ...(err ? { error: err.message } : {}) }));
  });
}

export function runTrainerCli(args: string[], o: TrainerCliOptions, timeoutMs?: number): Promise<CliResult> {
  return runNode([o.cli, ...args], o, timeoutMs);
}
