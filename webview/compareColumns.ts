// The Compare table's columns, shared by the table, the metric-vs-parameter plot and the
// markdown table the Notes tab inserts, so all three say the same thing.
import type { RunMeasureSummary, RunSummary } from '../src/shared/panelMessages';
import { formatMs, formatNumber, formatValue, shortFieldName } from '../src/shared/formatting';
import { BEST_LOSS, FINAL_LOSS } from '../src/shared/lossNames';

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

/** kind: 'ms' for durations, else the number of decimals (the same for every row, so a column's digits line up). */
function measure(id: keyof RunMeasureSummary, title: string, help: string, kind: 'ms' | number): Column {
  const fixed = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : Math.abs(v) >= 1e5 ? formatNumber(v) : v.toFixed(kind as number));
  return {
    id, title, help, numeric: true,
    value: (r) => r.measures[id],
    format: (r) => (kind === 'ms' ? formatMs(r.measures[id]) : fixed(r.measures[id])),
  };
}

export const MEASURE_COLUMNS: Column[] = [
  measure('msPerEpoch', 'time / epoch', 'median time of one training epoch', 'ms'),
  {
    ...measure('forwardMs', 'forward diffusion', 'q(x_t | x_0) for one batch', 'ms'),
    format: (r) => (r.measures.forwardMs === undefined ? '–' : `${formatMs(r.measures.forwardMs)}${r.measures.forwardBatch ? ` (${r.measures.forwardBatch} img)` : ''}`),
  },
  {
    ...measure('samplingMs', 'sampling', 'reverse process: T steps for the sample grid', 'ms'),
    format: (r) => (r.measures.samplingMs === undefined ? '–' : `${formatMs(r.measures.samplingMs)}${r.measures.samplingBatch ? ` (${r.measures.samplingBatch} img)` : ''}`),
  },
  measure('finalLoss', FINAL_LOSS.label, FINAL_LOSS.definition, 4),
  measure('bestLoss', BEST_LOSS.label, BEST_LOSS.definition, 4),
  {
    ...measure('bitsPerDim', 'bits/dim', 'variational bound on held-out images (lower is better), ± its Monte-Carlo standard error', 3),
    stdErr: (r) => r.measures.bitsPerDimStdErr,
  },
  measure('swd', 'SWD', 'sliced Wasserstein distance ×1e3, samples vs held-out (lower is better); with a weight average, of its samples', 1),
  measure('swdRaw', 'SWD raw weights', 'the same for the same noise through the trained weights themselves, in a run that keeps a weight average (EMA)', 1),
  measure('swdFloor', 'SWD floor', 'the same between two real held-out sets: what "as good as real" scores', 1),
  measure('totalMs', 'total time', 'wall time of the whole run', 'ms'),
];

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
