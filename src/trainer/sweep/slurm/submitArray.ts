// `diffusion-lab sweep FILE --scheduler slurm`: the sweep's runs that are not done become one
// Slurm job array. The order makes a task never find its run in any state but queued:
// sbatch --hold, then every run marked queued with its task id and the submission recorded
// in sweep.json, then the job released. Nothing is marked before sbatch accepts the job.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../../../shared/runConfig';
import { RUN_FILES, type RunStatus } from '../../../shared/runDirectory';
import { writeJsonAtomic } from '../../../shared/atomicFile';
import { readRunStatus } from '../../../shared/runReading/runFiles';
import {
  SLURM_TIME_PATTERN, slurmArrayScriptFile, slurmDirectory, slurmRunIdListFile, slurmTaskId,
  type SlurmOptions, type SlurmSubmission,
} from '../../../shared/slurmJob';
import type { ResolvedSweep } from '../../../shared/sweepChecks/resolveSweep';
import type { SweepRun, SweepSpec } from '../../../shared/sweepSpec';
import { planRunAction, type RunAction } from '../runState';
import { acquireRunLock } from '../runOwner';
import { describeAction } from '../runSweep';
import { readResolvedSweep, recordSlurmSubmission, runDirOf, sweepDirectory, writeResolvedSweep } from '../sweepDirectory';
import { buildArrayScript, taskLogLink } from './arrayScript';
import { isTaskActive, querySlurmTasks } from './slurmState';
import { findOnPath, runTool } from './slurmTools';

/** The sweep command's flags for Slurm; each overrides the sweep file's `slurm` block (--sbatch adds lines). */
export const SLURM_SWEEP_OPTIONS = {
  scheduler: { type: 'string' }, partition: { type: 'string' }, time: { type: 'string' }, gres: { type: 'string' },
  'cpus-per-task': { type: 'string' }, mem: { type: 'string' }, account: { type: 'string' },
  sbatch: { type: 'string', multiple: true }, setup: { type: 'string' }, requeue: { type: 'boolean' },
} as const;

export const SLURM_SWEEP_USAGE = `  --scheduler slurm  submit the runs not done as one Slurm job array instead of training
                     here: sweeps/<id>/slurm/array.sbatch, logs in sweeps/<id>/slurm/<run-id>.log;
                     with --dry-run, print the script (nothing written or submitted)
  --partition P  --time T  --gres G  --cpus-per-task N  --mem M  --account A
                     override the sweep file's "slurm" block (sbatch's own options)
  --sbatch LINE      one more #SBATCH option, e.g. --sbatch=--qos=short (repeatable)
  --setup CMD        a shell line run on the node first, e.g. "module load nodejs"
  --requeue          let Slurm requeue preempted tasks (they resume from their checkpoints)
`;

type SlurmFlagValues = { [K in keyof typeof SLURM_SWEEP_OPTIONS]?: (typeof SLURM_SWEEP_OPTIONS)[K] extends { multiple: true } ? string[] : string | boolean };

/** The sweep file's block with the flags on top; a malformed flag value is a ConfigError naming the flag. */
export function slurmOptionsFrom(block: SlurmOptions | undefined, flags: SlurmFlagValues): SlurmOptions {
  const options: SlurmOptions = { ...block };
  const text = (name: 'partition' | 'gres' | 'mem' | 'account' | 'setup' | 'time'): string | undefined => {
    const v = flags[name];
    return typeof v === 'string' ? v : undefined;
  };
  const time = text('time');
  if (time !== undefined) {
    if (!new RegExp(SLURM_TIME_PATTERN).test(time)) {
      throw new ConfigError(`--time: "${time}" is not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`);
    }
    options.time = time;
  }
  const mem = text('mem');
  if (mem !== undefined) {
    if (!/^\d+[KMGT]?$/.test(mem)) throw new ConfigError(`--mem: "${mem}" is not a Slurm memory size (e.g. 8G, 4000M or 4000)`);
    options.mem = mem;
  }
  for (const name of ['partition', 'gres', 'account'] as const) {
    const v = text(name);
    if (v === undefined) continue;
    if (!/^\S+$/.test(v)) throw new ConfigError(`--${name}: "${v}" must be one word`);
    options[name] = v;
  }
  const setup = text('setup');
  if (setup !== undefined) options.setup = setup;
  const cpus = flags['cpus-per-task'];
  if (typeof cpus === 'string') {
    const n = Number(cpus);
    if (!Number.isInteger(n) || n < 1) throw new ConfigError(`--cpus-per-task: "${cpus}" is not a positive whole number`);
    options.cpusPerTask = n;
  }
  if (flags.sbatch !== undefined && flags.sbatch.length > 0) options.extraDirectives = [...(options.extraDirectives ?? []), ...flags.sbatch];
  if (flags.requeue === true) options.requeue = true;
  return options;
}

