// `diffusion-lab stop --sweep DIR`: scancel of the sweep's recorded Slurm job. Slurm sends each
// running task SIGTERM; the trainer checkpoints and marks its run cancelled (arrayScript.ts).
import * as path from 'node:path';
import { ConfigError } from '../../../shared/runConfig';
import { SWEEP_FILES } from '../../../shared/sweepSpec';
import { parseSweepDirFlags, readSweepDir } from './statusCommand';
import { findOnPath, runTool } from './slurmTools';
import { cancelWaitingRuns } from './cancelWaitingRuns';
import { runsDirectory } from '../../../shared/runReading/runFiles';

export const STOP_USAGE = `diffusion-lab stop --sweep DIR
  --sweep DIR  a sweep's folder, <out>/sweeps/<id>, submitted with --scheduler slurm
Cancels the sweep's Slurm job (scancel): running tasks checkpoint and end cancelled; once the
job has left the queue, the runs whose tasks never started are marked cancelled too.
Submitting the sweep again resumes them.
`;

export async function stopCommand(argv: string[]): Promise<number> {
  const values = parseSweepDirFlags(argv, STOP_USAGE);
  if (values.help) {
    process.stdout.write(STOP_USAGE);
    return 0;
  }
  if (typeof values.sweep !== 'string') throw new ConfigError(`stop needs --sweep DIR\n${STOP_USAGE}`);
  const sweepDir = path.resolve(values.sweep);
  const sweep = await readSweepDir(sweepDir);
  if (!sweep.slurm) {
    throw new ConfigError(`--sweep ${sweepDir}: ${path.join(sweepDir, SWEEP_FILES.resolved)} records no Slurm job; ` +
      'only a sweep submitted with --scheduler slurm can be stopped this way (a sweep training here stops with Ctrl-C)');
  }
  if (!findOnPath('scancel')) throw new ConfigError(`stop needs scancel, which is not on the PATH; run it on the cluster's login node (scancel ${sweep.slurm.jobId})`);
  const r = await runTool('scancel', [sweep.slurm.jobId]);
  if (r.code !== 0) {
    process.stderr.write(`scancel ${sweep.slurm.jobId} failed: ${(r.stderr || r.stdout).trim()}\n`);
    return 1;
  }
  process.stdout.write(`cancelled Slurm job ${sweep.slurm.jobId} of sweep ${sweep.name}; running tasks checkpoint and end cancelled\n`);
  // <out>/sweeps/<id>: the runs are in <out>/runs.
  const runsDir = runsDirectory(path.dirname(path.dirname(sweepDir)));
  const waiting = await cancelWaitingRuns(sweep.slurm, (runId) => path.join(runsDir, runId));
  if (waiting.length > 0) process.stdout.write(`${waiting.length === 1 ? '1 run' : `${waiting.length} runs`} whose task never started marked cancelled: ${waiting.join(', ')}\n`);
  return 0;
}
