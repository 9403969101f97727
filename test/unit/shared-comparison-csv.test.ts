// The CSV writer (RFC 4180 quoting, CRLF, no BOM, numbers at full precision) and the rows of
// the comparison's CSV, per run and per group; Python's csv module and pandas read the text
// back with no options and get the same cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { csvField, csvText } from '../../src/shared/csvTable';
import { comparisonCsv, csvRunOfSummary, type CsvRun } from '../../src/shared/comparisonCsv';
import { COMPARE_MEASURES } from '../../src/shared/compareMeasures';
import type { RunSummary } from '../../src/shared/panelMessages';
import { pythonOrSkip } from '../helpers/python';
import { readCsvInPython } from '../helpers/pythonCsv';

test('fields with a comma, a quote, CR or LF are quoted, quotes doubled; lines end CRLF; numbers unrounded', { timeout: 10_000 }, () => {
  assert.equal(csvField('plain text'), 'plain text');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
  assert.equal(csvField('cr\rhere'), '"cr\rhere"');
  assert.equal(csvField(undefined), '');
  assert.equal(csvField(Number.NaN), '');
  assert.equal(csvField(0.1 + 0.2), '0.30000000000000004', 'the shortest text that reads back the same number');
  assert.equal(csvField(1.5e-7), '1.5e-7');
  assert.equal(csvField(true), 'true');
  assert.equal(csvText(['a', 'b'], [[1, undefined], ['x', 'y,z']]), 'a,b\r\n1,\r\nx,"y,z"\r\n');
  assert.ok(!csvText(['é'], []).startsWith('\ufeff'), 'no byte-order mark: csv.reader would put it in the first column name');
});

const measures = { finalLoss: 0.123456789012345, msPerEpoch: 1234.5678, swd: 41.25, bitsPerDimStdErr: 0.01 };
const RUNS: CsvRun[] = [
  { runId: 'T250-s0', state: 'done', values: { timesteps: 250, seed: 0, activation: 'relu' }, measures, name: 'first, "the" run', starred: true, labels: ['base', 'a,b'] },
  { runId: 'T250-s1', state: 'done', values: { timesteps: 250, seed: 1, activation: 'relu' }, measures: { finalLoss: 0.2, msPerEpoch: 1000 } },
  { runId: 'T300-s0', state: 'failed', values: { timesteps: 300, seed: 0, activation: 'relu' }, measures: { msPerEpoch: 900 } },
  { runId: 'T300-s1', state: 'not started', values: { timesteps: 300, seed: 1, activation: 'relu' }, measures: {} },
];

test('a row per run that started: run, name, star, labels, varied fields, state, every measure with its unit', { timeout: 10_000 }, () => {
  const csv = comparisonCsv(RUNS, ['timesteps', 'seed']);
  assert.deepEqual(csv.header, ['run', 'name', 'starred', 'labels', 'timesteps', 'seed', 'state', ...COMPARE_MEASURES.map((m) => m.csvHeader)]);
  assert.ok(csv.header.includes('time per epoch (ms)') && csv.header.includes('SWD (x1000)') && csv.header.includes('final loss'));
  assert.deepEqual(csv.rows.map((r) => r[0]), ['T250-s0', 'T250-s1', 'T300-s0'], 'not started: no numbers, no row');
  assert.equal(csv.finished, 2);
  const col = (name: string) => csv.header.indexOf(name);
  assert.equal(csv.rows[0]![col('final loss')], 0.123456789012345);
  assert.equal(csv.rows[0]![col('labels')], 'base; a,b');
  assert.equal(csv.rows[1]![col('starred')], false);
  assert.equal(csv.rows[2]![col('final loss')], undefined);
  // Without annotations, no name/star/label columns.
  const plain = comparisonCsv(RUNS.map(({ name: _n, starred: _s, labels: _l, ...r }) => r), ['timesteps']);
  assert.deepEqual(plain.header.slice(0, 3), ['run', 'timesteps', 'state']);
});