export interface SlurmSubmitRequest {
  file: string;
  spec: SweepSpec;
  sweep: ResolvedSweep;
  /** The runs to consider (all, or the one --run names). */
  runs: SweepRun[];
  outDir: string;
  options: SlurmOptions;
  dryRun: boolean;
  /** This package's dist/cli.js, which the tasks run. */
  cliPath: string;
}

/** Submits (or with dryRun prints) the job array; returns the exit code. */
export async function submitSweepToSlurm(req: SlurmSubmitRequest): Promise<number> {
  const { sweep, outDir } = req;
  if (!req.dryRun && !findOnPath('sbatch')) {
    throw new ConfigError(`${req.file}: --scheduler slurm needs sbatch, which is not on the PATH (${process.env.PATH ?? ''}); ` +
      'run this on the cluster\'s login node (or load Slurm\'s module first), or leave out --scheduler to train here');
  }
  const sweepDir = sweepDirectory(outDir, sweep.sweepId);
  if (!req.dryRun) await refuseWhileActive(sweep.name, sweepDir);

  const planned = await Promise.all(req.runs.map(async (run) => ({ run, action: await planRunAction(runDirOf(outDir, run), run.config) })));
  const submit = planned.filter((p) => p.action.kind === 'new' || p.action.kind === 'restart' || p.action.kind === 'resume').map((p) => p.run);
  for (const { run, action } of planned) {
    // Done runs are counted below; the others left alone say why.
    if (action.kind === 'busy' || action.kind === 'failed' || action.kind === 'conflict') process.stderr.write(`${run.runId}: ${describeAction(action)}\n`);
  }
  if (submit.length === 0) {
    const done = planned.filter((p) => p.action.kind === 'done').length;
    process.stdout.write(`sweep ${sweep.name}: nothing to submit (${done} of ${planned.length} runs done${done < planned.length ? ', the others left alone, see above' : ''})\n`);
    return done === planned.length ? 0 : 1;
  }
  const maxParallel = Math.min(sweep.maxParallelRuns, submit.length);
  const slurmDir = slurmDirectory(sweepDir);
  const script = buildArrayScript({
    sweepName: sweep.name, sweepId: sweep.sweepId, sweepFile: path.resolve(req.file), outDir, cliPath: req.cliPath,
    slurmDir, runIdList: slurmRunIdListFile(sweepDir), taskCount: submit.length, maxParallel, options: req.options,
  });
  if (req.dryRun) {
    process.stdout.write(script);
    process.stderr.write(`dry run: sweep ${sweep.name} would be submitted as a Slurm job array of ${submit.length} tasks, at most ${maxParallel} at a time ` +
      `(${describePlan(planned)}); nothing was written or submitted\n`);
    return 0;
  }

  const sweepFile = await writeResolvedSweep(outDir, sweep, req.spec, req.file);
  await writeArrayFiles(sweepDir, script, submit);
  const jobId = await sbatchHeld(sweep.name, slurmArrayScriptFile(sweepDir));
  try {
    for (const [i, run] of submit.entries()) await markQueued(runDirOf(outDir, run), slurmTaskId(jobId, i));
    const submission: SlurmSubmission = { jobId, submittedAt: new Date().toISOString(), runIds: submit.map((r) => r.runId), maxParallel };
    await recordSlurmSubmission(sweepFile, submission);
  } catch (err) {
    await runTool('scancel', [jobId]);
    throw new Error(`sweep ${sweep.name}: could not record Slurm job ${jobId}, so it was cancelled: ${(err as Error).message}`);
  }
  const release = await runTool('scontrol', ['release', jobId]);
  if (release.code !== 0) {
    process.stderr.write(`Slurm job ${jobId} is held: scontrol release ${jobId} failed: ${release.stderr.trim()}\n`);
    return 1;
  }
  process.stdout.write(`submitted Slurm job ${jobId}: ${submit.length} run${submit.length === 1 ? '' : 's'}, at most ${maxParallel} at a time; logs in ${slurmDir}${path.sep}\n`);
  process.stderr.write(`${describePlan(planned)}\nwatch it: diffusion-lab status --sweep ${sweepDir}\nstop it:  diffusion-lab stop --sweep ${sweepDir}\n`);
  return 0;
}

