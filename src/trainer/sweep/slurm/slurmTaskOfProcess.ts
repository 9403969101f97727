// Which Slurm task this process runs in, from the variables slurmd sets: what the trainer
// writes into status.json (`slurm.jobId`) so the tree and `status --sweep` can name the job.
import { hostname } from 'node:os';
import type { RunStatus } from '../../../shared/runDirectory';
import { slurmTaskId } from '../../../shared/slurmJob';

/** `<arrayJobId>_<taskIndex>` in an array task, the job id in any other job, undefined outside Slurm. */
export function slurmJobOfProcess(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const arrayJob = env.SLURM_ARRAY_JOB_ID;
  const task = env.SLURM_ARRAY_TASK_ID;
  if (arrayJob && task && /^\d+$/.test(task)) return slurmTaskId(arrayJob, Number(task));
  return env.SLURM_JOB_ID || undefined;
}

/**
 * status.json's `slurm` for a run this process starts training: its job here, none outside
 * Slurm (a run resumed on a workstation is no longer that job's).
 */
export function slurmStatusField(env: NodeJS.ProcessEnv = process.env): Pick<RunStatus, 'slurm'> {
  const jobId = slurmJobOfProcess(env);
  return { slurm: jobId === undefined ? undefined : { jobId, host: hostname() } };
}
