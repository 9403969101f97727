// Runs grouped by the values of some fields, with the mean and spread of every measure over
// each group's finished runs: the seeds (repeats) of one setting collapse into one row. Used
// by the Compare tab, the report and the CSV export alike. Pure: no files, no DOM.
import type { GroupBy, RunMeasureSummary } from './panelMessages';
import { COMPARE_MEASURES, type MeasureId } from './compareMeasures';
import { formatMs, formatNumber } from './formatting';

export type { GroupBy };

/** Set per repeat by a sweep's `repeats` (seed, seed + 1, ...): what tells the runs of one setting apart. */
export const REPEAT_FIELDS: readonly string[] = ['seed'];

/** A run as the groups see it: its field values (config and varied) and its measures. */
export interface GroupableRun {
  runId: string;
  state: string;
  values: Readonly<Record<string, unknown>>;
  measures: RunMeasureSummary;
}

/** One measure over a group's finished runs that have it. */
export interface MeasureStats {
  /** Runs that have the measure. */
  n: number;
  mean?: number;
  /** Sample standard deviation (n - 1 in the denominator); undefined below two runs. */
  std?: number;
  min?: number;
  max?: number;
}

export interface RunGroup<R extends GroupableRun = GroupableRun> {
  /** Stable id of the group: its values as JSON. */
  key: string;
  /** The group's value of each grouping field. */
  values: Record<string, unknown>;
  /** Every run of the group, in the order given. */
  runs: R[];
  /** Runs whose state is `done`: the statistics are theirs (an unfinished run's final loss is not final). */
  finished: R[];
  stats: Record<MeasureId, MeasureStats>;
}

/** The fields to group by: `all` is every varied field except the repeat's seed; a list is kept in the order given. */
export function groupFields(groupBy: GroupBy, variedFields: readonly string[]): string[] {
  if (groupBy === 'all') return variedFields.filter((f) => !REPEAT_FIELDS.includes(f));
  return [...groupBy];
}

/** Groups in the order their first run comes; runs with equal values of every field (JSON-equal) share one. */
export function groupRuns<R extends GroupableRun>(runs: readonly R[], fields: readonly string[]): Array<RunGroup<R>> {
  const groups = new Map<string, { values: Record<string, unknown>; runs: R[] }>();
  for (const run of runs) {
    const values = Object.fromEntries(fields.map((f) => [f, run.values[f]]));
    const key = JSON.stringify(fields.map((f) => run.values[f] ?? null));
    const group = groups.get(key) ?? groups.set(key, { values, runs: [] }).get(key)!;
    group.runs.push(run);
  }
  return [...groups].map(([key, g]) => {
    const finished = g.runs.filter((r) => r.state === 'done');
    const stats = Object.fromEntries(COMPARE_MEASURES.map((m) => [
      m.id, measureStats(finished.flatMap((r) => { const v = r.measures[m.id]; return v !== undefined && Number.isFinite(v) ? [v] : []; })),
    ])) as Record<MeasureId, MeasureStats>;
    return { key, values: g.values, runs: g.runs, finished, stats };
  });
}

/** Mean, sample standard deviation (two passes: no cancellation of a large mean), min and max. */
export function measureStats(values: readonly number[]): MeasureStats {
  const n = values.length;
  if (n === 0) return { n };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = sum / n;
  if (n < 2) return { n, mean, min, max };
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { n, mean, std: Math.sqrt(squares / (n - 1)), min, max };
}

/** `0.1234 ± 0.0056` (ms measures as durations), the mean alone for one run, `–` for none. */
export function meanStdText(s: MeasureStats, kind: 'ms' | number): string {
  if (s.mean === undefined) return '–';
  const text = (v: number) => (kind === 'ms' ? formatMs(v) : formatNumber(v));
  return s.std === undefined ? text(s.mean) : `${text(s.mean)} ± ${text(s.std)}`;
}

/** What is wrong with grouping these runs by `groupBy` (a field that is not varied), or undefined. */
export function groupByProblem(groupBy: GroupBy, variedFields: readonly string[]): string | undefined {
  const varied = variedFields.length > 0 ? variedFields.join(', ') : 'none';
  if (groupBy === 'all') return groupFields(groupBy, variedFields).length === 0 ? `nothing to group by: no field but the seed varies (varied: ${varied})` : undefined;
  if (groupBy.length === 0) return 'names no field';
  const unknown = groupBy.find((f) => !variedFields.includes(f));
  return unknown === undefined ? undefined : `"${unknown}" is not a varied field of this sweep (varied: ${varied})`;
}
