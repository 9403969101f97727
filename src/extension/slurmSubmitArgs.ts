// The `diffusion-lab sweep FILE --scheduler slurm` command line Run Sweep runs. The
// diffusion.slurm.* settings are defaults: the CLI's flags override the sweep file's `slurm`
// block, so a setting becomes a flag only where that block leaves the field unset. No VS Code import.
import type { SlurmBlockField, SlurmOptions } from '../shared/slurmJob';

/** Each block field as the CLI's flags (`sweep --help`), as --flag=value: a value may begin with `-` (`--sbatch=--qos=short`). */
const SLURM_FLAGS: { [F in SlurmBlockField]-?: (value: NonNullable<SlurmOptions[F]>) => string[] } = {
  partition: (v) => [`--partition=${v}`],
  time: (v) => [`--time=${v}`],
  gres: (v) => [`--gres=${v}`],
  cpusPerTask: (v) => [`--cpus-per-task=${v}`],
  mem: (v) => [`--mem=${v}`],
  account: (v) => [`--account=${v}`],
  extraDirectives: (v) => v.map((line) => `--sbatch=${line}`),
  setup: (v) => [`--setup=${v}`],
  // A flag can only switch it on; `requeue: false` in the settings is the same as unset.
  requeue: (v) => (v ? ['--requeue'] : []),
};

/** Flags for the settings the sweep file's block does not set (the block is the file's, so it wins). */
export function slurmDefaultFlags(settings: SlurmOptions, block: SlurmOptions | undefined): string[] {
  const flags: string[] = [];
  for (const field of Object.keys(SLURM_FLAGS) as SlurmBlockField[]) {
    const value = settings[field];
    if (value === undefined || block?.[field] !== undefined) continue;
    flags.push(...(SLURM_FLAGS[field] as (v: unknown) => string[])(value));
  }
  return flags;
}

export interface SlurmSubmitRequest {
  /** The sweep file, absolute. */
  file: string;
  outDir: string;
  /** The file's `slurm` block, if it has one. */
  block?: SlurmOptions;
  settings: SlurmOptions;
}

/** The CLI's arguments (after dist/cli.js). */
export function slurmSubmitArgs(r: SlurmSubmitRequest): string[] {
  return ['sweep', r.file, '--scheduler', 'slurm', '--out', r.outDir, ...slurmDefaultFlags(r.settings, r.block)];
}
