// Turns runs' loss arrays into uPlot's aligned table: one x column shared by every series
// (raw and smoothed per run). Few distinct x values (a sweep's runs share their steps): their
// exact values, gaps where a run has none. Many: a common grid of buckets (mean of raw, last
// smoothed value per bucket), kept from one update to the next: new points are added to
// their buckets, and when the x range outgrows the grid, pairs of buckets merge (the bucket
// width doubles), so a live update costs O(new points + buckets) however long the run is.
// The small curve charts' line (Curve) is here too, where code without a DOM can build it.
import type { RunLoss } from './lossStore';

export type XAxis = 'step' | 'epoch' | 'wall';

/** A line of the small curve charts (dl-curve-chart), with its own x values. */
export interface Curve {
  label: string;
  color: string;
  x: number[];
  y: number[];
  /** Canvas line dash (e.g. [6, 4]): a reference line rather than data. */
  dash?: number[];
  /** A dot at each point: for few, discrete measurements. */
  points?: boolean;
}

export interface ChartRun {
  runId: string;
  loss: RunLoss;
  /** For the epoch axis; runs without it are left out of that axis. */
  stepsPerEpoch?: number;
}

/**
 * uPlot.AlignedData, with null where a series has no value at that x. Columns may be typed
 * arrays (the runs' own arrays, when they share their x values): uPlot reads them as they are.
 */
export type PlotTable = [ArrayLike<number>, ...Array<ArrayLike<number | null>>];

/** Up to this many distinct x values, every point is drawn at its own x. */
export const EXACT_LIMIT = 4000;
/** Buckets of the grid (at most; fewer for a narrow chart): between half and all of them hold points. */
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

/** Columns: x, then for each run its raw and its smoothed loss. Stateless: every call starts over. */
export function buildPlotTable(runs: readonly ChartRun[], axis: XAxis, smoothing: number, buckets = GRID_BUCKETS): PlotTable {
  return new PlotTableBuilder().build(runs, axis, smoothing, buckets);
}

type Column = { x: Float64Array | undefined; y: Float64Array; s: Float64Array };

interface GridRun {
  loss: RunLoss;
  /** loss.cuts when the grid took its points. */
  cuts: number;
  /** Points already in the buckets. */
  done: number;
  sums: Float64Array;
  counts: Uint32Array;
  /** Smoothed loss of each bucket's last point. */
  last: Float64Array;
}

interface Grid {
  key: string;
  lo: number;
  width: number;
  buckets: number;
  /** Highest bucket holding a point, over every run. */
  top: number;
  runs: GridRun[];
}

/** Builds the table for one chart; keeps its grid between calls so that live updates are incremental. */
export class PlotTableBuilder {
  private grid: Grid | undefined;

  build(runs: readonly ChartRun[], axis: XAxis, smoothing: number, buckets = GRID_BUCKETS): PlotTable {
    const columns: Column[] = runs.map((r) => ({
      x: xValues(r, axis), y: r.loss.loss.subarray(0, r.loss.length), s: r.loss.smooth(smoothing).subarray(0, r.loss.length),
    }));
    const key = `${runs.map((r) => `${r.runId}/${r.stepsPerEpoch ?? ''}`).join('|')}#${axis}#${smoothing}#${buckets}`;
    // Once on the grid, the table stays on it while the runs only grow (their distinct x values only grow too).
    if (!this.grid || this.grid.key !== key || !this.extend(this.grid, runs, columns)) {
      this.grid = undefined;
      if (distinctAtMost(columns, EXACT_LIMIT)) return exactTable(columns);
      this.grid = newGrid(key, runs, columns, Math.max(2, Math.floor(buckets)));
      if (!this.grid) return exactTable(columns);
      if (!this.extend(this.grid, runs, columns)) throw new Error('a new grid takes every point');
    }
    return gridOutput(this.grid);
  }

  /** Adds the runs' new points to the grid; false when it cannot (a run was cut back or replaced, a point left of the grid). */
  private extend(grid: Grid, runs: readonly ChartRun[], columns: Column[]): boolean {
    for (let r = 0; r < runs.length; r++) {
      const g = grid.runs[r]!;
      const n = runs[r]!.loss.length;
      if (g.loss !== runs[r]!.loss || g.cuts !== g.loss.cuts || n < g.done) return false;
      const x = columns[r]!.x;
      if (x && g.done < n && x[g.done]! < grid.lo) return false;
    }
    for (let r = 0; r < runs.length; r++) {
      const g = grid.runs[r]!;
      const { x, y, s } = columns[r]!;
      if (!x) continue;
      for (let i = g.done; i < x.length; i++) {
        let k = Math.floor((x[i]! - grid.lo) / grid.width);
        while (k >= grid.buckets) {
          mergePairs(grid);
          k = Math.floor((x[i]! - grid.lo) / grid.width);
        }
        g.sums[k] += y[i]!;
        g.counts[k] = g.counts[k]! + 1;
        g.last[k] = s[i]!;
        if (k > grid.top) grid.top = k;
      }
      g.done = x.length;
    }
    return true;
  }
}

