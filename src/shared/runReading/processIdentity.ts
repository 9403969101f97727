// Whether the process a run directory names is still the one training it: a pid plus a start
// token, so that a pid the system has since given to another process is not taken for the owner.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { RunStatus } from '../runDirectory';

let bootId: string | null | undefined;
const starts = new Map<number, string | undefined>();

/**
 * An opaque token for when process `pid` started, equal for the same process, different for
 * another one given the same pid later; undefined when it cannot be found (no such process,
 * or a platform with neither /proc nor ps).
 */
export function processStart(pid: number): string | undefined {
  if (pid === process.pid && starts.has(pid)) return starts.get(pid);
  let start: string | undefined;
  if (process.platform === 'linux') {
    try {
      bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = null; // no boot id (some containers): the start time alone still tells processes apart
    }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Field 22 (starttime, clock ticks after boot); field 2, the name, may hold spaces and ')'.
      const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      if (ticks) start = `linux:${bootId ?? ''}:${ticks}`;
    } catch {
      start = undefined; // the process is gone
    }
  } else if (process.platform !== 'win32') {
    try {
      const lstart = execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
      if (lstart) start = `ps:${lstart}`;
    } catch {
      start = undefined; // ps exits 1 for a pid that does not exist
    }
  }
  if (pid === process.pid) starts.set(pid, start);
  return start;
}

/** The process is running, and is the one recorded (same start time when one was recorded). Not this process. */
export function isOwnerAlive(owner: { pid: number; start?: string }, checkCommand = false): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start !== undefined) {
    const now = processStart(owner.pid);
    // Known now and different: the pid was reused. Unknown now (no /proc, no ps): trust the signal check.
    return now === undefined ? true : now === owner.start;
  }
  if (!checkCommand) return true;
  // Recorded before start times were: at least a node process (a reused pid rarely is one).
  try {
    return readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true; // no /proc (macOS, Windows): trust the signal check
  }
}

/**
 * status.json says running, in a process that is still alive: the pid and, when recorded, the
 * same start time; without one, a node process. False for this process.
 */
export function isRunOwnerAlive(status: Pick<RunStatus, 'state' | 'pid' | 'pidStart'>): boolean {
  if (status.state !== 'running' || typeof status.pid !== 'number') return false;
  return isOwnerAlive({ pid: status.pid, ...(typeof status.pidStart === 'string' ? { start: status.pidStart } : {}) }, true);
}

/**
 * status.json says running, but the process it names is gone (killed, or crashed before it could
 * write another state): the run is interrupted. A run this process trains is not, nor one whose
 * status names no process (not written by a trainer: nothing to tell), nor a Slurm task's on another machine.
 */
export function isInterrupted(status: Pick<RunStatus, 'state' | 'pid' | 'pidStart' | 'slurm'>): boolean {
  // A Slurm task's pid is a process on its node, which means nothing on another machine (the
  // login node): there Slurm knows (`diffusion-lab status --sweep`), the pid does not.
  if (status.slurm !== undefined && status.slurm.host !== hostname()) return false;
  return status.state === 'running' && typeof status.pid === 'number' && status.pid !== process.pid && !isRunOwnerAlive(status);
}