test('grouped: a row per group with runs, finished runs and mean, std, min, max, n per measure', { timeout: 10_000 }, () => {
  const csv = comparisonCsv(RUNS, ['timesteps', 'seed'], 'all');
  assert.deepEqual(csv.header.slice(0, 3), ['timesteps', 'runs', 'finished runs']);
  assert.deepEqual(csv.header.slice(3, 8), ['time per epoch (ms) mean', 'time per epoch (ms) std', 'time per epoch (ms) min', 'time per epoch (ms) max', 'time per epoch (ms) n']);
  assert.equal(csv.header.length, 3 + 5 * COMPARE_MEASURES.length);
  const col = (name: string) => csv.header.indexOf(name);
  const [t250, t300] = csv.rows;
  assert.deepEqual([t250![0], t250![1], t250![2]], [250, 2, 2]);
  assert.equal(t250![col('final loss mean')], (0.123456789012345 + 0.2) / 2);
  assert.equal(t250![col('final loss std')], Math.abs(0.2 - 0.123456789012345) / Math.SQRT2);
  assert.equal(t250![col('final loss n')], 2);
  // The failed run is a member, not a statistic; the run not started is left out.
  assert.deepEqual([t300![0], t300![1], t300![2], t300![col('time per epoch (ms) n')], t300![col('time per epoch (ms) mean')]], [300, 1, 0, 0, undefined]);
  // Grouping by a list of fields; the header only when nothing started.
  assert.deepEqual(comparisonCsv(RUNS, ['timesteps', 'seed'], ['seed']).rows.map((r) => [r[0], r[1]]), [[0, 2], [1, 1]]);
  const none = comparisonCsv(RUNS.slice(3), ['timesteps'], 'all');
  assert.deepEqual([none.rows.length, none.finished], [0, 0]);
  assert.equal(none.text, `${none.header.join(',')}\r\n`);
});

test('a panel run: its config with the varied values over it, and its name, star and labels', { timeout: 10_000 }, () => {
  const summary: RunSummary = {
    runId: 'r1', label: 'mine', displayName: 'mine', starred: true, labels: ['x'], colorIndex: 0, state: 'done',
    varied: { timesteps: 250 }, config: { timesteps: 300, imgSize: 16 }, measures: { finalLoss: 0.5 }, samples: [],
  };
  assert.deepEqual(csvRunOfSummary(summary), {
    runId: 'r1', state: 'done', values: { timesteps: 250, imgSize: 16 }, measures: { finalLoss: 0.5 }, name: 'mine', starred: true, labels: ['x'],
  });
});

test('Python csv (open() defaults) and pandas.read_csv (no options) read the cells back', { timeout: 60_000 }, (t) => {
  const python = pythonOrSkip(t, ['csv', 'pandas'], 'python3-pandas');
  if (!python) return;
  const csv = comparisonCsv(RUNS, ['timesteps', 'seed']);
  const tricky = csvText(['text', 'number', 'ünïcode'], [['line one\r\nline two, "quoted"', 0.1 + 0.2, 'ᾱ_T ×10³'], ['', 1.5e-7, undefined]]);
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-csv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const table = path.join(dir, 'table.csv');
  const odd = path.join(dir, 'tricky.csv');
  writeFileSync(table, csv.text);
  writeFileSync(odd, tricky);
  const read = readCsvInPython(python, [table, odd]);
  assert.deepEqual(read[table]!.columns, csv.header);
  assert.deepEqual(read[table]!.csv[0], csv.header);
  const first = read[table]!.records[0]!;
  assert.equal(first['final loss'], 0.123456789012345, 'full precision');
  assert.equal(first['name'], 'first, "the" run');
  assert.equal(first['labels'], 'base; a,b');
  assert.equal(first['starred'], true);
  assert.equal(read[table]!.records[2]!['final loss'], null, 'an empty cell is missing (NaN)');
  // open() translates CRLF inside a quoted field to LF (universal newlines); pandas keeps CRLF.
  assert.deepEqual(read[odd]!.csv, [['text', 'number', 'ünïcode'], ['line one\nline two, "quoted"', '0.30000000000000004', 'ᾱ_T ×10³'], ['', '1.5e-7', '']]);
  assert.deepEqual(read[odd]!.columns, ['text', 'number', 'ünïcode']);
  assert.equal(read[odd]!.records[0]!['text'], 'line one\r\nline two, "quoted"');
  assert.equal(read[odd]!.records[1]!['number'], 1.5e-7);
});
