// A group on the loss chart: the mean of its runs' smoothed loss at each common step, with a
// ± std (n - 1) or min-max band, checked against values worked out by hand; runs of different
// lengths stop at the shortest; epoch and wall-time axes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunLoss } from '../../webview/lossStore';
import { groupLossTable } from '../../webview/groupLoss';

function run(loss: number[], firstStep = 1, wallPerStep = 1): RunLoss {
  const r = new RunLoss();
  r.append({ runId: 'r', reset: true, step: loss.map((_, i) => firstStep + i), wallSec: loss.map((_, i) => (i + 1) * wallPerStep), loss });
  return r;
}

const close = (actual: ArrayLike<number | null>, expected: Array<number | null>) => {
  assert.equal(actual.length, expected.length);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (e === null) assert.equal(a, null, `[${i}]`);
    else assert.ok(a !== null && a !== undefined && Math.abs(a - e) < 1e-12, `[${i}]: ${a} vs ${e}`);
  });
};

test('mean and ± sample std of the runs at each step; the curve ends at the shortest run', { timeout: 10_000 }, () => {
  // No smoothing: the values are the losses themselves.
  const table = groupLossTable([{ runs: [{ loss: run([1, 2, 3, 4]) }, { loss: run([3, 4, 5]) }, { loss: run([2, 6, 4]) }] }], 'step', 0, 'std');
  assert.equal(table.length, 4, 'x, then mean, low and high');
  close(table[0], [1, 2, 3]);
  close(table[1]!, [2, 4, 4]);
  // Sample std of (1, 3, 2) = 1; of (2, 4, 6) = 2; of (3, 5, 4) = 1.
  close(table[2]!, [1, 2, 3]);
  close(table[3]!, [3, 6, 5]);
});

test('min-max band; two groups share the x column with gaps; one run: the band is the line', { timeout: 10_000 }, () => {
  const table = groupLossTable([
    { runs: [{ loss: run([1, 2]) }, { loss: run([3, 0]) }] },
    { runs: [{ loss: run([5, 5, 5], 2) }] },
  ], 'step', 0, 'range');
  close(table[0], [1, 2, 3, 4]);
  close(table[1]!, [2, 1, null, null]);
  close(table[2]!, [1, 0, null, null]);
  close(table[3]!, [3, 2, null, null]);
  close(table[4]!, [null, 5, 5, 5]);
  close(table[5]!, [null, 5, 5, 5]);
  close(table[6]!, [null, 5, 5, 5]);
});

test('smoothed values are averaged; epoch axis divides by steps per epoch; wall axis takes the mean time', { timeout: 10_000 }, () => {
  const a = run([1, 0], 1, 1);
  const b = run([3, 0], 1, 3);
  // Debiased EMA with weight 0.5: step 1 = x1; step 2 = (0.25 x1 + 0.5 x2) / (1 - 0.25) = x1 / 3 (x2 = 0).
  const smooth = groupLossTable([{ runs: [{ loss: a, stepsPerEpoch: 2 }, { loss: b, stepsPerEpoch: 2 }] }], 'epoch', 0.5, 'range');
  close(smooth[0], [0.5, 1]);
  close(smooth[1]!, [2, 2 / 3]);
  close(smooth[2]!, [1, 1 / 3]);
  close(smooth[3]!, [3, 1]);
  const wall = groupLossTable([{ runs: [{ loss: a }, { loss: b }] }], 'wall', 0, 'std');
  close(wall[0], [2, 4]);
  // A group whose runs have no epochs yet has no curve on the epoch axis.
  assert.deepEqual(groupLossTable([{ runs: [{ loss: a }] }], 'epoch', 0, 'std').map((c) => Array.from(c)), [[], [], [], []]);
});
