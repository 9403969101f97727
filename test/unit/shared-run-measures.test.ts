import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { formatMs, formatNumber, markdownCell, markdownTable } from '../../src/shared/formatting';
import { measureRun } from '../../src/shared/runReading/runMeasures';

const step = (s: number, epoch: number, loss: number, ms = 10): MetricRecord =>
  ({ kind: 'step', step: s, epoch, loss, ms, imagesPerSec: 100, wallMs: s * 10 });
const epoch = (e: number, s: number, meanLoss: number, ms: number): MetricRecord =>
  ({ kind: 'epoch', epoch: e, step: s, meanLoss, ms, wallMs: s * 10 });

test('losses, epochs, final and best loss, median times', () => {
  const m = measureRun([
    { kind: 'timing', name: 'forwardDiffusion', ms: 2.5, batch: 8, wallMs: 1 },
    step(1, 0, 0.9), step(2, 0, 0.7), epoch(0, 2, 0.8, 500),
    step(3, 1, 0.5), step(4, 1, 0.3), epoch(1, 4, 0.4, 100),
    step(5, 2, 0.6), step(6, 2, 0.6), epoch(2, 6, 0.6, 120),
    { kind: 'timing', name: 'sampling', ms: 900, batch: 4, steps: 300, wallMs: 90 },
    { kind: 'timing', name: 'run', ms: 1234, wallMs: 91 },
  ]);
  assert.deepEqual(m.losses.map((p) => p.epochPosition), [0.5, 1, 1.5, 2, 2.5, 3]);
  assert.deepEqual(m.epochLosses, [{ epoch: 0, meanLoss: 0.8 }, { epoch: 1, meanLoss: 0.4 }, { epoch: 2, meanLoss: 0.6 }]);
  assert.equal(m.finalLoss, 0.6);
  assert.equal(m.bestLoss, 0.4);
  assert.equal(m.bestLossEpoch, 1);
  assert.equal(m.msPerEpoch, 120); // median: the slow first epoch does not count double
  assert.equal(m.epochsTimed, 3);
  assert.deepEqual(m.forwardDiffusion, { ms: 2.5, batch: 8 });
  assert.deepEqual(m.sampling, { ms: 900, batch: 4, steps: 300 });
  assert.equal(m.runMs, 1234);
});

test('a resumed run repeats steps: each counts once, the later record wins', () => {
  const m = measureRun([step(1, 0, 0.9), step(2, 0, 0.8), step(2, 0, 0.7), step(3, 1, 0.5)]);
  assert.deepEqual(m.losses.map((p) => [p.step, p.loss]), [[1, 0.9], [2, 0.7], [3, 0.5]]);
  // No epoch record: steps per epoch from counting epoch 0; the partial epochs are means of their steps.
  assert.deepEqual(m.losses.map((p) => p.epochPosition), [0.5, 1, 1.5]);
  assert.deepEqual(m.epochLosses, [{ epoch: 0, meanLoss: 0.8 }, { epoch: 1, meanLoss: 0.5 }]);
});

