// The Samples tab's facts about quality over training time, apart from the DOM: which
// epoch grids a run shows in which order, their captions, and the SWD-against-time curves.
import type { RunSummary, SampleImages, SwdScore } from '../src/shared/panelMessages';
import { previewCaption, QUALITY_TEXT } from '../src/shared/measuredDifferences';
import type { Curve } from './chartData';

/** The epochs with a preview grid, in the order they were sampled (the run's wall time; epoch when unknown). */
export function epochGrids(run: RunSummary): Array<SampleImages & { grid: string }> {
  return run.samples
    .filter((s): s is SampleImages & { grid: string } => s.grid !== undefined)
    .sort((a, b) => (a.atMs ?? Infinity) - (b.atMs ?? Infinity) || a.epoch - b.epoch);
}

/** `epoch 3 · 1m12s · SWD 151 (floor 110)`: the parts there are, in the report's words. */
export function epochCaption(s: SampleImages): string {
  return previewCaption({ epoch: s.epoch, ...(s.atMs !== undefined ? { atMs: s.atMs } : {}), ...(s.swd ? { swd: { average: s.swd.value, floorAverage: s.swd.floor } } : {}) });
}

/** `SWD 151 (floor 110)`. */
export function swdText(swd: SwdScore | undefined): string | undefined {
  return swd ? `SWD ${QUALITY_TEXT.swd(swd.value)} (floor ${QUALITY_TEXT.swd(swd.floor)})` : undefined;
}

export interface SwdChart {
  xLabel: string;
  yLabel: string;
  /** Per run with a scored preview: its SWD (solid, dotted at each sample), then its floor (dashed). */
  curves: Curve[];
  /** Images per preview set, when every run scored the same number (else the caption cannot name one). */
  images?: number;
}

export const SWD_Y_LABEL = 'SWD (×10³)';

/**
 * The preview SWD of each run against its wall time. Only epoch previews: the end's SWD is of
 * sampleCount images, whose floor differs, so it is not a point on the same line.
 */
export function swdChart(runs: readonly RunSummary[], color: (run: RunSummary) => string, floorColor: (run: RunSummary) => string): SwdChart | undefined {
  const scored = runs.map((r) => ({ run: r, points: epochGrids(r).filter((s) => s.swd && s.atMs !== undefined) })).filter((r) => r.points.length > 0);
  if (scored.length === 0) return undefined;
  const latest = Math.max(...scored.flatMap((r) => r.points.map((s) => s.atMs!)));
  // Seconds, or minutes once the runs are long enough for seconds to read badly.
  const perMinute = latest >= 10 * 60_000;
  const x = (ms: number) => (perMinute ? ms / 60_000 : ms / 1000);
  const curves = scored.flatMap(({ run, points }): Curve[] => [
    { label: run.label, color: color(run), x: points.map((s) => x(s.atMs!)), y: points.map((s) => s.swd!.value), points: true },
    { label: `${run.label}: floor`, color: floorColor(run), x: points.map((s) => x(s.atMs!)), y: points.map((s) => s.swd!.floor), dash: [6, 4] },
  ]);
  const sizes = new Set(scored.flatMap((r) => r.points.map((s) => s.swd!.images)));
  return {
    xLabel: perMinute ? 'training time (min)' : 'training time (s)', yLabel: SWD_Y_LABEL, curves,
    ...(sizes.size === 1 ? { images: [...sizes][0]! } : {}),
  };
}
