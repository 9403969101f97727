// Turns runs' loss arrays into uPlot's aligned table: one x column shared by every series
// (raw and smoothed per run). Few points: their exact x values, gaps where a run has none.
// Many points: a common grid of buckets (mean of raw, last smoothed value per bucket), so
// a redraw costs the same at 100k points as at 2k.
import type { RunLoss } from './lossStore';

export type XAxis = 'step' | 'epoch' | 'wall';

export interface ChartRun {
  runId: string;
  loss: RunLoss;
  /** For the epoch axis; runs without it are left out of that axis. */
  stepsPerEpoch?: number;
}

/** uPlot.AlignedData, with null where a series has no value at that x. */
export type PlotTable = [number[], ...Array<Array<number | null>>];

export const EXACT_LIMIT = 4000;
export const GRID_BUCKETS = 2000;

export function xValues(run: ChartRun, axis: XAxis): Float64Array | undefined {
  const { loss } = run;
  if (axis === 'step') return loss.step.subarray(0, loss.length);
  if (axis === 'wall') return loss.wallSec.subarray(0, loss.length);
  if (!run.stepsPerEpoch) return undefined;
  const out = new Float64Array(loss.length);
  for (let i = 0; i < loss.length; i++) out[i] = loss.step[i]! / run.stepsPerEpoch;
  return out;
}

/** Columns: x, then for each run its raw and its smoothed loss. */
export function buildPlotTable(runs: readonly ChartRun[], axis: XAxis, smoothing: number): PlotTable {
  const columns = runs.map((r) => ({ x: xValues(r, axis), y: r.loss.loss.subarray(0, r.loss.length), s: r.loss.smooth(smoothing).subarray(0, r.loss.length) }));
  const total = columns.reduce((n, c) => n + (c.x?.length ?? 0), 0);
  return total <= EXACT_LIMIT ? exactTable(columns) : gridTable(columns, GRID_BUCKETS);
}

type Column = { x: Float64Array | undefined; y: Float64Array; s: Float64Array };

function exactTable(columns: Column[]): PlotTable {
  const xs = new Set<number>();
  for (const c of columns) if (c.x) for (const v of c.x) xs.add(v);
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((v, i) => [v, i]));
  const table: PlotTable = [x];
  for (const c of columns) {
    const raw: Array<number | null> = new Array(x.length).fill(null);
    const smooth: Array<number | null> = new Array(x.length).fill(null);
    if (c.x) {
      for (let i = 0; i < c.x.length; i++) {
        const k = index.get(c.x[i]!)!;
        raw[k] = c.y[i]!;
        smooth[k] = c.s[i]!;
      }
    }
    table.push(raw, smooth);
  }
  return table;
}

function gridTable(columns: Column[], buckets: number): PlotTable {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of columns) {
    if (!c.x || c.x.length === 0) continue;
    lo = Math.min(lo, c.x[0]!);
    hi = Math.max(hi, c.x[c.x.length - 1]!);
  }
  if (!(hi > lo)) return exactTable(columns);
  const width = (hi - lo) / buckets;
  const x = Array.from({ length: buckets }, (_, i) => lo + (i + 0.5) * width);
  const table: PlotTable = [x];
  const sums = new Float64Array(buckets);
  const counts = new Uint32Array(buckets);
  for (const c of columns) {
    const raw: Array<number | null> = new Array(buckets).fill(null);
    const smooth: Array<number | null> = new Array(buckets).fill(null);
    sums.fill(0);
    counts.fill(0);
    if (c.x) {
      for (let i = 0; i < c.x.length; i++) {
        const k = Math.min(buckets - 1, Math.floor((c.x[i]! - lo) / width));
        sums[k] += c.y[i]!;
        counts[k]++;
        smooth[k] = c.s[i]!; // x ascends, so the last one written is the bucket's last
      }
      for (let k = 0; k < buckets; k++) if (counts[k]! > 0) raw[k] = sums[k]! / counts[k]!;
    }
    table.push(raw, smooth);
  }
  return table;
}
