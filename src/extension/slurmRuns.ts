// What the Experiments tree and the commands need to know of sweeps submitted to Slurm, read
// from the model alone (sweep.json's `slurm`, status.json's `slurm.jobId`, the log files).
// No VS Code import.
import type { Experiments, RunEntry, SweepEntry } from './experimentsModel';

/** `42_0`: the Slurm task of a submitted run. */
export function slurmTaskOf(run: RunEntry): string | undefined {
  return run.status?.slurm?.jobId;
}

/** `Slurm job 42_0`, for the run's row and tooltip. */
export function slurmTaskLabel(run: RunEntry): string | undefined {
  const task = slurmTaskOf(run);
  return task ? `Slurm job ${task}` : undefined;
}

/** The runs of the sweep's latest submission that Slurm has still to start or finish. */
export function pendingSlurmRuns(sweep: SweepEntry): RunEntry[] {
  const submitted = new Set(sweep.slurm?.runIds ?? []);
  return sweep.runs.filter((r) => submitted.has(r.runId) && (r.state === 'queued' || r.state === 'running') && slurmTaskOf(r) !== undefined);
}

export function hasPendingSlurmJob(sweep: SweepEntry): boolean {
  return pendingSlurmRuns(sweep).length > 0;
}

/** Whether any sweep waits on Slurm: then the tree reads the disk on a timer too (slurmPolling.ts). */
export function hasPendingSlurmRuns(x: Experiments): boolean {
  return x.sweeps.some(hasPendingSlurmJob);
}

/** Open Slurm Log is offered once the log exists, or while the task is queued or running (it then says there is none yet). */
export function offersSlurmLog(run: RunEntry): boolean {
  return run.slurmLog !== undefined && (run.slurmLog.exists || run.state === 'queued' || run.state === 'running');
}
