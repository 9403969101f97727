// The sweep file's JSON Schema: the single source of truth. The trainer validates with it
// (Ajv), sweepSpec.ts derives the TypeScript types from it, and the build writes it to
// schemas/sweep.schema.json for the editor (completion, hovers, squiggles on *.sweep.json).
// Descriptions are one line each: they are what the editor shows on hover.
import { RUN_CONFIG_FIELDS, RUN_CONFIG_PROPERTIES, type RunConfigField } from './runConfigSchema';
import { SLURM_BLOCK_PROPERTIES } from './slurmJob';

/** How the sweep check is compiled (sweepChecks/sweepSchemaValidator.ts, and the build's standalone copy): every problem at once. */
export const SWEEP_AJV_OPTIONS = { allErrors: true, strict: true } as const;

/** More runs than this need `--yes`: a typo in a grid should not start a month of training. */
export const MAX_RUNS_WITHOUT_CONFIRMATION = 1000;

interface ValueListSchema<S> {
  readonly type: 'array';
  readonly items: S;
  readonly minItems: 1;
  readonly uniqueItems: true;
  readonly description: string;
}

type ValueLists = { readonly [K in RunConfigField]: ValueListSchema<(typeof RUN_CONFIG_PROPERTIES)[K]> };

/** For `axes` and `grid`: each field may list values, at least one, no value twice. */
function valueLists(describe: (field: RunConfigField) => string): ValueLists {
  return Object.fromEntries(RUN_CONFIG_FIELDS.map((field) => [field, {
    type: 'array', items: RUN_CONFIG_PROPERTIES[field], minItems: 1, uniqueItems: true, description: describe(field),
  }])) as unknown as ValueLists;
}

export const SWEEP_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Diffusion Lab sweep',
  description: 'A set of DDPM training runs: a base run config, varied along axes (one field at a time) and/or over a grid (every combination).',
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: {
      type: 'string',
      description: 'Path or URL of this JSON Schema, for editors; the trainer ignores it.',
    },
    name: {
      type: 'string', minLength: 1, maxLength: 80,
      description: 'Names the sweep and its folder <out>/sweeps/<name>/; defaults to the file name without .sweep.json.',
    },
    description: {
      type: 'string',
      description: 'What the sweep is for, in a sentence or two; copied into sweep.json for the report.',
    },
    base: {
      type: 'object', additionalProperties: false, properties: RUN_CONFIG_PROPERTIES,
      description: 'The run config every run starts from; fields left out take their defaults (the course notebook\'s).',
    },
    axes: {
      type: 'object', additionalProperties: false, minProperties: 1,
      properties: valueLists((f) => `Values of ${f} to try one at a time, every other field at base (or at each grid point).`),
      description: 'Vary one field at a time, the others fixed: one run per listed value (the assignment\'s design).',
    },
    grid: {
      type: 'object', additionalProperties: false, minProperties: 1,
      properties: valueLists((f) => `Values of ${f}; the grid runs every combination of the listed fields.`),
      description: 'Every combination of the listed values (full product); with axes too, the axes vary around each combination.',
    },
    repeats: {
      type: 'integer', minimum: 1, maximum: 100, default: 1,
      description: 'Trains every config this many times, with seeds seed, seed + 1, ...; to see the run-to-run spread.',
    },
    maxParallelRuns: {
      type: 'integer', minimum: 1, maximum: 64, default: 1,
      description: 'Runs trained at the same time, each in its own process; 1 trains them one after another.',
    },
    slurm: {
      type: 'object', additionalProperties: false, properties: SLURM_BLOCK_PROPERTIES,
      description: 'Resources of each run\'s task when submitted with --scheduler slurm (a job array); flags override them.',
    },
  },
} as const;

/** The schema as published in schemas/sweep.schema.json (the build writes it; a test compares). */
export function sweepSchemaText(): string {
  return JSON.stringify(SWEEP_SCHEMA, null, 2) + '\n';
}