/** A submission whose tasks still wait or train would train the same runs twice. */
async function refuseWhileActive(name: string, sweepDir: string): Promise<void> {
  const previous = await readResolvedSweep(path.join(sweepDir, 'sweep.json')).catch(() => null); // never resolved: nothing submitted
  if (!previous?.slurm) return;
  const tasks = await querySlurmTasks(previous.slurm.jobId);
  const active = [...tasks.values()].filter(isTaskActive);
  if (active.length > 0) {
    throw new ConfigError(`sweep ${name}: its Slurm job ${previous.slurm.jobId} still has ${active.length} task${active.length === 1 ? '' : 's'} pending or running ` +
      `(${active.map((t) => `${t.jobId} ${t.state}`).join(', ')}); wait for it, or stop it with diffusion-lab stop --sweep ${sweepDir}, then submit again`);
  }
}

/** The script, the run-id list (line i + 1: task i's run) and each task's log link to `<run-id>.log`. */
async function writeArrayFiles(sweepDir: string, script: string, runs: SweepRun[]): Promise<void> {
  const slurmDir = slurmDirectory(sweepDir);
  await fs.mkdir(slurmDir, { recursive: true });
  await fs.writeFile(slurmRunIdListFile(sweepDir), runs.map((r) => r.runId).join('\n') + '\n');
  await fs.writeFile(slurmArrayScriptFile(sweepDir), script, { mode: 0o755 });
  for (const [i, run] of runs.entries()) {
    const link = taskLogLink(slurmDir, i);
    await fs.rm(link, { force: true });
    await fs.symlink(`${run.runId}.log`, link);
  }
}

/** sbatch --parsable --hold; its refusal (a partition that does not exist, ...) passes through, naming the sweep. */
async function sbatchHeld(name: string, scriptFile: string): Promise<string> {
  const r = await runTool('sbatch', ['--parsable', '--hold', scriptFile]);
  const jobId = /^(\d+)/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || !jobId) {
    throw new ConfigError(`sweep ${name}: sbatch refused the job array, so nothing was submitted:\n${(r.stderr || r.stdout).trim()}`);
  }
  return jobId;
}

/**
 * status.json says queued, with the task that will train the run; what the run reached is
 * kept (a resumed run's step). Under the run's lock, so a run that a process started
 * meanwhile is left to it (and its task will find it busy and leave it too).
 */
async function markQueued(runDir: string, jobId: string): Promise<void> {
  const lock = await acquireRunLock(runDir, { waitMs: 0 });
  if (lock.kind !== 'acquired') return;
  try {
    const previous = await readRunStatus(runDir).catch(() => null); // no run directory yet, or a broken status the task replaces
    const { pid: _pid, pidStart: _start, endedAt: _ended, ...kept } = previous ?? {} as Partial<RunStatus>;
    const status: RunStatus = {
      formatVersion: 1, createdAt: new Date().toISOString(), step: 0, epoch: 0, totalSteps: 0, ...kept,
      state: 'queued', slurm: { jobId },
    };
    await fs.mkdir(runDir, { recursive: true });
    await writeJsonAtomic(path.join(runDir, RUN_FILES.status), status);
  } finally {
    await lock.release();
  }
}

function describePlan(planned: Array<{ action: RunAction }>): string {
  const counts = new Map<string, number>();
  for (const { action } of planned) counts.set(action.kind, (counts.get(action.kind) ?? 0) + 1);
  const words: Record<RunAction['kind'], string> = { new: 'new', restart: 'new', resume: 'to resume', done: 'done', busy: 'running elsewhere', failed: 'failed', conflict: 'in conflict' };
  const merged = new Map<string, number>();
  for (const [kind, n] of counts) merged.set(words[kind as RunAction['kind']], (merged.get(words[kind as RunAction['kind']]) ?? 0) + n);
  return `${planned.length} runs: ${[...merged].map(([w, n]) => `${n} ${w}`).join(', ')}`;
}
