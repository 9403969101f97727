// `diffusion-lab sweep FILE`: validate, resolve, write sweep.json, train the runs (or with
// --dry-run, list them with a time estimate), print a summary table. Progress goes to
// stderr, the tables to stdout. Exit 0 when every run is done, 1 when one is not, 130 when
// stopped by Ctrl-C, 2 for a bad sweep file or bad flags.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../shared/runConfig';
import type { TrainerEvent, TrainerMessage } from '../../shared/messages';
import type { SweepRun } from '../../shared/sweepSpec';
import { formatDuration, formatValue } from '../../shared/formatting';
import { withStopOnSignal } from '../stopOnSignal';
import { resolveSweep, type ResolvedSweep } from '../../shared/sweepChecks/resolveSweep';
import { runDirOf, writeResolvedSweep } from './sweepDirectory';
import { annotationWarnings, formatSummaryTable, formatTable, summarizeRun, type SweepRunRow } from './sweepSummary';
import { readSweepFile } from './readSweepFile';
import { applyThreadsFlag, THREADS_OPTION } from '../threadsFlag';
import { isOneOf } from '../../shared/options';
import { SLURM_SWEEP_OPTIONS, SLURM_SWEEP_USAGE } from './slurm/submitArray';
import { SCHEDULERS } from '../../shared/slurmJob';

export const SWEEP_USAGE = `diffusion-lab sweep FILE [--out DIR] [--dry-run] [--yes] [--run ID] [--gflops N] [--threads N]
       diffusion-lab sweep FILE --scheduler slurm [--out DIR] [--dry-run] [--partition P] [--time T] [--gres G]
                           [--cpus-per-task N] [--mem M] [--account A] [--sbatch LINE]... [--setup CMD] [--requeue]
  FILE        a *.sweep.json file (schema: schemas/sweep.schema.json)
  --out DIR   where sweeps/ and runs/ go (default .diffusion)
  --dry-run   list the runs and an estimated time; train nothing, write nothing
  --yes       allow a sweep of more than 1,000 runs
  --run ID    train only this run of the sweep (how parallel runs are started)
  --gflops N  the dry run's throughput, instead of a measured or assumed one
  --threads N wasm backend threads per run (default: the cores shared among parallel runs)
${SLURM_SWEEP_USAGE}Runs already done are skipped and interrupted ones resumed, so after Ctrl-C or a crash
the same command continues the sweep; submitted to Slurm again, only the runs not done are,
and they resume from their checkpoints. See also: diffusion-lab status --sweep DIR, stop --sweep DIR.
`;

export async function sweepCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        out: { type: 'string' }, 'dry-run': { type: 'boolean' }, yes: { type: 'boolean' },
        run: { type: 'string' }, gflops: { type: 'string' }, help: { type: 'boolean', short: 'h' },
        ...THREADS_OPTION, ...SLURM_SWEEP_OPTIONS,
      },
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split(/\n|\. To specify/)[0]}\n${SWEEP_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(SWEEP_USAGE);
    return 0;
  }
  applyThreadsFlag(values.threads);
  if (positionals.length !== 1) throw new ConfigError(`needs exactly one sweep file, got ${positionals.length}\n${SWEEP_USAGE}`);
  const file = positionals[0]!;
  const gflops = values.gflops === undefined ? undefined : Number(values.gflops);
  if (gflops !== undefined && !(gflops > 0)) throw new ConfigError(`--gflops must be a positive number, got ${JSON.stringify(values.gflops)}`);
  const outDir = path.resolve(values.out ?? '.diffusion');

  const spec = readSweepFile(file);
  const sweep = resolveSweep(spec, file, { allowManyRuns: values.yes === true });
  let runs = sweep.runs;
  if (values.run !== undefined) {
    runs = runs.filter((r) => r.runId === values.run);
    if (runs.length === 0) throw new ConfigError(`${file}: has no run "${values.run}" (its runs: ${sweep.runs.map((r) => r.runId).join(', ')})`);
  }

  const scheduler = values.scheduler ?? 'local';
  if (!isOneOf(SCHEDULERS, scheduler)) throw new ConfigError(`--scheduler: unknown "${scheduler}" (valid: ${SCHEDULERS.join(', ')})`);
  if (scheduler === 'slurm') {
    const { slurmOptionsFrom, submitSweepToSlurm } = await import('./slurm/submitArray');
    return submitSweepToSlurm({
      file, spec, sweep, runs, outDir, dryRun: values['dry-run'] === true,
      options: slurmOptionsFrom(spec.slurm, values), cliPath: path.resolve(process.argv[1] ?? 'dist/cli.js'),
    });
  }
  const slurmOnly = Object.keys(SLURM_SWEEP_OPTIONS).filter((k) => k !== 'scheduler' && values[k as keyof typeof values] !== undefined);
  if (slurmOnly.length > 0) throw new ConfigError(`--${slurmOnly[0]} is for --scheduler slurm; add that to submit the sweep to Slurm`);

  const current = await Promise.all(runs.map((r) => summarizeRun(r, runDirOf(outDir, r))));
  if (values['dry-run']) return dryRun(sweep, runs, current, outDir, gflops);

  const child = values.run !== undefined;
  if (!child) await checkBackends(file, runs);
  const written = await writeResolvedSweep(outDir, sweep, spec, file);
  if (!child) {
    process.stderr.write(`sweep ${sweep.name}: ${describeCounts(runs, current)}\nsweep file ${written}\n`);
  }
  return withStopOnSignal(
    'stopping: runs in progress checkpoint and are marked cancelled; run the same command again to continue',
    async (signal, onEvent) => {
      const { runSweep } = await import('./runSweep');
      const cliPath = process.argv[1];
      const outcome = await runSweep(runs, {
        outDir,
        signal,
        onEvent: child ? (e) => { onEvent(e); sendToParent(e); } : onEvent,
        log: (line) => process.stderr.write(line + '\n'),
        maxParallelRuns: child ? 1 : sweep.maxParallelRuns,
        ...(cliPath ? {
          childCommand: (run: SweepRun) => ({
            command: process.execPath,
            args: [...process.execArgv, cliPath, 'sweep', path.resolve(file), '--out', outDir, '--run', run.runId, '--yes'],
          }),
        } : {}),
      });
      process.stdout.write('\n' + formatSummaryTable(outcome.runs, sweep.variedFields));
      for (const line of annotationWarnings(outcome.runs)) process.stderr.write(line + '\n');
      const notDone = outcome.runs.filter((r) => r.state !== 'done').length;
      if (outcome.stopped) {
        process.stderr.write(`sweep stopped with ${notDone} of ${runs.length} runs not done; run the same command again to continue\n`);
        return 130;
      }
      if (notDone > 0) {
        const elsewhere = outcome.runs.filter((r) => r.state === 'running').length;
        process.stderr.write(`${notDone} of ${runs.length} runs not done (see the table)` +
          (elsewhere > 0 ? `, ${elsewhere} of them training in another process` : '') +
          '; run the same command again to retry the interrupted ones\n');
        return 1;
      }
      return 0;
    },
  );
}

