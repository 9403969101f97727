// A group of runs on the loss chart: the mean of its runs' smoothed loss at each step, with a
// band of ± one sample standard deviation or from the lowest to the highest run. Runs of one
// group share their steps per epoch, so they are aligned by step; the curve stops at the last
// step every run of the group has reached (a longer or still-training run does not pull the
// mean about at its end). On the epoch axis x is step / steps per epoch; on the wall-time axis,
// the mean of the runs' training times at that step.
import type { PlotTable, XAxis } from './chartData';
import type { RunLoss } from './lossStore';

export type LossBand = 'std' | 'range';

export interface LossGroup {
  runs: Array<{ loss: RunLoss; stepsPerEpoch?: number }>;
}

/** The most points a group's curve keeps: every k-th common step beyond it (the curves are smoothed already). */
export const GROUP_POINTS = 4000;

interface GroupCurve {
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
}

/** Columns: x, then per group its mean, the band's low and its high edge; null where a group has no point at that x. */
export function groupLossTable(groups: readonly LossGroup[], axis: XAxis, smoothing: number, band: LossBand): PlotTable {
  const curves = groups.map((g) => groupCurve(g, axis, smoothing, band));
  const xs = [...new Set(curves.flatMap((c) => c.x))].sort((a, b) => a - b);
  const index = new Map(xs.map((v, i) => [v, i]));
  const table: PlotTable = [xs];
  for (const c of curves) {
    const columns = [c.mean, c.lo, c.hi].map((values) => {
      const out: Array<number | null> = new Array(xs.length).fill(null);
      for (let i = 0; i < c.x.length; i++) out[index.get(c.x[i]!)!] = values[i]!;
      return out;
    });
    table.push(...columns);
  }
  return table;
}

function groupCurve(group: LossGroup, axis: XAxis, smoothing: number, band: LossBand): GroupCurve {
  const curve: GroupCurve = { x: [], mean: [], lo: [], hi: [] };
  const runs = group.runs.filter((r) => r.loss.length > 0 && (axis !== 'epoch' || r.stepsPerEpoch));
  if (runs.length === 0) return curve; // a run with no points (or no epoch yet) is left out until it has some
  const smoothed = runs.map((r) => r.loss.smooth(smoothing));
  const first = runs[0]!.loss;
  // Steps every run has: those of the first run up to the shortest run's last step, found in the others by binary search.
  const last = Math.min(...runs.map((r) => r.loss.step[r.loss.length - 1]!));
  const common: number[][] = [];
  for (let i = 0; i < first.length && first.step[i]! <= last; i++) {
    const step = first.step[i]!;
    const at = runs.map((r) => indexOf(r.loss, step));
    if (at.every((k) => k >= 0)) common.push(at);
  }
  const stride = Math.max(1, Math.ceil(common.length / GROUP_POINTS));
  for (let c = 0; c < common.length; c++) {
    if (c % stride !== 0 && c !== common.length - 1) continue;
    const at = common[c]!;
    const values = at.map((k, r) => smoothed[r]![k]!);
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    let lo: number;
    let hi: number;
    if (band === 'range') {
      lo = Math.min(...values);
      hi = Math.max(...values);
    } else {
      const std = n > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
      lo = mean - std;
      hi = mean + std;
    }
    const step = first.step[at[0]!]!;
    curve.x.push(axis === 'step' ? step : axis === 'epoch' ? step / runs[0]!.stepsPerEpoch! : at.reduce((a, k, r) => a + runs[r]!.loss.wallSec[k]!, 0) / n);
    curve.mean.push(mean);
    curve.lo.push(lo);
    curve.hi.push(hi);
  }
  return curve;
}

/** Where `step` is in the run's (ascending) steps, or -1. */
function indexOf(loss: RunLoss, step: number): number {
  let lo = 0;
  let hi = loss.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (loss.step[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  return lo < loss.length && loss.step[lo] === step ? lo : -1;
}
