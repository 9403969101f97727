// The measures a comparison shows, in its order: one list for the Compare tab's columns, the
// groups of runs (runGroups.ts) and the CSV export (comparisonCsv.ts), so that all of them
// name the same numbers the same way. Values are RunMeasureSummary's, from measureSummary.ts.
import type { RunMeasureSummary } from './panelMessages';
import { BEST_LOSS, FINAL_LOSS } from './lossNames';

export type MeasureId = 'msPerEpoch' | 'forwardMs' | 'samplingMs' | 'finalLoss' | 'bestLoss' | 'heldOutMse' | 'bitsPerDim' | 'swd' | 'swdRaw' | 'swdFloor' | 'totalMs';

export interface CompareMeasure {
  id: MeasureId & keyof RunMeasureSummary;
  /** The column's title on screen. */
  title: string;
  /** What the header's tooltip says. */
  help: string;
  /** The CSV's column: the title with its unit, in ASCII (spreadsheets and pandas read it as is). */
  csvHeader: string;
  /** 'ms' for durations, else the decimals shown (the same for every row, so a column's digits line up). */
  kind: 'ms' | number;
}

export const COMPARE_MEASURES: readonly CompareMeasure[] = [
  { id: 'msPerEpoch', title: 'time / epoch', help: 'median time of one training epoch', csvHeader: 'time per epoch (ms)', kind: 'ms' },
  { id: 'forwardMs', title: 'forward diffusion', help: 'q(x_t | x_0) for one batch', csvHeader: 'forward diffusion (ms)', kind: 'ms' },
  { id: 'samplingMs', title: 'sampling', help: 'reverse process: T steps for the sample grid', csvHeader: 'sampling (ms)', kind: 'ms' },
  { id: 'finalLoss', title: FINAL_LOSS.label, help: FINAL_LOSS.definition, csvHeader: FINAL_LOSS.label, kind: 4 },
  { id: 'bestLoss', title: BEST_LOSS.label, help: BEST_LOSS.definition, csvHeader: BEST_LOSS.label, kind: 4 },
  { id: 'heldOutMse', title: 'held-out MSE', help: 'denoising MSE on held-out images: comparable across training losses', csvHeader: 'held-out MSE', kind: 4 },
  { id: 'bitsPerDim', title: 'bits/dim', help: 'variational bound on held-out images (lower is better), ± its Monte-Carlo standard error', csvHeader: 'bits per dim', kind: 3 },
  { id: 'swd', title: 'SWD', help: 'sliced Wasserstein distance ×1e3, samples vs held-out (lower is better); with a weight average, of its samples', csvHeader: 'SWD (x1000)', kind: 1 },
  { id: 'swdRaw', title: 'SWD raw weights', help: 'the same for the same noise through the trained weights themselves, in a run that keeps a weight average (EMA)', csvHeader: 'SWD raw weights (x1000)', kind: 1 },
  { id: 'swdFloor', title: 'SWD floor', help: 'the same between two real held-out sets: what "as good as real" scores', csvHeader: 'SWD floor (x1000)', kind: 1 },
  { id: 'totalMs', title: 'total time', help: 'wall time of the whole run', csvHeader: 'total time (ms)', kind: 'ms' },
];
