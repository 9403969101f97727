// The Compare tab's filter (webview/runFilter.ts) on runs with a name, a star and labels: what a
// person types finds the runs they marked, by name, by label, by star, and still by the cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSummary } from '../../src/shared/panelMessages';
import { filterWords, runMatchesFilter } from '../../webview/runFilter';

function run(runId: string, extra: Partial<RunSummary> = {}): RunSummary {
  return { runId, label: runId, colorIndex: 0, state: 'done', varied: {}, config: {}, measures: {}, samples: [], ...extra };
}

const runs = [
  run('T250-aaaa', { label: 'short T', generatedLabel: 'T=250', displayName: 'short T', starred: true, labels: ['baseline', 'very good'] }),
  run('T300-bbbb', { label: 'T=300 (base)', generatedLabel: 'T=300 (base)', labels: ['Keep'] }),
  run('T350-cccc', { label: 'T=350', generatedLabel: 'T=350', state: 'failed' }),
];
const cells: Record<string, string[]> = { 'T250-aaaa': ['250', 'silu'], 'T300-bbbb': ['300', 'relu'], 'T350-cccc': ['350', 'silu'] };

function shown(filter: string): string[] {
  return runs.filter((r) => runMatchesFilter(r, filter, cells[r.runId]!)).map((r) => r.runId);
}

test('is:starred, label:X and the name find the marked runs; every word must match', { timeout: 10_000 }, () => {
  assert.deepEqual(shown(''), ['T250-aaaa', 'T300-bbbb', 'T350-cccc']);
  assert.deepEqual(shown('is:starred'), ['T250-aaaa']);
  assert.deepEqual(shown('IS:STARRED silu'), ['T250-aaaa']);
  assert.deepEqual(shown('is:starred relu'), []);
  assert.deepEqual(shown('label:keep'), ['T300-bbbb'], 'labels match without case');
  assert.deepEqual(shown('label:kee'), [], 'label: wants the whole label');
  assert.deepEqual(shown('label:"very good"'), ['T250-aaaa'], 'quotes keep a label with a space whole');
  assert.deepEqual(shown('short'), ['T250-aaaa'], 'the display name');
  assert.deepEqual(shown('T=250'), ['T250-aaaa'], 'the generated label still finds a renamed run');
  assert.deepEqual(shown('baseline'), ['T250-aaaa'], 'a label as a plain word');
  assert.deepEqual(shown('silu failed'), ['T350-cccc'], 'the state and the cells');
  assert.deepEqual(shown('"(base)"'), ['T300-bbbb']);
});

test('the filter splits into words, quoted phrases whole', { timeout: 10_000 }, () => {
  assert.deepEqual(filterWords('  silu  32 '), ['silu', '32']);
  assert.deepEqual(filterWords('label:"Very Good" is:starred'), ['label:very good', 'is:starred']);
  assert.deepEqual(filterWords('"T=300 (base)" x'), ['t=300 (base)', 'x']);
  assert.deepEqual(filterWords('label:"unfinished'), ['label:unfinished']);
  assert.deepEqual(filterWords('""'), []);
});