/** True when the runs' x values hold at most `limit` distinct values. */
function distinctAtMost(columns: Column[], limit: number): boolean {
  let total = 0;
  let longest = 0;
  for (const c of columns) {
    const n = c.x?.length ?? 0;
    total += n;
    longest = Math.max(longest, n);
  }
  if (total <= limit) return true;
  if (longest > limit) return false;
  if (sharedX(columns)) return true;
  const seen = new Set<number>();
  for (const c of columns) {
    if (!c.x) continue;
    for (const v of c.x) {
      seen.add(v);
      if (seen.size > limit) return false;
    }
  }
  return true;
}

/** True when every run has points at the same x values (a sweep's runs at the same steps). */
function sharedX(columns: Column[]): Float64Array | undefined {
  const first = columns[0]?.x;
  if (!first) return undefined;
  for (const c of columns) {
    if (!c.x || c.x.length !== first.length) return undefined;
    if (c.x === first) continue;
    for (let i = 0; i < first.length; i++) if (c.x[i] !== first[i]) return undefined;
  }
  return first;
}

function exactTable(columns: Column[]): PlotTable {
  // The usual sweep: the runs share their x values, so the columns are views of the runs' own
  // arrays (no copies, no gaps, no lookups; a later append writes past their ends).
  const shared = sharedX(columns);
  if (shared) {
    const table: PlotTable = [shared];
    for (const c of columns) table.push(c.y, c.s);
    return table;
  }
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

/** A grid whose buckets just hold the points there are; undefined when all points share one x. */
function newGrid(key: string, runs: readonly ChartRun[], columns: Column[], buckets: number): Grid | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of columns) {
    if (!c.x || c.x.length === 0) continue;
    lo = Math.min(lo, c.x[0]!);
    hi = Math.max(hi, c.x[c.x.length - 1]!);
  }
  if (!(hi > lo)) return undefined;
  // A hair wider than the data, so that the last point falls in the last bucket, not past it.
  const width = ((hi - lo) / buckets) * (1 + 1e-9);
  return {
    key, lo, width, buckets, top: -1,
    runs: runs.map((r) => ({
      loss: r.loss, cuts: r.loss.cuts, done: 0, sums: new Float64Array(buckets), counts: new Uint32Array(buckets), last: new Float64Array(buckets),
    })),
  };
}

/** Twice as wide buckets: bucket j takes the points of 2j and 2j + 1. */
function mergePairs(grid: Grid): void {
  const half = grid.buckets >> 1;
  for (const g of grid.runs) {
    for (let j = 0; j < grid.buckets; j++) {
      const a = 2 * j;
      const b = a + 1;
      if (j < half || a < grid.buckets) {
        const ca = a < grid.buckets ? g.counts[a]! : 0;
        const cb = b < grid.buckets ? g.counts[b]! : 0;
        const sum = (ca ? g.sums[a]! : 0) + (cb ? g.sums[b]! : 0);
        const last = cb ? g.last[b]! : ca ? g.last[a]! : 0;
        g.sums[j] = sum;
        g.counts[j] = ca + cb;
        g.last[j] = last;
      } else {
        g.sums[j] = 0;
        g.counts[j] = 0;
        g.last[j] = 0;
      }
    }
  }
  grid.width *= 2;
  grid.top = grid.top >> 1;
}

function gridOutput(grid: Grid): PlotTable {
  const n = grid.top + 1;
  const x = new Array<number>(n);
  for (let k = 0; k < n; k++) x[k] = grid.lo + (k + 0.5) * grid.width;
  const table: PlotTable = [x];
  for (const g of grid.runs) {
    const raw: Array<number | null> = new Array(n);
    const smooth: Array<number | null> = new Array(n);
    for (let k = 0; k < n; k++) {
      const c = g.counts[k]!;
      raw[k] = c ? g.sums[k]! / c : null;
      smooth[k] = c ? g.last[k]! : null;
    }
    table.push(raw, smooth);
  }
  return table;
}
