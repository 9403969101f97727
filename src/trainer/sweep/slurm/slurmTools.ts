// Slurm's commands (sbatch, squeue, sacct, scancel, scontrol) as this process finds and runs them.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';

/** The executable `name` on PATH, or null: whether this machine can talk to Slurm at all. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here: the next PATH entry
    }
  }
  return null;
}

export interface ToolResult {
  /** null when it could not be started or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Slurm command to its end; a controller that does not answer within a minute is an error, not a hang. */
export function runTool(command: string, args: string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === null ? err.message : '') });
    });
  });
}
