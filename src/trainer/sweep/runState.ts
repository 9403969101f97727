// What a sweep does with one of its runs, decided from the run directory alone: this is what
// makes running the same sweep again skip finished runs and continue interrupted ones.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/runConfig';
import { RUN_FILES, type RunState, type RunStatus } from '../../shared/runDirectory';
import { readRunConfigFile, readRunStatus } from '../../shared/runReading/runFiles';
import { canonicalJson } from '../../shared/sweepChecks/resolveSweep';
import { isRunOwnerAlive } from '../../shared/runReading/processIdentity';
import { isLockHeld, isOwnerStopping, readRunLock } from './runOwner';

export type RunAction =
  /** No run directory: train from the start. */
  | { kind: 'new' }
  /** A directory with nothing worth keeping (no metrics, checkpoint or notes): remove it and start again. */
  | { kind: 'restart'; was: RunState | 'unreadable' }
  /** Interrupted (cancelled, killed, or failed with a checkpoint): continue from the checkpoint. */
  | { kind: 'resume'; was: RunState; step: number }
  | { kind: 'done' }
  /**
   * Another live process holds the run's lock, or status.json says running in a live process.
   * `stopping`: that process stops with its parent, which is gone, so it is checkpointing and
   * about to exit; a sweep waits for it (acquireRunLock) instead of leaving the run alone.
   */
  | { kind: 'busy'; pid: number; stopping: boolean }
  /** Failed with no checkpoint to resume from; left as it is. */
  | { kind: 'failed'; error: string }
  /** The directory cannot be this run: another config, or no config.json beside data. */
  | { kind: 'conflict'; reason: string };

export async function planRunAction(runDir: string, config: RunConfig): Promise<RunAction> {
  const lock = await readRunLock(runDir);
  if (lock && isLockHeld(lock)) {
    // Another process has the run (this one's own lock is not alive to it): done, or theirs.
    const state = await readRunStatus(runDir).then((st) => st.state, () => null); // unreadable: not known to be done, so theirs
    return state === 'done' ? { kind: 'done' } : { kind: 'busy', pid: lock.pid, stopping: isOwnerStopping(lock) };
  }
  if (!existsSync(runDir)) return { kind: 'new' };
  let status: RunStatus;
  try {
    status = await readRunStatus(runDir);
  } catch {
    // Nothing to lose: start again; else the conflict names the file for the person to look at.
    if (!(await holdsWork(runDir))) return { kind: 'restart', was: 'unreadable' };
    return { kind: 'conflict', reason: `${path.join(runDir, RUN_FILES.status)} is missing or unreadable; remove ${runDir} to train it again` };
  }
  const recorded = await readRunConfigFile(runDir).then((f) => f.config, () => null); // none: a conflict below if there are results
  // A config.json written before a field existed means that field's default.
  if (recorded && canonicalJson({ ...DEFAULT_RUN_CONFIG, ...recorded }) !== canonicalJson(config)) {
    return { kind: 'conflict', reason: `${runDir} holds a run with a different config; remove it or rename the sweep's runs` };
  }
  if (status.state === 'done') return { kind: 'done' };
  if (isRunOwnerAlive(status)) return { kind: 'busy', pid: status.pid!, stopping: false };
  if (!(await holdsWork(runDir))) return { kind: 'restart', was: status.state };
  if (!recorded) {
    return { kind: 'conflict', reason: `${runDir} has results but no ${RUN_FILES.config}, so it cannot be resumed; remove it to train it again` };
  }
  if (status.state === 'failed' && !(await hasCheckpoint(runDir))) {
    return { kind: 'failed', error: `${status.error?.message ?? 'failed'} (no checkpoint to resume from; remove ${runDir} to train it again)` };
  }
  return { kind: 'resume', was: status.state, step: status.step };
}

/** Metrics, a checkpoint or notes: something a restart would throw away. Throws when it cannot tell. */
async function holdsWork(runDir: string): Promise<boolean> {
  const size = (name: string) => fs.stat(path.join(runDir, name)).then((s) => s.size, ifAbsent(0));
  return (await size(RUN_FILES.metrics)) > 0 || (await size(RUN_FILES.notes)) > 0 || (await hasCheckpoint(runDir));
}

async function hasCheckpoint(runDir: string): Promise<boolean> {
  const entries = await fs.readdir(path.join(runDir, RUN_FILES.checkpoint)).catch(ifAbsent([] as string[]));
  return entries.some((e) => !e.startsWith('.'));
}

/** A rejection handler: a missing file is `value`; one that cannot be read is thrown, never taken for no work. */
function ifAbsent<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}