test('unknown kinds and metrics are counted and ignored; eval records: the latest of each metric', () => {
  const stamp = { kind: 'eval', images: 8, seed: 1, ms: 5, wallMs: 5 } as const;
  const m = measureRun([
    { kind: 'data', images: 32 },
    { kind: 'future-thing', x: 1 },
    { ...stamp, epoch: 1, step: 3, metric: 'bitsPerDim', total: 5, prior: 0, diffusion: 4, diffusionStdErr: 0.1, decoder: 1, timesteps: 10, exact: false, variance: 'posterior', clipDenoised: true },
    { ...stamp, epoch: 2, step: 6, metric: 'bitsPerDim', total: 4, prior: 0, diffusion: 3, diffusionStdErr: 0.1, decoder: 1, timesteps: 10, exact: false, variance: 'posterior', clipDenoised: true },
    { ...stamp, epoch: 2, step: 6, metric: 'swd', resolutions: [16], swd: [20], average: 20, floor: [3], floorAverage: 3 },
    { ...stamp, epoch: 2, step: 6, metric: 'heldOutLoss', loss: 'l1', buckets: [], meanLoss: 0.3, meanMse: 0.2 },
    { ...stamp, epoch: 2, step: 6, metric: 'fid' },
    null, 'garbage', { kind: 'step', step: 'x' },
    { kind: 'schedule', schedule: 'linear', T: 300, sqrtAlphaBarLast: 0.219, snr: { t: [], value: [] }, wallMs: 0 },
  ]);
  assert.deepEqual(m.unknownKinds, { data: 1, 'future-thing': 1, 'eval:fid': 1 });
  assert.equal(m.bitsPerDim?.total, 4);
  assert.equal(m.swd?.floorAverage, 3);
  assert.equal(m.heldOutLoss?.meanMse, 0.2);
  assert.equal(m.schedule?.sqrtAlphaBarLast, 0.219);
  assert.equal(m.evals.length, 4);
  assert.equal(m.losses.length, 0);
  assert.equal(m.finalLoss, undefined);
});

test('previews: each sampling epoch with its grid, SWD and the run\'s wall time over resumed sessions; the raw-weights SWD apart', () => {
  const swd = (at: number, average: number, weights?: 'ema' | 'raw'): MetricRecord => ({
    kind: 'eval', metric: 'swd', epoch: at, step: at * 2, images: 8, seed: 0, ms: 1, wallMs: at * 2 * 10 - (at > 2 ? 40 : 0),
    resolutions: [16], swd: [average], average, floor: [100], floorAverage: 100, ...(weights ? { weights } : {}),
  });
  const sample = (e: number, wallMs: number, grid: boolean): MetricRecord =>
    ({ kind: 'sample', epoch: e, step: e * 2, strip: `samples/strip-epoch-00${e}.png`, ...(grid ? { grid: `samples/grid-epoch-00${e}.png` } : {}), wallMs });
  const m = measureRun([
    step(1, 0, 0.9), step(2, 0, 0.8), sample(1, 20, true), swd(1, 300, 'ema'),
    step(3, 1, 0.7), step(4, 1, 0.6), sample(2, 40, true), swd(2, 200, 'ema'),
    // Resumed: this session's clock starts again at 0.
    { ...step(5, 2, 0.5), wallMs: 10 }, { ...step(6, 2, 0.4), wallMs: 20 },
    { ...sample(3, 20, false) }, swd(3, 150, 'raw'), swd(3, 120, 'ema'),
  ]);
  assert.deepEqual(m.previews.map((p) => [p.epoch, p.atMs, p.grid ?? null, p.swd?.average ?? null]), [
    [1, 20, 'samples/grid-epoch-001.png', 300],
    [2, 40, 'samples/grid-epoch-002.png', 200],
    [3, 60, null, 120],
  ]);
  assert.equal(m.swd?.average, 120, 'the final SWD is the weight average\'s, what the final grid shows');
  assert.equal(m.swdRaw?.average, 150);
});

test('formatting: durations, numbers, table cells', () => {
  assert.equal(formatMs(0.661), '0.66 ms');
  assert.equal(formatMs(123.4), '123 ms');
  assert.equal(formatMs(12_345), '12.3 s');
  assert.equal(formatMs(245_000), '4 min 05 s');
  assert.equal(formatMs(3_720_000), '1 h 02 min');
  assert.equal(formatMs(undefined), '–');
  assert.equal(formatNumber(0.826001), '0.826');
  assert.equal(formatNumber(0.00012345), '1.234e-4');
  assert.equal(markdownCell('a | b\nc'), 'a \\| b c');
  assert.equal(markdownTable(['x', 'n'], [['a', '1']], new Set([1])), '| x | n |\n| --- | ---: |\n| a | 1 |');
});
