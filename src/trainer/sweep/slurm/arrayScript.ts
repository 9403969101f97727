// The batch script of a sweep's Slurm job array, as text: one array task per run, task i
// training the run on line i + 1 of the run-id list with `sweep FILE --run ID`. Pure, so
// the tests read exactly what sbatch gets.
import * as path from 'node:path';
import type { SlurmOptions } from '../../../shared/slurmJob';
import { WASM_THREADS_ENV } from '../../backend/wasm/wasmThreads';

/** Seconds before the time limit that Slurm sends the batch shell SIGTERM, for a normal limit. */
export const SIGNAL_LEAD_SECONDS = 120;

export interface ArrayScriptInput {
  sweepName: string;
  sweepId: string;
  /** Absolute paths: the task may start in any folder of any node. */
  sweepFile: string;
  outDir: string;
  /** This package's dist/cli.js. */
  cliPath: string;
  /** <sweepDir>/slurm: the run-id list and the logs. */
  slurmDir: string;
  runIdList: string;
  taskCount: number;
  /** The array's %P. */
  maxParallel: number;
  options: SlurmOptions;
}

/**
 * Where Slurm writes task i's output: a link the submitter points at `<run-id>.log`, since
 * sbatch's --output can name the task index (%a) but not the run.
 */
export function taskLogLink(slurmDir: string, taskIndex: number): string {
  return path.join(slurmDir, `.task-${taskIndex}.log`);
}

/**
 * Seconds of an sbatch --time (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS); null for
 * UNLIMITED or INFINITE. The schema's SLURM_TIME_PATTERN has checked the form.
 */
export function slurmTimeSeconds(time: string): number | null {
  if (time === 'UNLIMITED' || time === 'INFINITE') return null;
  const [daysPart, rest] = time.includes('-') ? time.split('-') as [string, string] : [undefined, time];
  const parts = rest.split(':').map(Number);
  const days = daysPart === undefined ? 0 : Number(daysPart);
  if (daysPart !== undefined) {
    // D-HH, D-HH:MM, D-HH:MM:SS
    const [h = 0, m = 0, s = 0] = parts;
    return ((days * 24 + h) * 60 + m) * 60 + s;
  }
  // MM, MM:SS, HH:MM:SS
  if (parts.length === 1) return parts[0]! * 60;
  if (parts.length === 2) return parts[0]! * 60 + parts[1]!;
  return (parts[0]! * 60 + parts[1]!) * 60 + parts[2]!;
}

/**
 * How long before the limit the trainer is told to stop: 120 s, or a quarter of a limit under
 * 8 minutes. slurmctld sends the signal at its first time-limit check (every 30 s) inside
 * lead + 30 s of the end, so with a one-minute limit a 15 s lead still lets the task start
 * training first, and leaves it time to checkpoint.
 */
export function signalLeadSeconds(time: string | undefined): number {
  const limit = time === undefined ? null : slurmTimeSeconds(time);
  return limit === null ? SIGNAL_LEAD_SECONDS : Math.min(SIGNAL_LEAD_SECONDS, Math.floor(limit / 4));
}

/** The #SBATCH lines and the body; ends with a newline. */
export function buildArrayScript(input: ArrayScriptInput): string {
  const o = input.options;
  const directives = [
    `--job-name=diffusion-lab:${input.sweepId}`,
    `--array=0-${input.taskCount - 1}%${input.maxParallel}`,
    `--output=${path.join(input.slurmDir, '.task-%a.log')}`,
    // A resumed run's task adds to its log instead of replacing it.
    '--open-mode=append',
    // Not the submitter's folder, which the node may not have: the output folder, which it must.
    `--chdir=${input.outDir}`,
    // Only the batch shell gets it (B:); the trap below passes it to the trainer.
    `--signal=B:TERM@${signalLeadSeconds(o.time)}`,
    ...(o.partition !== undefined ? [`--partition=${o.partition}`] : []),
    ...(o.time !== undefined ? [`--time=${o.time}`] : []),
    ...(o.gres !== undefined ? [`--gres=${o.gres}`] : []),
    ...(o.cpusPerTask !== undefined ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem !== undefined ? [`--mem=${o.mem}`] : []),
    ...(o.account !== undefined ? [`--account=${o.account}`] : []),
    // Said either way: a cluster's default (JobRequeue) should not decide it.
    o.requeue ? '--requeue' : '--no-requeue',
    ...(o.extraDirectives ?? []).map((d) => d.replace(/^#SBATCH\s+/, '').trim()),
  ];
  const q = shellQuote;
  return [
    '#!/bin/bash',
    `# Diffusion Lab sweep ${input.sweepName}: array task i trains the run on line i + 1 of the`,
    '# run-id list beside this script. Written by diffusion-lab sweep --scheduler slurm: submit',
    '# the sweep that way again (not this script) to train the runs that are not done.',
    ...directives.map((d) => `#SBATCH ${d}`),
    // First: a SIGTERM before the trainer runs must not kill the shell and leave the run queued.
    'trainer=',
    'trap \'echo "diffusion-lab: SIGTERM: the run checkpoints and stops; submit the sweep again to continue it"; stopped=1; [ -n "$trainer" ] && kill -TERM "$trainer" 2>/dev/null\' TERM',
    // Before `set -u`: environment modules' scripts read unset variables.
    ...(o.setup !== undefined && o.setup.trim() !== '' ? ['# The sweep file\'s slurm.setup:', o.setup] : []),
    'set -u',
    `run_id=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${q(input.runIdList)})`,
    `if [ -z "$run_id" ]; then echo "diffusion-lab: no run for array task $SLURM_ARRAY_TASK_ID in ${input.runIdList}" >&2; exit 1; fi`,
    'if ! command -v node >/dev/null; then echo "diffusion-lab: node is not on the PATH on $(hostname); load it in the slurm block\'s setup, e.g. module load nodejs" >&2; exit 1; fi',
    `# The cores Slurm gave the task, not every core of the node.`,
    `export ${WASM_THREADS_ENV}="\${${WASM_THREADS_ENV}:-\${SLURM_CPUS_PER_TASK:-\${SLURM_JOB_CPUS_PER_NODE:-1}}}"`,
    'echo "diffusion-lab: Slurm task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} trains run $run_id on $(hostname) at $(date -u +%FT%TZ)"',
    'if [ -n "${stopped:-}" ]; then echo "diffusion-lab: stopped before training began; the run stays queued"; exit 0; fi',
    // SIGTERM (the time limit is near, preemption, scancel): the trap passes it on, the trainer checkpoints and marks the run cancelled.
    `node ${q(input.cliPath)} sweep ${q(input.sweepFile)} --out ${q(input.outDir)} --run "$run_id" --yes &`,
    'trainer=$!',
    'wait "$trainer"; code=$?',
    '# wait returns when the trap runs: wait on until the trainer has saved its checkpoint and exited.',
    'while kill -0 "$trainer" 2>/dev/null; do wait "$trainer"; code=$?; done',
    'exit "$code"',
    '',
  ].join('\n');
}

/** One shell word, whatever the path holds. */
export function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
