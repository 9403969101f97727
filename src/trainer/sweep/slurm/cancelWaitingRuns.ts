// After scancel, a task that never started leaves its run `queued` with a job that no longer
// exists: the tree would show it waiting for ever. Once Slurm holds none of the job's tasks
// (a running one ends its run cancelled itself), such runs are marked cancelled, under the
// run's lock, keeping what they had reached; submitting again resumes or starts them.
import * as path from 'node:path';
import { writeJsonAtomic } from '../../../shared/atomicFile';
import { RUN_FILES, type RunStatus } from '../../../shared/runDirectory';
import { readRunStatus } from '../../../shared/runReading/runFiles';
import type { SlurmSubmission } from '../../../shared/slurmJob';
import { acquireRunLock } from '../runOwner';
import { isTaskActive, querySlurmTasks } from './slurmState';

/** How long the tasks get to leave the queue after scancel (running ones checkpoint first). */
const LEAVE_QUEUE_MS = 180_000;

/** The run ids marked cancelled; none while Slurm still holds a task of the job after LEAVE_QUEUE_MS. */
export async function cancelWaitingRuns(submission: SlurmSubmission, runDir: (runId: string) => string): Promise<string[]> {
  const deadline = Date.now() + LEAVE_QUEUE_MS;
  for (;;) {
    const active = [...(await querySlurmTasks(submission.jobId)).values()].filter(isTaskActive);
    if (active.length === 0) break;
    if (Date.now() > deadline) return [];
    await new Promise((r) => setTimeout(r, 1000));
  }
  const cancelled: string[] = [];
  for (const runId of submission.runIds) {
    if (await markCancelled(runDir(runId), submission.jobId)) cancelled.push(runId);
  }
  return cancelled;
}

async function markCancelled(dir: string, jobId: string): Promise<boolean> {
  const lock = await acquireRunLock(dir, { waitMs: 0 });
  if (lock.kind !== 'acquired') return false; // a process trains it now: not waiting
  try {
    const status = await readRunStatus(dir).catch(() => null); // unreadable: the tree says so; nothing to correct
    if (status?.state !== 'queued' || !status.slurm?.jobId.startsWith(`${jobId}_`)) return false;
    const next: RunStatus = { ...status, state: 'cancelled', endedAt: new Date().toISOString() };
    await writeJsonAtomic(path.join(dir, RUN_FILES.status), next);
    return true;
  } finally {
    await lock.release();
  }
}