/**
 * A parallel sweep's child tells its parent (runInChildren) how its run goes, as the
 * trainer in a single process would. Without a channel, or once it closed, nobody listens.
 */
function sendToParent(event: TrainerEvent): void {
  if (process.connected) process.send?.({ type: 'event', event } satisfies TrainerMessage, undefined, {}, () => {});
}

async function dryRun(sweep: ResolvedSweep, runs: SweepRun[], current: SweepRunRow[], outDir: string, gflops: number | undefined): Promise<number> {
  const { estimateSweep } = await import('./estimateSweep');
  const estimate = await estimateSweep(runs, { outDir, current, ...(gflops !== undefined ? { gflops } : {}) });
  const header = ['#', 'run', ...sweep.variedFields, 'state', 'steps', 'GFLOP/s', 'est. time'];
  const rows = runs.map((r, i) => {
    const e = estimate.runs[i]!;
    return [
      String(i + 1), r.runId, ...sweep.variedFields.map((f) => formatValue(r.varied[f])), current[i]!.state,
      e.steps === null ? '?' : String(e.steps), `${e.gflops.toPrecision(3)} ${e.basis}`,
      e.seconds === null ? '?' : formatDuration(e.seconds * 1000),
    ];
  });
  process.stdout.write(formatTable(header, rows, new Set(['steps', 'est. time'])) + '\n');
  process.stdout.write(`\nsweep ${sweep.name} (id ${sweep.sweepId}): ${describeCounts(runs, current)}; maxParallelRuns ${sweep.maxParallelRuns}\n` +
    `estimated time: ${formatDuration(estimate.totalSeconds * 1000)}${sweep.maxParallelRuns > 1 ? ' of training in total (runs in parallel share the machine)' : ''}` +
    `${estimate.unknown > 0 ? `, plus ${estimate.unknown} runs whose dataset could not be counted` : ''}\n` +
    `  ${estimate.basis}\n` +
    `dry run: nothing was trained or written; without --dry-run, runs go to ${path.join(outDir, 'runs')}\n`);
  return 0;
}

function describeCounts(runs: SweepRun[], current: SweepRunRow[]): string {
  const counts = new Map<string, number>();
  for (const c of current) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${runs.length} run${runs.length === 1 ? '' : 's'} (${parts.join(', ')})`;
}

/** A backend the sweep names that cannot start here is bad input, found before any run is written. */
async function checkBackends(file: string, runs: readonly SweepRun[]): Promise<void> {
  const { checkRequestedBackend } = await import('../backend/selectBackend');
  for (const backend of new Set(runs.map((r) => r.config.backend))) {
    try {
      await checkRequestedBackend(backend);
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message}`);
    }
  }
}
