// Who trains a run: a process named by its pid and its start time (so that a pid the system
// has since given to another process is not taken for the owner), and the per-run lock a
// sweep takes before it trains a run, `runs/.<run-id>.lock` beside the run directory.
//
// The lock is a small JSON file (RunLockFile) made with link(2), which fails when the file
// exists, so two sweeps never both take a run. A lock whose owner is gone (killed) is stale
// and is taken over. A lock whose owner is alive but whose parent is gone belongs to a sweep
// child (or an extension trainer) that noticed its parent's end and is checkpointing: a new
// sweep waits for it, for a bounded time, instead of skipping the run. The holder touches the
// lock every RUN_LOCK_HEARTBEAT_MS: on another machine, where its pid means nothing, a lock is
// held while that heartbeat is fresh.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { isOwnerAlive, processStart } from '../../shared/runReading/processIdentity';
import {
  RUN_LOCK_HEARTBEAT_MS, RUN_LOCK_PREFIX, RUN_LOCK_STALE_MS, RUN_LOCK_SUFFIX, type RunLockFile, type RunOwner,
} from '../../shared/runDirectory';

/** How long a sweep waits for a stopping previous owner of a run before it leaves the run alone. */
export const OWNER_WAIT_MS = 120_000;

/** This process, and its parent when this process stops as soon as its parent is gone (an IPC channel to it). */
export function currentOwner(): RunOwner {
  const start = processStart(process.pid);
  const owner: RunOwner = { pid: process.pid, ...(start ? { start } : {}) };
  if (process.channel && process.connected && process.ppid > 1) {
    const parentStart = processStart(process.ppid);
    owner.parent = { pid: process.ppid, ...(parentStart ? { start: parentStart } : {}) };
  }
  return owner;
}

/** An owner that stops with its parent, whose parent is gone: it is checkpointing and about to exit. Known on its own machine only. */
export function isOwnerStopping(owner: RunOwner & { host?: string }): boolean {
  if (owner.host !== undefined && owner.host !== hostname()) return false;
  return owner.parent !== undefined && !isOwnerAlive(owner.parent);
}

/** `<out>/runs/.<run-id>.lock` for the run directory `<out>/runs/<run-id>`. */
export function runLockPath(runDir: string): string {
  return path.join(path.dirname(runDir), `${RUN_LOCK_PREFIX}${path.basename(runDir)}${RUN_LOCK_SUFFIX}`);
}

/** A lock as read: its content and its last heartbeat (the file's modification time). */
export interface HeldLock extends RunLockFile {
  heartbeatMs: number;
}

/** The lock's owner, or null when there is no lock (or an unreadable one, which nothing holds). */
export async function readRunLock(runDir: string): Promise<HeldLock | null> {
  const file = runLockPath(runDir);
  const [text, stat] = await Promise.all([
    fs.readFile(file, 'utf8').catch(() => ''), // no lock (ENOENT), or released in between: nobody holds it
    fs.stat(file).catch(() => null), // the same
  ]);
  const lock = parseLock(text);
  return lock && stat ? { ...lock, heartbeatMs: stat.mtimeMs } : null;
}

/** Whether the lock's holder still has the run: its process alive here, or a fresh heartbeat from another machine. */
export function isLockHeld(lock: HeldLock, now = Date.now()): boolean {
  if (lock.host !== undefined && lock.host !== hostname()) return now - lock.heartbeatMs < RUN_LOCK_STALE_MS;
  return isOwnerAlive(lock);
}

function parseLock(text: string): RunLockFile | null {
  try {
    const v = JSON.parse(text) as RunLockFile;
    return typeof v === 'object' && v !== null && typeof v.pid === 'number' ? v : null;
  } catch {
    return null; // not a lock (half-written by hand): nothing holds it
  }
}

export type LockResult =
  | { kind: 'acquired'; release: () => Promise<void> }
  /** Held by a live process that is not stopping (or did not stop within the wait). */
  | { kind: 'busy'; owner: RunLockFile; waited: boolean }
  /** The signal was aborted while waiting. */
  | { kind: 'stopped' };

/**
 * Takes the run's lock. A stale lock (its owner gone) is taken over; one whose owner is
 * stopping is waited for, up to `waitMs`, with one line to `log`.
 */
export async function acquireRunLock(
  runDir: string,
  opts: { log?: (line: string) => void; signal?: AbortSignal; waitMs?: number; pollMs?: number } = {},
): Promise<LockResult> {
  const file = runLockPath(runDir);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const mine: RunLockFile = { ...currentOwner(), since: new Date().toISOString(), host: hostname() };
  const text = JSON.stringify(mine) + '\n';
  const tmp = `${file}.${process.pid}-${randomBytes(3).toString('hex')}.tmp`;
  await fs.writeFile(tmp, text);
  const waitMs = opts.waitMs ?? OWNER_WAIT_MS;
  const began = performance.now();
  let waited = false;
  try {
    for (;;) {
      try {
        await fs.link(tmp, file);
        const heartbeat = setInterval(() => {
          const now = new Date();
          fs.utimes(file, now, now).catch(() => {}); // released or taken over in between: nothing to keep alive
        }, RUN_LOCK_HEARTBEAT_MS);
        heartbeat.unref();
        return {
          kind: 'acquired',
          release: () => {
            clearInterval(heartbeat);
            return releaseLock(file, text);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const heldText = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null; // released in between: try again
        throw err;
      });
      if (heldText === null) continue;
      const held = parseLock(heldText);
      const heartbeatMs = (await fs.stat(file).catch(() => null))?.mtimeMs ?? 0; // gone since: stale, as below
      if (!held || !isLockHeld({ ...held, heartbeatMs })) {
        // Stale: take it over, unless another process did so in between (then it is that one's).
        const still = await fs.readFile(file, 'utf8').catch(() => null); // gone: nothing to take over
        if (still === heldText) await fs.unlink(file).catch(() => {}); // gone or changed: not ours to remove
        continue;
      }
      if (!isOwnerStopping(held)) return { kind: 'busy', owner: held, waited };
      if (opts.signal?.aborted) return { kind: 'stopped' };
      if (performance.now() - began > waitMs) {
        opts.log?.(`process ${held.pid} still holds ${file} after ${Math.round(waitMs / 1000)} s; leaving the run to it`);
        return { kind: 'busy', owner: held, waited };
      }
      if (!waited) {
        opts.log?.(`waiting for process ${held.pid}, which trained this run for a sweep that has ended, to checkpoint and exit (up to ${Math.round(waitMs / 1000)} s)`);
        waited = true;
      }
      await new Promise((resolve) => setTimeout(resolve, opts.pollMs ?? 100));
    }
  } finally {
    await fs.unlink(tmp).catch(() => {}); // already gone
  }
}

/** Removes the lock if it is still this one (a process that took over a lock it thought stale may hold it). */
async function releaseLock(file: string, text: string): Promise<void> {
  const current = await fs.readFile(file, 'utf8').catch(() => null); // already gone
  if (current === text) await fs.unlink(file).catch(() => {}); // gone or changed: not ours to remove
}
