// The comparison as CSV rows, one builder for `diffusion-lab report --format csv` and the
// Compare tab's Export CSV: one row per run (or per group), every varied field, the state and
// every measure of compareMeasures.ts with its unit in the header, the numbers unrounded.
import { COMPARE_MEASURES } from './compareMeasures';
import { csvText, type CsvCell } from './csvTable';
import type { RunSummary } from './panelMessages';
import { groupFields, groupRuns, type GroupableRun, type GroupBy } from './runGroups';

/** A run as the CSV sees it; name, star and labels come from annotations.json when the run has them. */
export interface CsvRun extends GroupableRun {
  name?: string;
  starred?: boolean;
  labels?: readonly string[];
}

export interface ComparisonCsv {
  header: string[];
  rows: CsvCell[][];
  /** Finished (done) runs among those written. */
  finished: number;
  /** The CSV's text. */
  text: string;
}

/** Runs that have not started have no numbers: they get no row. */
const HAS_STARTED = (r: GroupableRun) => r.state !== 'not started' && r.state !== 'queued';

/** Without `groupBy` (or an empty list), a row per run that started; with it, a row per group (statistics over its finished runs). */
export function comparisonCsv(runs: readonly CsvRun[], variedFields: readonly string[], groupBy?: GroupBy): ComparisonCsv {
  const started = runs.filter(HAS_STARTED);
  const finished = started.filter((r) => r.state === 'done').length;
  const fields = groupBy === undefined ? [] : groupFields(groupBy, variedFields);
  const cellOf = (v: unknown): CsvCell => (v === undefined || v === null ? undefined : typeof v === 'object' ? (Array.isArray(v) ? v.join(',') : JSON.stringify(v)) : (v as CsvCell));
  if (groupBy !== undefined && fields.length > 0) {
    const header = [...fields, 'runs', 'finished runs', ...COMPARE_MEASURES.flatMap((m) => ['mean', 'std', 'min', 'max', 'n'].map((s) => `${m.csvHeader} ${s}`))];
    const rows = groupRuns(started, fields).map((g): CsvCell[] => [
      ...fields.map((f) => cellOf(g.values[f])), g.runs.length, g.finished.length,
      ...COMPARE_MEASURES.flatMap((m) => { const s = g.stats[m.id]; return [s.mean, s.std, s.min, s.max, s.n]; }),
    ]);
    return { header, rows, finished, text: csvText(header, rows) };
  }
  // Name, star and labels only when some run has them: a sweep nobody annotated keeps a plain table.
  const annotated = {
    name: runs.some((r) => r.name !== undefined),
    starred: runs.some((r) => r.starred !== undefined),
    labels: runs.some((r) => r.labels !== undefined),
  };
  const header = [
    'run', ...(annotated.name ? ['name'] : []), ...(annotated.starred ? ['starred'] : []), ...(annotated.labels ? ['labels'] : []),
    ...variedFields, 'state', ...COMPARE_MEASURES.map((m) => m.csvHeader),
  ];
  const rows = started.map((r): CsvCell[] => [
    r.runId,
    ...(annotated.name ? [r.name] : []), ...(annotated.starred ? [r.starred === true] : []),
    // Labels joined by "; ": a label may hold a comma, the cell is quoted then.
    ...(annotated.labels ? [(r.labels ?? []).join('; ')] : []),
    ...variedFields.map((f) => cellOf(r.values[f])), r.state,
    ...COMPARE_MEASURES.map((m) => r.measures[m.id]),
  ]);
  return { header, rows, finished, text: csvText(header, rows) };
}

/** A panel run as the CSV and the groups see it: its compared config with the sweep's varied values over it. */
export function csvRunOfSummary(r: RunSummary): CsvRun {
  return {
    runId: r.runId, state: r.state, values: { ...r.config, ...r.varied }, measures: r.measures,
    ...(r.displayName !== undefined ? { name: r.displayName } : {}), ...(r.starred !== undefined ? { starred: r.starred } : {}), ...(r.labels !== undefined ? { labels: r.labels } : {}),
  };
}

/** What to tell the person about a CSV with no finished run in it; undefined when it has some. */
export function csvNoFinishedRunsNote(csv: ComparisonCsv): string | undefined {
  if (csv.finished > 0) return undefined;
  return csv.rows.length === 0
    ? 'no finished runs yet: the CSV has the header only'
    : `no finished runs yet: the CSV has ${csv.rows.length} row${csv.rows.length === 1 ? '' : 's'} of unfinished runs (see the state column${csv.header.includes('state') ? '' : ': grouped statistics are empty'})`;
}
