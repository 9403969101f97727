// Groups of runs: which runs share a group (by one field, several, or every varied field but
// the seed), and the mean, sample standard deviation, min, max and n of each measure, checked
// against Python's statistics module (exact rational arithmetic) and against hand values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { groupFields, groupRuns, meanStdText, measureStats, type GroupableRun } from '../../src/shared/runGroups';
import { COMPARE_MEASURES } from '../../src/shared/compareMeasures';
import { pythonOrSkip } from '../helpers/python';
import { seeded } from '../helpers/seededRandom';

const run = (runId: string, values: Record<string, unknown>, finalLoss: number | undefined, state = 'done', msPerEpoch?: number): GroupableRun => ({
  runId, state, values, measures: { ...(finalLoss !== undefined ? { finalLoss } : {}), ...(msPerEpoch !== undefined ? { msPerEpoch } : {}) },
});

const SWEEP = [
  run('a0', { timesteps: 250, imgSize: 16, seed: 0 }, 0.30, 'done', 100),
  run('a1', { timesteps: 250, imgSize: 16, seed: 1 }, 0.34, 'done', 120),
  run('a2', { timesteps: 250, imgSize: 16, seed: 2 }, 0.32, 'done'),
  run('b0', { timesteps: 300, imgSize: 16, seed: 0 }, 0.25),
  run('b1', { timesteps: 300, imgSize: 16, seed: 1 }, 0.5, 'running'),
  run('c0', { timesteps: 300, imgSize: 32, seed: 0 }, undefined, 'not started'),
];

test('"all" groups by every varied field except the seed, so the seeds of one setting share a row', { timeout: 10_000 }, () => {
  const fields = groupFields('all', ['timesteps', 'imgSize', 'seed']);
  assert.deepEqual(fields, ['timesteps', 'imgSize']);
  const groups = groupRuns(SWEEP, fields);
  assert.deepEqual(groups.map((g) => g.values), [{ timesteps: 250, imgSize: 16 }, { timesteps: 300, imgSize: 16 }, { timesteps: 300, imgSize: 32 }]);
  assert.deepEqual(groups.map((g) => g.runs.map((r) => r.runId)), [['a0', 'a1', 'a2'], ['b0', 'b1'], ['c0']]);
  // Only finished runs count: b1 is still training, its loss is not final.
  assert.deepEqual(groups.map((g) => g.finished.map((r) => r.runId)), [['a0', 'a1', 'a2'], ['b0'], []]);
  const [a, b, c] = groups.map((g) => g.stats);
  assert.equal(a!.finalLoss.n, 3);
  assert.ok(Math.abs(a!.finalLoss.mean! - 0.32) < 1e-15);
  assert.ok(Math.abs(a!.finalLoss.std! - 0.02) < 1e-15, 'sample std of 0.30, 0.34, 0.32 is 0.02 (n - 1)');
  assert.equal(a!.finalLoss.min, 0.30);
  assert.equal(a!.finalLoss.max, 0.34);
  // n counts the runs that have the measure: a2 has no time per epoch.
  assert.deepEqual(a!.msPerEpoch, { n: 2, mean: 110, std: Math.sqrt(200), min: 100, max: 120 });
  assert.deepEqual(b!.finalLoss, { n: 1, mean: 0.25, min: 0.25, max: 0.25 }, 'one run: no standard deviation');
  assert.deepEqual(c!.finalLoss, { n: 0 });
  assert.deepEqual(Object.keys(a!).sort(), COMPARE_MEASURES.map((m) => m.id).sort(), 'every measure of the shared list');
});

test('by one field, by several, and by nothing', { timeout: 10_000 }, () => {
  assert.deepEqual(groupRuns(SWEEP, ['imgSize']).map((g) => [g.values.imgSize, g.runs.length]), [[16, 5], [32, 1]]);
  assert.deepEqual(groupRuns(SWEEP, groupFields(['imgSize', 'seed'], [])).map((g) => g.runs.map((r) => r.runId)), [['a0', 'b0'], ['a1', 'b1'], ['a2'], ['c0']]);
  assert.deepEqual(groupRuns(SWEEP, []).map((g) => g.runs.length), [6]);
  // Values compare as JSON: 16 and "16" are different settings, arrays equal by content.
  const odd = [run('x', { channels: [4, 8], imgSize: 16 }, 1), run('y', { channels: [4, 8], imgSize: '16' }, 2), run('z', { channels: [4, 8], imgSize: 16 }, 3)];
  assert.deepEqual(groupRuns(odd, ['channels', 'imgSize']).map((g) => g.runs.map((r) => r.runId)), [['x', 'z'], ['y']]);
});

test('mean ± std as text: durations as durations, one run alone, none as a dash', { timeout: 10_000 }, () => {
  assert.equal(meanStdText(measureStats([0.3, 0.34, 0.32]), 4), '0.32 ± 0.02');
  assert.equal(meanStdText(measureStats([1500, 2500]), 'ms'), '2.00 s ± 707 ms');
  assert.equal(meanStdText(measureStats([0.25]), 4), '0.25');
  assert.equal(meanStdText(measureStats([]), 4), '–');
});

test('mean and sample standard deviation agree with Python statistics (float64, exact rationals)', { timeout: 60_000 }, (t) => {
  const python = pythonOrSkip(t, ['statistics', 'json'], 'python3');
  if (!python) return;
  const random = seeded(17);
  // Small and large spreads, a large offset (cancellation), negatives and a pair.
  const sets = [
    Array.from({ length: 5 }, () => random()),
    Array.from({ length: 7 }, () => 1e6 + random() * 1e-3),
    Array.from({ length: 12 }, () => (random() - 0.5) * 40),
    [0.1, 0.2],
    [3, 3, 3],
  ];
  const code = 'import json, statistics, sys\n' +
    'for xs in json.load(sys.stdin):\n' +
    '    print(json.dumps([statistics.mean(xs), statistics.stdev(xs), min(xs), max(xs)]))';
  const r = spawnSync(python, ['-c', code], { input: JSON.stringify(sets), encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const expected = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as [number, number, number, number]);
  sets.forEach((xs, i) => {
    const [mean, std, min, max] = expected[i]!;
    const s = measureStats(xs);
    assert.equal(s.n, xs.length);
    assert.ok(Math.abs(s.mean! - mean) <= 1e-15 * Math.abs(mean) + 1e-300, `set ${i}: mean ${s.mean} vs ${mean}`);
    assert.ok(Math.abs(s.std! - std) <= 1e-9 * std + 1e-15, `set ${i}: std ${s.std} vs ${std}`);
    assert.equal(s.min, min);
    assert.equal(s.max, max);
  });
});
