// When a trainer dies mid-run, its status.json still says `running`. The host that saw it die
// records what happened, and only then: status.json must still name the dead process (or no
// process), so a run taken over by another window or the CLI is never touched. Only
// status.json is rewritten (atomically); metrics, checkpoints and notes stay as they are.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RUN_FILES, type RunState, type RunStatus } from '../shared/runDirectory';

export interface RepairRequest {
  runDir: string;
  /** The process that died. */
  pid: number | undefined;
  state: Extract<RunState, 'failed' | 'cancelled'>;
  message: string;
}

/** Returns true when status.json was rewritten. */
export async function markRunEnded(req: RepairRequest): Promise<boolean> {
  const file = path.join(req.runDir, RUN_FILES.status);
  let status: RunStatus;
  try {
    status = JSON.parse(await fs.readFile(file, 'utf8')) as RunStatus;
  } catch {
    return false; // nothing readable to correct; the tree shows the directory as unreadable
  }
  if (typeof status !== 'object' || status === null) return false;
  if (status.state !== 'running' && status.state !== 'queued') return false;
  // Queued in Slurm (sweep --scheduler slurm): waits for its job, not for the process that died.
  if (status.state === 'queued' && status.slurm !== undefined) return false;
  if (status.pid !== undefined && req.pid !== undefined && status.pid !== req.pid) return false;
  const next: RunStatus = {
    ...status,
    state: req.state,
    endedAt: new Date().toISOString(),
    ...(req.state === 'failed' ? { error: { message: req.message, step: status.step } } : {}),
  };
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(next, null, 2) + '\n');
  await fs.rename(tmp, file);
  return true;
}

/** What a failed run's status says about a trainer that died: the exit and its last words. */
export function describeCrash(exit: { code: number | null; signal: string | null; stderrTail: string[] }): string {
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
  const tail = exit.stderrTail.filter((l) => l.trim() !== '').slice(-6);
  return `the trainer process ${how} during the run` + (tail.length > 0 ? `; its last output:\n${tail.join('\n')}` : '');
}
