// A sweep handed to Slurm as a job array: the sweep file's `slurm` block, what sweep.json
// records of a submission, where the script and logs live, and what `status --sweep --json`
// prints. The trainer (src/trainer/sweep/slurm) writes these; the extension reads them.
// No node:path: the sweep schema, which includes the slurm block, is bundled for the browser too.

/** Slurm's --time forms: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS (or UNLIMITED). */
/** Where a sweep trains: this machine, or a Slurm job array (`sweep --scheduler`, diffusion.scheduler). */
export const SCHEDULERS = ['local', 'slurm'] as const;
export type Scheduler = (typeof SCHEDULERS)[number];

export const SLURM_TIME_PATTERN = '^(\\d+(:\\d{1,2}){0,2}|\\d+-\\d{1,2}(:\\d{1,2}){0,2}|UNLIMITED|INFINITE)$';

/** The sweep file's `slurm` block, one schema per field (sweepSchema.ts includes it). */
export const SLURM_BLOCK_PROPERTIES = {
  partition: {
    type: 'string', minLength: 1, pattern: '^[^\\s]+$',
    description: 'Partition (queue) to submit to (sbatch --partition); left out: the cluster\'s default.',
  },
  time: {
    type: 'string', pattern: SLURM_TIME_PATTERN,
    description: 'Time limit of each run\'s task (sbatch --time): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.',
  },
  gres: {
    type: 'string', minLength: 1, pattern: '^[^\\s]+$',
    description: 'Generic resources per task (sbatch --gres), e.g. "gpu:1".',
  },
  cpusPerTask: {
    type: 'integer', minimum: 1, maximum: 1024,
    description: 'CPU cores per run (sbatch --cpus-per-task); the trainer uses them as its threads.',
  },
  mem: {
    type: 'string', pattern: '^\\d+[KMGT]?$',
    description: 'Memory per task (sbatch --mem), e.g. "8G" or "4000" (megabytes).',
  },
  account: {
    type: 'string', minLength: 1, pattern: '^[^\\s]+$',
    description: 'Account charged for the job (sbatch --account).',
  },
  extraDirectives: {
    type: 'array', items: { type: 'string', minLength: 1, pattern: '^[^\\n]+$' },
    description: 'More sbatch options, one per item, written as #SBATCH lines, e.g. "--qos=short".',
  },
  setup: {
    type: 'string', pattern: '^[^\\n]*$',
    description: 'One shell line run on the node before training, e.g. "module load nodejs cuda".',
  },
  requeue: {
    type: 'boolean',
    description: 'Let Slurm requeue a task that is preempted or whose node fails (sbatch --requeue); it resumes from its checkpoint.',
  },
} as const;

export type SlurmBlockField = keyof typeof SLURM_BLOCK_PROPERTIES;
export const SLURM_BLOCK_FIELDS = Object.keys(SLURM_BLOCK_PROPERTIES) as SlurmBlockField[];

/** The sweep file's `slurm` block (and the flags that override it). */
export interface SlurmOptions {
  partition?: string;
  time?: string;
  gres?: string;
  cpusPerTask?: number;
  mem?: string;
  account?: string;
  extraDirectives?: string[];
  setup?: string;
  requeue?: boolean;
}

/** sweep.json's `slurm`: the latest submission of the sweep as a job array. */
export interface SlurmSubmission {
  /** The array's job id as sbatch printed it; task i is `<jobId>_<i>`. */
  jobId: string;
  submittedAt: string;
  /** Task i trains runIds[i]. */
  runIds: string[];
  /** The array's `%P`: tasks running at the same time. */
  maxParallel: number;
}

/** A run's Slurm task: status.json's `slurm.jobId` of a submitted run. */
export function slurmTaskId(arrayJobId: string, taskIndex: number): string {
  return `${arrayJobId}_${taskIndex}`;
}

export const SLURM_FILES = {
  /** In the sweep directory. */
  directory: 'slurm',
  /** The job array's batch script. */
  arrayScript: 'array.sbatch',
  /** Line i + 1 is the run id of array task i. */
  runIdList: 'run-ids.txt',
} as const;

/** `dir` + `/` + `name`, with the separator `dir` uses (a Windows path keeps its backslashes). */
function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** <sweepDir>/slurm: the script, the run-id list and the logs. */
export function slurmDirectory(sweepDir: string): string {
  return joinPath(sweepDir, SLURM_FILES.directory);
}

/** <sweepDir>/slurm/<runId>.log: the task's stdout and stderr. */
export function slurmLogFile(sweepDir: string, runId: string): string {
  return joinPath(slurmDirectory(sweepDir), `${runId}.log`);
}

export function slurmArrayScriptFile(sweepDir: string): string {
  return joinPath(slurmDirectory(sweepDir), SLURM_FILES.arrayScript);
}

export function slurmRunIdListFile(sweepDir: string): string {
  return joinPath(slurmDirectory(sweepDir), SLURM_FILES.runIdList);
}

/** A run's Slurm task as squeue/sacct see it; state and reason absent when neither knows the task. */
export interface SlurmTaskState {
  jobId: string;
  /** PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, FAILED, PREEMPTED, ... */
  state?: string;
  /** Why a pending task waits (Resources, Priority, JobArrayTaskLimit, ...). */
  reason?: string;
  /** sacct's `exit:signal`, e.g. "0:0" or "0:15". */
  exitCode?: string;
}

/** What `diffusion-lab status --sweep DIR --json` prints: one JSON document. */
export interface SweepStatusReport {
  sweepDir: string;
  slurm?: SlurmSubmission;
  runs: Array<{
    runId: string;
    /** The run directory's state as the Experiments tree shows it (a RunDisplayState). */
    state: string;
    slurm?: SlurmTaskState;
  }>;
}
