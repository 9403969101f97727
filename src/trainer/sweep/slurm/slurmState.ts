// What Slurm says about a job array's tasks: squeue for tasks it still holds (pending with
// their reason, running, and for MinJobAge seconds after they end, how they ended), sacct for
// the rest where accounting is kept (slurmdbd). Either may be missing; then it says nothing.
import type { SlurmTaskState } from '../../../shared/slurmJob';
import { findOnPath, runTool } from './slurmTools';

/** squeue's output format: one task a line (with --array), `<job>_<task>|<state>|<reason>`. */
export const SQUEUE_FORMAT = '%i|%T|%r';
/** sacct's fields, with --parsable2 (`|` between fields, none at the end). */
export const SACCT_FORMAT = 'JobID,State,ExitCode,Reason';

/** Task id -> its state, from `squeue --array --noheader --format=%i|%T|%r`. */
export function parseSqueue(text: string): Map<string, SlurmTaskState> {
  const tasks = new Map<string, SlurmTaskState>();
  for (const line of text.split('\n')) {
    const [jobId, state, reason] = line.trim().split('|');
    if (!jobId || !state) continue;
    tasks.set(jobId, { jobId, state, ...(reason && reason !== 'None' ? { reason } : {}) });
  }
  return tasks;
}

/**
 * Task id -> its state, from `sacct --noheader --parsable2 --format=JobID,State,ExitCode,Reason`.
 * Steps (`42_1.batch`, `42_1.extern`) are left out: the task's own line says how it ended.
 * `CANCELLED by 0` is `CANCELLED`. A pending array's `42_[0-3%2]` names no single task.
 */
export function parseSacct(text: string): Map<string, SlurmTaskState> {
  const tasks = new Map<string, SlurmTaskState>();
  for (const line of text.split('\n')) {
    const [jobId, rawState, exitCode, reason] = line.trim().split('|');
    if (!jobId || !rawState || jobId.includes('.') || jobId.includes('[')) continue;
    const state = rawState.split(' ')[0]!;
    tasks.set(jobId, {
      jobId, state,
      ...(exitCode ? { exitCode } : {}),
      ...(reason && reason !== 'None' ? { reason } : {}),
    });
  }
  return tasks;
}

/**
 * The tasks of array job `jobId` as Slurm knows them: sacct's, overridden by squeue's (which is
 * current). Empty when neither tool is here or neither knows the job.
 */
export async function querySlurmTasks(jobId: string): Promise<Map<string, SlurmTaskState>> {
  const tasks = new Map<string, SlurmTaskState>();
  if (findOnPath('sacct')) {
    // Fails ("accounting storage is disabled") without slurmdbd: squeue alone then.
    const r = await runTool('sacct', ['--jobs', jobId, '--noheader', '--parsable2', `--format=${SACCT_FORMAT}`]);
    if (r.code === 0) for (const [id, t] of parseSacct(r.stdout)) tasks.set(id, t);
  }
  if (findOnPath('squeue')) {
    // Unknown job (ended longer than MinJobAge ago): an error and exit 1; nothing to add.
    const r = await runTool('squeue', ['--jobs', jobId, '--array', '--states=all', '--noheader', `--format=${SQUEUE_FORMAT}`]);
    if (r.code === 0) {
      for (const [id, t] of parseSqueue(r.stdout)) tasks.set(id, { ...tasks.get(id), ...t });
    }
  }
  return tasks;
}

/** States in which a task may still start or is training. */
export function isTaskActive(state: SlurmTaskState): boolean {
  return ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED', 'SIGNALING', 'STAGE_OUT', 'REQUEUE_HOLD', 'REQUEUE_FED']
    .includes(state.state ?? '');
}
