// The Compare table's columns, shared by the table, the metric-vs-parameter plot and the
// markdown table the Notes tab inserts, so all three say the same thing.
import type { RunSummary } from '../src/shared/panelMessages';
import { COMPARE_MEASURES, type CompareMeasure, type MeasureId } from '../src/shared/compareMeasures';
import { formatMs, formatNumber, formatValue, shortFieldName } from '../src/shared/formatting';

export interface Column {
  id: string;
  title: string;
  /** What the header's tooltip says. */
  help?: string;
  value: (run: RunSummary) => string | number | undefined;
  /** The value's standard error, where it has one: the plot's error bars. */
  stdErr?: (run: RunSummary) => number | undefined;
  format: (run: RunSummary) => string;
  numeric: boolean;
}

/** Run-config fields shown when a panel has no sweep (nothing is "varied"). */
const DEFAULT_FIELDS = ['timesteps', 'imgSize', 'batchSize', 'activation', 'loss'];

export function parameterColumns(variedFields: readonly string[]): Column[] {
  const fields = variedFields.length > 0 ? variedFields : DEFAULT_FIELDS;
  return fields.map((f) => {
    const value = (r: RunSummary) => r.varied[f] ?? r.config[f];
    return {
      id: `param:${f}`, title: shortFieldName(f), help: f, numeric: false,
      value: (r) => {
        const v = value(r);
        return typeof v === 'boolean' ? String(v) : v;
      },
      format: (r) => formatValue(value(r)),
    };
  });
}

/** A measure's column: its value as sent, shown in its kind (durations, or fixed decimals). */
function measureColumn(m: CompareMeasure): Column {
  const fixed = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1e5 ? formatNumber(v) : v.toFixed(m.kind as number));
  return {
    id: m.id, title: m.title, help: m.help, numeric: true,
    value: (r) => r.measures[m.id],
    format: (r) => (m.kind === 'ms' ? formatMs(r.measures[m.id]) : fixed(r.measures[m.id])),
  };
}

/** How some measures read beyond their number: the batch they were timed on, bits/dim's error bars. */
const COLUMN_DETAILS: Partial<Record<MeasureId, Partial<Column>>> = {
  forwardMs: { format: (r) => (r.measures.forwardMs === undefined ? '–' : `${formatMs(r.measures.forwardMs)}${r.measures.forwardBatch ? ` (${r.measures.forwardBatch} img)` : ''}`) },
  samplingMs: { format: (r) => (r.measures.samplingMs === undefined ? '–' : `${formatMs(r.measures.samplingMs)}${r.measures.samplingBatch ? ` (${r.measures.samplingBatch} img)` : ''}`) },
  bitsPerDim: { stdErr: (r) => r.measures.bitsPerDimStdErr },
};

/** The measures' columns, in the shared list's order (compareMeasures.ts). */
export const MEASURE_COLUMNS: Column[] = COMPARE_MEASURES.map((m) => ({ ...measureColumn(m), ...COLUMN_DETAILS[m.id] }));

export const STATE_COLUMN: Column = {
  id: 'state', title: 'state', numeric: false,
  value: (r) => r.state,
  format: (r) => (r.state === 'running' && r.totalSteps ? `running ${Math.round(((r.step ?? 0) / r.totalSteps) * 100)}%` : r.state),
};

export function compareColumns(variedFields: readonly string[]): Column[] {
  return [...parameterColumns(variedFields), STATE_COLUMN, ...MEASURE_COLUMNS];
}

/** The comparison as a markdown table, for the notes. */
export function comparisonMarkdown(runs: readonly RunSummary[], variedFields: readonly string[]): string {
  const columns = compareColumns(variedFields).filter((c) => c.id === 'state' || !c.numeric || runs.some((r) => c.value(r) !== undefined));
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const header = `| run | ${columns.map((c) => cell(c.title)).join(' | ')} |`;
  const rule = `|---|${columns.map((c) => (c.numeric ? '---:|' : '---|')).join('')}`;
  const rows = runs.map((r) => `| ${cell(r.label)} | ${columns.map((c) => cell(c.format(r))).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}
