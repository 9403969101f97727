// Types of a sweep: the file a person writes (derived from SWEEP_SCHEMA, never written by
// hand) and the resolved sweep.json the trainer writes beside the runs.
import type { FromSchema } from 'json-schema-to-ts';
import type { RunConfig } from './runConfig';
import type { RunConfigField } from './runConfigSchema';
import type { SlurmOptions, SlurmSubmission } from './slurmJob';
import type { SWEEP_SCHEMA } from './sweepSchema';

/** A sweep file as written (after validation against SWEEP_SCHEMA); fields with a default stay optional. */
export type SweepSpec = FromSchema<typeof SWEEP_SCHEMA, { keepDefaultedPropertiesOptional: true }>;
export type SweepBase = NonNullable<SweepSpec['base']>;
/** Field -> the values to try, for `axes` and `grid`. */
export type SweepValueLists = NonNullable<SweepSpec['axes']>;

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
/**
 * Fails to compile when the schema's run config and RunConfig differ in a field or its type. Both
 * come from RUN_CONFIG_TABLE (src/shared/runConfigSchema.ts): this checks that RunConfig's
 * ValueOfFieldSpec reads a table entry as json-schema-to-ts reads its schema.
 */
export const SCHEMA_MATCHES_RUN_CONFIG: Equals<Required<SweepBase>, RunConfig> = true;
/** Fails to compile when the schema's `slurm` block and SlurmOptions (src/shared/slurmJob.ts) differ. */
export const SCHEMA_MATCHES_SLURM_OPTIONS: Equals<NonNullable<SweepSpec['slurm']>, SlurmOptions> = true;

/** One run of a resolved sweep. */
export interface SweepRun {
  /** Readable and stable: the varied values plus a hash of the whole config. */
  runId: string;
  /** This run's values of the fields that differ between the sweep's runs. */
  varied: Partial<Record<RunConfigField, unknown>>;
  /** The axes whose one-at-a-time series include this run (the centre run is on every axis). */
  axes: RunConfigField[];
  /** 0-based repeat; its seed is the base seed plus this. */
  repeat: number;
  config: RunConfig;
}

/** <out>/sweeps/<sweep-id>/sweep.json: the sweep resolved into runs. */
export interface ResolvedSweepFile {
  formatVersion: 1;
  sweepId: string;
  name: string;
  description?: string;
  /** The sweep file it was resolved from, absolute. */
  source: string;
  resolvedAt: string;
  /** The sweep file's content as written. */
  spec: SweepSpec;
  /** Fields whose value differs between runs (T, size, batch, activation, loss first): the comparison table's columns. */
  variedFields: RunConfigField[];
  maxParallelRuns: number;
  runs: SweepRun[];
  /** The latest submission as a Slurm job array (`sweep --scheduler slurm`); absent when never submitted. */
  slurm?: SlurmSubmission;
}

export const SWEEP_FILES = {
  resolved: 'sweep.json',
  /** The sweep's analysis. */
  notes: 'notes.md',
} as const;
