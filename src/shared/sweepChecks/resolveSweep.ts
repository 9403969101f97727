// Turns a validated sweep file into its runs: every run's full config, the values that set
// it apart, and an id that is readable and the same every time the file is resolved.
//
// Runs: for each grid combination (one combination, the base, without a grid), one run per
// axis value with the other fields at that combination (no axes: the combination itself),
// each `repeats` times with seeds seed, seed + 1, ... The centre run (every axis at its base
// value) is shared by all axes and listed once.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ConfigError, DEFAULT_RUN_CONFIG, resolveRunConfig, type RunConfig } from '../runConfig';
import { RUN_CONFIG_FIELDS, type RunConfigField } from '../runConfigSchema';
import { MAX_RUNS_WITHOUT_CONFIRMATION } from '../sweepSchema';
import type { SweepRun, SweepSpec } from '../sweepSpec';
import { slug } from '../formatting';
import { impliedByRecipe } from '../recipes';
import { SweepError, type SweepPathPart, type SweepProblem } from './sweepProblem';

export interface ResolvedSweep {
  sweepId: string;
  name: string;
  variedFields: RunConfigField[];
  maxParallelRuns: number;
  runs: SweepRun[];
}

export interface ResolveOptions {
  /** `--yes`: allow more than MAX_RUNS_WITHOUT_CONFIRMATION runs. */
  allowManyRuns?: boolean;
}

type Values = Partial<Record<RunConfigField, unknown>>;
/** Where in the sweep file each of a run's values was written. */
type Origins = Partial<Record<RunConfigField, SweepPathPart[]>>;

/** `source` is the sweep file's path: it names errors and, without `name`, the sweep. Throws SweepError. */
export function resolveSweep(spec: SweepSpec, source: string, options: ResolveOptions = {}): ResolvedSweep {
  const planned = planSweep(spec, source, options);
  if (!planned.sweep) throw new SweepError(source, planned.problems);
  return planned.sweep;
}

/** The sweep's runs, or the problems (each run config's, pointing where its value is written) that stop it. */
export function planSweep(spec: SweepSpec, source: string, options: ResolveOptions = {}): { sweep?: ResolvedSweep; problems: SweepProblem[] } {
  const name = spec.name ?? path.basename(source).replace(/\.sweep\.json$|\.json$/i, '');
  const repeats = spec.repeats ?? 1;
  const axes = Object.entries(spec.axes ?? {}) as [RunConfigField, unknown[]][];
  const gridPoints = product(Object.entries(spec.grid ?? {}) as [RunConfigField, unknown[]][]);
  const axisPoints: { axis: RunConfigField | null; values: Values; origins: Origins }[] = axes.length === 0
    ? [{ axis: null, values: {}, origins: {} }]
    : axes.flatMap(([axis, list]) => list.map((v, i) => ({ axis, values: { [axis]: v }, origins: { [axis]: ['axes', axis, i] } })));

  const runCount = gridPoints.length * axisPoints.length * repeats;
  if (runCount > MAX_RUNS_WITHOUT_CONFIRMATION && !options.allowManyRuns) {
    const at: SweepPathPart[] = spec.grid ? ['grid'] : spec.axes ? ['axes'] : ['repeats'];
    return { problems: [{ message: `describes ${runCount.toLocaleString('en-US')} runs, more than ${MAX_RUNS_WITHOUT_CONFIRMATION.toLocaleString('en-US')}; check the grid, or pass --yes to run them all`, path: at }] };
  }

  const baseSeed = spec.base?.seed ?? DEFAULT_RUN_CONFIG.seed;
  const baseOrigins = Object.fromEntries(Object.keys(spec.base ?? {}).map((f) => [f, ['base', f]])) as Origins;
  const problems = new Map<string, SweepProblem>();
  const runs: Omit<SweepRun, 'runId' | 'varied'>[] = [];
  const indexByConfig = new Map<string, number>();
  for (const grid of gridPoints) {
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const point of axisPoints) {
        const origin: Values = { ...grid.values, ...point.values, ...(repeats > 1 ? { seed: baseSeed + repeat } : {}) };
        let config: RunConfig;
        try {
          config = resolveRunConfig({ ...spec.base, ...origin } as Record<string, unknown>, `run ${describeValues(origin)}`);
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          const origins: Origins = { ...baseOrigins, ...grid.origins, ...point.origins, ...(repeats > 1 ? { seed: ['repeats'] } : {}) };
          const problem = locateRunProblem(err, origins);
          // A value in base fails in every run: one problem, named by the first run.
          const key = `${JSON.stringify(problem.path)} ${err.message.replace(/^run \([^)]*\): /, '')}`;
          if (!problems.has(key)) problems.set(key, problem);
          continue;
        }
        // Only the centre (each axis at its base value) is reached twice: the schema forbids
        // repeated values, and a field in both axes and grid.
        const key = canonicalJson(config);
        const seen = indexByConfig.get(key);
        if (seen !== undefined) {
          if (point.axis) runs[seen]!.axes.push(point.axis);
          continue;
        }
        indexByConfig.set(key, runs.length);
        runs.push({ axes: point.axis ? [point.axis] : [], repeat, config });
      }
    }
  }
  if (problems.size > 0) return { problems: [...problems.values()] };

  const variedFields = FIELD_ORDER.filter((f) => runs.some((r) => canonicalJson(r.config[f]) !== canonicalJson(runs[0]!.config[f])));
  // Widths that follow from a varied preset add nothing readable to an id.
  const labelled = variedFields.filter((f) => !(f === 'channels' && variedFields.includes('preset') && !mentions(spec, 'channels')));
  const ids = assignRunIds(runs.map((r) => r.config), labelled);
  return {
    problems: [],
    sweep: {
      sweepId: idPart(name),
      name,
      variedFields,
      maxParallelRuns: spec.maxParallelRuns ?? 1,
      runs: runs.map((r, i) => ({
        runId: ids[i]!,
        varied: Object.fromEntries(variedFields.map((f) => [f, r.config[f]])),
        ...r,
      })),
    },
  };
}

