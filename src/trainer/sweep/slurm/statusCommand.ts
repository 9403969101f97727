// `diffusion-lab status --sweep DIR [--json]`: every run's state from its run directory (as the
// Experiments tree shows it), and where squeue or sacct is here, what Slurm says of its task.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../../shared/runConfig';
import { SWEEP_FILES, type ResolvedSweepFile } from '../../../shared/sweepSpec';
import type { SlurmTaskState, SweepStatusReport } from '../../../shared/slurmJob';
import { readRun } from '../../../shared/runReading/readRun';
import { runsDirectory } from '../../../shared/runReading/runFiles';
import { formatTable } from '../sweepSummary';
import { readResolvedSweep } from '../sweepDirectory';
import { querySlurmTasks } from './slurmState';

export const STATUS_USAGE = `diffusion-lab status --sweep DIR [--json]
  --sweep DIR  a sweep's folder, <out>/sweeps/<id> (the one with sweep.json)
  --json       print one JSON document (what the editor reads) instead of the table
Lists every run of the sweep with the state of its run directory; for a sweep submitted
with --scheduler slurm it adds each task's Slurm state (PENDING with its reason, RUNNING,
COMPLETED, TIMEOUT, OUT_OF_MEMORY, CANCELLED, ...) from squeue, and from sacct where the
cluster keeps accounting. squeue forgets a task MinJobAge after it ends (often 5 minutes).
`;

export async function statusCommand(argv: string[]): Promise<number> {
  const values = parseSweepDirFlags(argv, STATUS_USAGE);
  if (values.help) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  if (typeof values.sweep !== 'string') throw new ConfigError(`status needs --sweep DIR\n${STATUS_USAGE}`);
  const sweepDir = path.resolve(values.sweep);
  const report = await sweepStatus(sweepDir, await readSweepDir(sweepDir));
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
  return 0;
}

/** sweep.json of DIR, or a ConfigError that says what DIR should be. */
export async function readSweepDir(sweepDir: string): Promise<ResolvedSweepFile> {
  const file = path.join(sweepDir, SWEEP_FILES.resolved);
  try {
    return await readResolvedSweep(file);
  } catch (err) {
    throw new ConfigError(`--sweep ${sweepDir}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ` +
      'give the sweep\'s folder, <out>/sweeps/<id>, which a sweep run or submitted once has written');
  }
}

export async function sweepStatus(sweepDir: string, sweep: ResolvedSweepFile): Promise<SweepStatusReport> {
  // <out>/sweeps/<id>: the runs are in <out>/runs.
  const runsDir = runsDirectory(path.dirname(path.dirname(sweepDir)));
  const tasks = sweep.slurm ? await querySlurmTasks(sweep.slurm.jobId) : new Map<string, SlurmTaskState>();
  const runs = await Promise.all(sweep.runs.map(async (run) => {
    const reading = await readRun(path.join(runsDir, run.runId));
    const jobId = reading.status?.slurm?.jobId;
    return {
      runId: run.runId,
      state: reading.state,
      ...(jobId !== undefined ? { slurm: { ...tasks.get(jobId), jobId } } : {}),
    };
  }));
  return { sweepDir, ...(sweep.slurm ? { slurm: sweep.slurm } : {}), runs };
}

export function formatStatus(report: SweepStatusReport): string {
  const header = ['run', 'state', 'Slurm task', 'Slurm state', 'reason', 'exit'];
  const rows = report.runs.map((r) => [r.runId, r.state, r.slurm?.jobId ?? '', r.slurm?.state ?? '', r.slurm?.reason ?? '', r.slurm?.exitCode ?? '']);
  const used = header.map((_, i) => i < 2 || rows.some((row) => row[i] !== ''));
  const pick = <T>(xs: T[]) => xs.filter((_, i) => used[i]);
  const s = report.slurm;
  return formatTable(pick(header), rows.map(pick)) + '\n' +
    (s ? `Slurm job ${s.jobId}, submitted ${s.submittedAt}: ${s.runIds.length} tasks, at most ${s.maxParallel} at a time\n` : 'not submitted to Slurm\n');
}

/** --sweep DIR [--json] [--help]; a wrong flag is a ConfigError with the usage. */
export function parseSweepDirFlags(argv: string[], usage: string): { sweep?: string; json?: boolean; help?: boolean } {
  try {
    return parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { sweep: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]}\n${usage}`);
  }
}
