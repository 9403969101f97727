// The loss chart's table (webview/chartData.ts): exact x values while a sweep's runs share
// few of them, and a grid of buckets kept from one update to the next beyond that, whose
// buckets hold exactly the points in their x range however many times they merged. And the
// Samples tab's SWD-against-time curves and captions (webview/sampleTimeline.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunSummary, SampleImages } from '../../src/shared/panelMessages';
import { buildPlotTable, EXACT_LIMIT, PlotTableBuilder, type ChartRun } from '../../webview/chartData';
import { RunLoss } from '../../webview/lossStore';
import { epochCaption, epochGrids, swdChart } from '../../webview/sampleTimeline';

function runOf(runId: string, steps: number[], loss: (step: number) => number = (s) => s): ChartRun {
  const l = new RunLoss();
  l.append({ runId, reset: false, step: steps, wallSec: steps.map((s) => s / 10), loss: steps.map(loss) });
  return { runId, loss: l };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('loss chart table', () => {
  it('draws every point at its own x while the runs share few x values (a 20-run sweep of 500 steps: 500 columns)', () => {
    const runs = Array.from({ length: 20 }, (_, i) => runOf(`r${i}`, range(1, 500)));
    const table = buildPlotTable(runs, 'step', 0);
    assert.equal(table[0].length, 500);
    assert.equal(table.length, 1 + 2 * 20);
    assert.deepEqual(Array.from(table[1]!).slice(0, 3), [1, 2, 3]);
  });

  it('buckets hold exactly the points in their x range after many updates and merges', () => {
    const loss = new RunLoss();
    const run: ChartRun = { runId: 'live', loss };
    const builder = new PlotTableBuilder();
    const buckets = 1000;
    let table = builder.build([run], 'step', 0, buckets);
    let merged = false;
    let lastWidth = 0;
    for (let sent = 0; sent < 100_000; sent += 1000) {
      const steps = range(sent + 1, sent + 1000);
      loss.append({ runId: 'live', reset: false, step: steps, wallSec: steps, loss: steps });
      table = builder.build([run], 'step', 0, buckets);
      if (table[0].length < 2) continue;
      const width = table[0][1]! - table[0][0]!;
      if (lastWidth && width > lastWidth * 1.5) merged = true;
      lastWidth = width;
      assert.ok(table[0].length <= Math.max(EXACT_LIMIT, buckets), `${table[0].length} columns`);
    }
    assert.ok(merged, 'the grid merged its buckets as the run grew');
    const x = table[0];
    assert.ok(x.length >= buckets / 2 && x.length <= buckets, `${x.length} columns`);
    const width = x[1]! - x[0]!;
    const lo = x[0]! - width / 2;
    // loss = step: a bucket's raw value is the mean of the steps in [lo + k w, lo + (k + 1) w), its smoothed (weight 0) the last.
    for (let k = 0; k < x.length; k += 97) {
      const inBucket = range(1, 100_000).filter((s) => Math.floor((s - lo) / width + 1e-9) === k);
      if (inBucket.length === 0) {
        assert.equal(table[1]![k], null);
        continue;
      }
      const mean = inBucket.reduce((a, b) => a + b, 0) / inBucket.length;
      assert.ok(Math.abs((table[1]![k] as number) - mean) < 1e-6, `bucket ${k}: ${table[1]![k]} vs ${mean}`);
      assert.equal(table[2]![k], inBucket.at(-1));
    }
    assert.equal(Array.from(table[2]!).at(-1), 100_000);
  });

  it('starts over when a run is cut back (a resumed run repeats steps) or the smoothing changes', () => {
    const loss = new RunLoss();
    const run: ChartRun = { runId: 'r', loss };
    const builder = new PlotTableBuilder();
    const steps = range(1, 10_000);
    loss.append({ runId: 'r', reset: false, step: steps, wallSec: steps, loss: steps.map(() => 1) });
    builder.build([run], 'step', 0.5);
    loss.append({ runId: 'r', reset: false, step: range(5001, 10_000), wallSec: range(5001, 10_000), loss: range(5001, 10_000).map(() => 2) });
    const after = builder.build([run], 'step', 0.5);
    const fresh = buildPlotTable([run], 'step', 0.5);
    assert.deepEqual(after, fresh);
    assert.equal(Array.from(after[1]!).at(-1), 2);
  });
});

describe('samples over training time', () => {
  const swd = (value: number, floor = 100, images = 8) => ({ value, floor, images });
  const runOf = (label: string, samples: SampleImages[], extra: Partial<RunSummary> = {}): RunSummary => ({
    runId: label, label, colorIndex: 0, state: 'done', varied: {}, config: {}, measures: {}, samples, ...extra,
  });
  const color = (r: RunSummary) => `c-${r.label}`;
  const floorColor = (r: RunSummary) => `f-${r.label}`;

  it('captions a grid with its epoch, the run\'s wall time and its SWD over its floor, leaving out what is unknown', () => {
    assert.equal(epochCaption({ epoch: 3, grid: 'g', atMs: 72_400, swd: swd(151.2, 110.4) }), 'epoch 3 · 1m12s · SWD 151 (floor 110)');
    assert.equal(epochCaption({ epoch: 3, grid: 'g', swd: swd(12.34, 9.87) }), 'epoch 3 · SWD 12.3 (floor 9.87)');
    assert.equal(epochCaption({ epoch: 3, grid: 'g', atMs: 5_000 }), 'epoch 3 · 5s');
  });

  it('orders the grids by wall time and leaves out epochs without one (the end\'s strip)', () => {
    const run = runOf('a', [{ epoch: 4, strip: 's' }, { epoch: 2, grid: 'g2', atMs: 20 }, { epoch: 1, grid: 'g1', atMs: 10 }, { epoch: 3, grid: 'g3' }]);
    assert.deepEqual(epochGrids(run).map((s) => s.epoch), [1, 2, 3]);
  });

  it('plots each run\'s preview SWD and its dashed floor against seconds, and minutes for long runs', () => {
    const a = runOf('a', [{ epoch: 1, grid: 'g', atMs: 30_000, swd: swd(300, 100) }, { epoch: 2, grid: 'g', atMs: 90_000, swd: swd(200, 101) }, { epoch: 3, strip: 's', atMs: 120_000 }], {
      final: { epoch: 3, ema: true, grid: 'f', swd: swd(150, 80, 64) },
    });
    const b = runOf('b', [{ epoch: 1, grid: 'g', atMs: 45_000, swd: swd(400, 100) }]);
    const none = runOf('c', [{ epoch: 1, grid: 'g', atMs: 45_000 }]);
    const chart = swdChart([a, none, b], color, floorColor)!;
    assert.equal(chart.xLabel, 'training time (s)');
    assert.equal(chart.yLabel, 'SWD (×10³)');
    assert.equal(chart.images, 8);
    // The end's SWD (of 64 images, another floor) is not on the preview line.
    assert.deepEqual(chart.curves, [
      { label: 'a', color: 'c-a', x: [30, 90], y: [300, 200], points: true },
      { label: 'a: floor', color: 'f-a', x: [30, 90], y: [100, 101], dash: [6, 4] },
      { label: 'b', color: 'c-b', x: [45], y: [400], points: true },
      { label: 'b: floor', color: 'f-b', x: [45], y: [100], dash: [6, 4] },
    ]);
    const long = swdChart([runOf('a', [{ epoch: 1, grid: 'g', atMs: 30 * 60_000, swd: swd(300) }])], color, floorColor)!;
    assert.equal(long.xLabel, 'training time (min)');
    assert.deepEqual(long.curves[0]!.x, [30]);
    assert.equal(swdChart([none], color, floorColor), undefined, 'no chart without a scored preview');
    assert.equal(swdChart([a, runOf('d', [{ epoch: 1, grid: 'g', atMs: 1, swd: swd(1, 1, 4) }])], color, floorColor)!.images, undefined);
  });
});
