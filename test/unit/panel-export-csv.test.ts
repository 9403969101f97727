// The Compare tab's Export CSV on the host side: the message check refuses what is not a
// well-formed request (and the page never sends CSV text), the host refuses run ids and
// fields it does not know by name, and a panel with no finished run writes the header and says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvExportFile } from '../../src/extension/panel/csvExport';
import { isPanelToHostMessage, isPanelViewState, type RunSummary } from '../../src/shared/panelMessages';

const run = (runId: string, state: string, finalLoss?: number): RunSummary => ({
  runId, label: runId, colorIndex: 0, state, varied: { timesteps: 250, seed: runId.length }, config: { timesteps: 250 },
  measures: finalLoss === undefined ? {} : { finalLoss }, samples: [],
});

test('a bad export-csv message is refused by the host\'s check', { timeout: 10_000 }, () => {
  assert.ok(isPanelToHostMessage({ type: 'export-csv', runIds: ['a', 'b'] }));
  assert.ok(isPanelToHostMessage({ type: 'export-csv', runIds: [], groupBy: 'all' }));
  assert.ok(isPanelToHostMessage({ type: 'export-csv', runIds: ['a'], groupBy: ['timesteps', 'imgSize'] }));
  for (const bad of [
    { type: 'export-csv' },
    { type: 'export-csv', runIds: 'a' },
    { type: 'export-csv', runIds: [1] },
    { type: 'export-csv', runIds: [''] },
    { type: 'export-csv', runIds: ['a'], groupBy: 'everything' },
    { type: 'export-csv', runIds: ['a'], groupBy: [] },
    { type: 'export-csv', runIds: ['a'], groupBy: [''] },
    { type: 'export-csv', runIds: ['a'], groupBy: [3] },
  ]) assert.equal(isPanelToHostMessage(bad), false, JSON.stringify(bad));
});

test('the view state\'s Group by and loss groups are checked too', { timeout: 10_000 }, () => {
  const base = { target: { kind: 'sweep', sweepDir: '/s' }, tab: 'compare', selectedRuns: [], smoothing: 0.6, xAxis: 'step', logY: false };
  assert.ok(isPanelViewState({ ...base, groupBy: 'all', lossGroups: 'mean-std' }));
  assert.ok(isPanelViewState({ ...base, groupBy: ['timesteps'], lossGroups: 'mean-range' }));
  assert.equal(isPanelViewState({ ...base, groupBy: 'none' }), false);
  assert.equal(isPanelViewState({ ...base, lossGroups: 'band' }), false);
});

test('the host refuses run ids and fields it does not know, by name; the CSV is built from its own runs', { timeout: 10_000 }, () => {
  const runs = [run('aa', 'done', 0.5), run('bbb', 'done', 0.25), run('c', 'running', 9)];
  const varied = ['timesteps', 'seed'];
  assert.throws(() => csvExportFile({ type: 'export-csv', runIds: ['aa', 'zz'] }, runs, varied), /this panel has no run "zz"/);
  assert.throws(() => csvExportFile({ type: 'export-csv', runIds: ['aa'], groupBy: ['lr'] }, runs, varied), /"lr" is not a varied field of this sweep \(varied: timesteps, seed\)/);
  const some = csvExportFile({ type: 'export-csv', runIds: ['aa', 'c'] }, runs, varied);
  assert.equal(some.name, 'comparison.csv');
  assert.deepEqual(some.text.split('\r\n').slice(1, -1).map((l) => l.split(',').slice(0, 4)), [['aa', '250', '2', 'done'], ['c', '250', '1', 'running']], 'only the runs asked for');
  assert.equal(some.note, undefined);
  const byT = csvExportFile({ type: 'export-csv', runIds: ['aa', 'bbb'], groupBy: ['timesteps'] }, runs, varied);
  assert.equal(byT.name, 'comparison-by-timesteps.csv');
  assert.equal(byT.rows, 1);
});

test('no finished run: the header only, and a note that says so', { timeout: 10_000 }, () => {
  const file = csvExportFile({ type: 'export-csv', runIds: ['q'] }, [run('q', 'not started')], ['timesteps']);
  assert.equal(file.rows, 0);
  assert.equal(file.text.split('\r\n').length, 2);
  assert.equal(file.note, 'no finished runs yet: the CSV has the header only');
  const unfinished = csvExportFile({ type: 'export-csv', runIds: ['r'] }, [run('r', 'running', 1)], ['timesteps']);
  assert.match(unfinished.note ?? '', /no finished runs yet: the CSV has 1 row of unfinished runs/);
});
