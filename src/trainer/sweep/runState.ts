// What a sweep does with one of its runs, decided from the run directory alone: this is what
// makes running the same sweep again skip finished runs and continue interrupted ones.
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../shared/runConfig';
import { RUN_FILES, type RunState, type RunStatus } from '../../shared/runDirectory';
import { readRunConfigFile, readRunStatus } from '../run/runWriter';
import { canonicalJson } from './resolveSweep';

export type RunAction =
  /** No run directory: train from the start. */
  | { kind: 'new' }
  /** A directory with nothing worth keeping (no metrics, checkpoint or notes): remove it and start again. */
  | { kind: 'restart'; was: RunState | 'unreadable' }
  /** Interrupted (cancelled, killed, or failed with a checkpoint): continue from the checkpoint. */
  | { kind: 'resume'; was: RunState; step: number }
  | { kind: 'done' }
  /** status.json says running, in a process that is still alive. */
  | { kind: 'busy'; pid: number }
  /** Failed with no checkpoint to resume from; left as it is. */
  | { kind: 'failed'; error: string }
  /** The directory cannot be this run: another config, or no config.json beside data. */
  | { kind: 'conflict'; reason: string };

export async function planRunAction(runDir: string, config: RunConfig): Promise<RunAction> {
  if (!existsSync(runDir)) return { kind: 'new' };
  let status: RunStatus;
  try {
    status = await readRunStatus(runDir);
  } catch {
    if (!(await holdsWork(runDir))) return { kind: 'restart', was: 'unreadable' };
    return { kind: 'conflict', reason: `${path.join(runDir, RUN_FILES.status)} is missing or unreadable; remove ${runDir} to train it again` };
  }
  const recorded = await readRunConfigFile(runDir).then((f) => f.config, () => null);
  // A config.json written before a field existed means that field's default.
  if (recorded && canonicalJson({ ...DEFAULT_RUN_CONFIG, ...recorded }) !== canonicalJson(config)) {
    return { kind: 'conflict', reason: `${runDir} holds a run with a different config; remove it or rename the sweep's runs` };
  }
  if (status.state === 'done') return { kind: 'done' };
  if (status.state === 'running' && status.pid !== undefined && isTrainerAlive(status.pid)) {
    return { kind: 'busy', pid: status.pid };
  }
  if (!(await holdsWork(runDir))) return { kind: 'restart', was: status.state };
  if (!recorded) {
    return { kind: 'conflict', reason: `${runDir} has results but no ${RUN_FILES.config}, so it cannot be resumed; remove it to train it again` };
  }
  if (status.state === 'failed' && !(await hasCheckpoint(runDir))) {
    return { kind: 'failed', error: `${status.error?.message ?? 'failed'} (no checkpoint to resume from; remove ${runDir} to train it again)` };
  }
  return { kind: 'resume', was: status.state, step: status.step };
}

/** Metrics, a checkpoint or notes: something a restart would throw away. */
async function holdsWork(runDir: string): Promise<boolean> {
  const size = (name: string) => fs.stat(path.join(runDir, name)).then((s) => s.size, () => 0);
  return (await size(RUN_FILES.metrics)) > 0 || (await size(RUN_FILES.notes)) > 0 || (await hasCheckpoint(runDir));
}

async function hasCheckpoint(runDir: string): Promise<boolean> {
  const entries = await fs.readdir(path.join(runDir, RUN_FILES.checkpoint)).catch(() => []);
  return entries.some((e) => !e.startsWith('.'));
}

/** Alive and a node process: a pid left in status.json by a killed trainer may since have been reused. */
function isTrainerAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true; // no /proc (macOS, Windows): trust the signal check
  }
}