/** The run's problem at the first field at fault that the file writes; the fix only when that is the field the fix is for. */
function locateRunProblem(err: ConfigError, origins: Origins): SweepProblem {
  const fields = err.detail?.fields ?? [];
  const field = fields.find((f) => origins[f]);
  const fix = field !== undefined && field === fields[0] && err.detail?.nearest !== undefined ? { fix: { kind: 'replace' as const, value: err.detail.nearest } } : {};
  return { message: err.message, path: field ? origins[field]! : [], ...fix };
}

/** The order of varied fields in ids and tables: the assignment's first, then RunConfig order. */
const FIRST_FIELDS: RunConfigField[] = ['recipe', 'preset', 'channels', 'dataset', 'timesteps', 'imgSize', 'batchSize', 'activation', 'loss'];
const FIELD_ORDER: RunConfigField[] = [...FIRST_FIELDS, ...RUN_CONFIG_FIELDS.filter((f) => !FIRST_FIELDS.includes(f))];
/** What a single-config sweep's id names, as `makeRunId` does. */
const DEFAULT_LABELS: RunConfigField[] = ['timesteps', 'imgSize', 'batchSize', 'activation', 'loss'];

const num = (v: unknown) => String(v).replace('+', '');
const asIs = (v: unknown) => String(v);
const LABELS: Partial<Record<RunConfigField, (v: unknown) => string>> = {
  preset: asIs,
  activation: asIs,
  loss: asIs,
  recipe: asIs,
  schedule: asIs,
  backend: asIs,
  imageFit: asIs,
  datasetSplit: asIs,
  timesteps: (v) => `T${num(v)}`,
  imgSize: (v) => `${num(v)}px`,
  batchSize: (v) => `b${num(v)}`,
  channels: (v) => `c${(v as number[]).join('.')}`,
  dataset: (v) => idPart(path.basename(String(v))),
  lr: (v) => `lr${num(v)}`,
  epochs: (v) => `e${num(v)}`,
  maxSteps: (v) => `${num(v)}steps`,
  seed: (v) => `s${num(v)}`,
  betaStart: (v) => `bs${num(v)}`,
  betaEnd: (v) => `be${num(v)}`,
  huberDelta: (v) => `hd${num(v)}`,
  toyCarsCount: (v) => `n${num(v)}`,
};

/** `T300-32px-b128-silu-huber-7f3a`: the labelled values (in FIELD_ORDER; not those a varied recipe implies), then a hash of the whole config. */
function assignRunIds(configs: RunConfig[], fields: RunConfigField[]): string[] {
  const shown = fields.length > 0 ? fields : DEFAULT_LABELS;
  const make = (hashLength: number) => configs.map((c) => [
    ...shown.filter((f) => !shown.includes('recipe') || !impliedByRecipe(f, c[f], c.recipe))
      .map((f) => (LABELS[f] ?? ((v: unknown) => `${f}-${idPart(String(v))}`))(c[f])),
    configHash(c).slice(0, hashLength),
  ].join('-'));
  const short = make(4);
  // Four hex digits tell apart runs whose labels agree in all but a handful of sweeps; never rely on luck.
  return new Set(short).size === short.length ? short : make(12);
}

/**
 * sha256 of the config's fields that differ from their defaults, keys sorted: the same config
 * always gives the same hash, and a field added to RunConfig later (at its default) changes no
 * existing id, so upgrading does not make a sweep train its finished runs again.
 */
export function configHash(config: Partial<RunConfig>): string {
  const set = Object.entries(config).filter(([k, v]) => canonicalJson(v) !== canonicalJson(DEFAULT_RUN_CONFIG[k as keyof RunConfig]));
  return createHash('sha256').update(canonicalJson(Object.fromEntries(set))).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `timesteps=250, imgSize=32`, or `base` for none. */
export function describeValues(values: Values): string {
  const entries = Object.entries(values);
  if (entries.length === 0) return '(base)';
  return `(${entries.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(', ')})`;
}


/** Part of a sweep or run id: a lower-case slug, never empty. */
function idPart(text: string): string {
  return slug(text.toLowerCase()) || 'sweep';
}

/** Every combination of the grid's values, with where each value is written. */
function product(lists: [RunConfigField, unknown[]][]): { values: Values; origins: Origins }[] {
  return lists.reduce<{ values: Values; origins: Origins }[]>((acc, [field, values]) => acc.flatMap((p) => values.map((v, i) => ({
    values: { ...p.values, [field]: v }, origins: { ...p.origins, [field]: ['grid', field, i] },
  }))), [{ values: {}, origins: {} }]);
}

function mentions(spec: SweepSpec, field: RunConfigField): boolean {
  return [spec.base, spec.axes, spec.grid].some((o) => o !== undefined && Object.prototype.hasOwnProperty.call(o, field));
}
