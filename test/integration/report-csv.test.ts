// `diffusion-lab report --format csv` and `--group-by` on a real tiny sweep (two values of T,
// each trained with two seeds: repeats 2), read back by Python's csv module and pandas with no
// options; the grouped CSV checked against pandas' own groupby of the per-run CSV. Then a sweep
// with no finished run (the header only, said on stderr) and bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { COMPARE_MEASURES } from '../../src/shared/compareMeasures';
import { loadStudy } from '../../src/shared/runReading/loadStudy';
import { writeJsonAtomic } from '../../src/shared/atomicFile';
import { resolveRunConfig } from '../../src/shared/runConfig';
import { pythonOrSkip } from '../helpers/python';
import { readCsvInPython } from '../helpers/pythonCsv';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const root = mkdtempSync(path.join(tmpdir(), 'dl-report-csv-'));
after(() => rmSync(root, { recursive: true, force: true }));
const out = path.join(root, 'out');
const sweepDir = path.join(out, 'sweeps', 'seeds');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 240_000 });

before(() => {
  const sweepFile = path.join(root, 'seeds.sweep.json');
  writeFileSync(sweepFile, JSON.stringify({
    name: 'seeds',
    base: { channels: [4, 8], imgSize: 8, batchSize: 4, toyCarsCount: 16, heldOutCount: 4, heldOutFraction: 0.25, evalImages: 4, evalTimesteps: 4, epochs: 1, sampleEvery: 1, sampleCount: 2, backend: 'cpu' },
    axes: { timesteps: [10, 20] },
    repeats: 2,
  }));
  const sweep = cli(['sweep', sweepFile, '--out', out, '--yes']);
  assert.equal(sweep.status, 0, sweep.stderr);
});

test('report --format csv: a row per run, pandas and csv read it; --group-by all: mean, std, n as pandas groups them', { timeout: 300_000 }, async (t) => {
  const perRun = cli(['report', '--sweep', sweepDir, '--format', 'csv']);
  assert.equal(perRun.status, 0, perRun.stderr);
  const runsCsv = perRun.stdout.trim();
  assert.equal(runsCsv, path.join(sweepDir, 'comparison.csv'));
  assert.match(perRun.stderr, /4 runs in the CSV \(4 finished runs\)/);
  const groupedCsv = path.join(root, 'grouped.csv');
  const grouped = cli(['report', '--sweep', sweepDir, '--format', 'csv', '--group-by', 'all', '--out', groupedCsv]);
  assert.equal(grouped.status, 0, grouped.stderr);
  assert.equal(grouped.stdout.trim(), groupedCsv);
  assert.ok(!readFileSync(runsCsv, 'utf8').startsWith('\ufeff'));

  const python = pythonOrSkip(t, ['csv', 'pandas'], 'python3-pandas');
  if (!python) return;
  // pandas' own groupby of the per-run file by T, as a reference for the grouped one.
  const read = readCsvInPython<{ groupby: { mean: Record<string, number>; std: Record<string, number>; count: Record<string, number> } }>(python, [runsCsv, groupedCsv], [
    'g = pandas.read_csv(sys.argv[1]).groupby("timesteps")["final loss"]',
    'out["groupby"] = {"mean": g.mean().to_dict(), "std": g.std().to_dict(), "count": g.count().to_dict()}',
  ]);
  const study = await loadStudy(sweepDir);
  assert.deepEqual([...study.variedFields].sort(), ['seed', 'timesteps']);

  const runs = read[runsCsv]!;
  assert.deepEqual(runs.columns, ['run', ...study.variedFields, 'state', ...COMPARE_MEASURES.map((m) => m.csvHeader)]);
  assert.deepEqual(runs.csv[0], runs.columns, 'csv and pandas see the same header');
  for (const header of ['run', 'timesteps', 'seed', 'state', 'final loss', 'time per epoch (ms)', 'bits per dim', 'SWD (x1000)']) assert.ok(runs.columns.includes(header), header);
  assert.equal(runs.records.length, 4);
  for (const record of runs.records) {
    const run = study.runs.find((r) => r.runId === record.run)!;
    assert.ok(run, `${String(record.run)} is a run of the sweep`);
    assert.equal(record.state, 'done');
    assert.equal(record.timesteps, run.config.timesteps);
    assert.equal(record.seed, run.config.seed);
    // pandas' default float parser may differ in the last bit; the text itself is exact (below).
    const close = (a: unknown, b: number | undefined, what: string) => assert.ok(typeof a === 'number' && b !== undefined && Math.abs(a - b) <= 4e-16 * Math.abs(b), `${what}: ${String(a)} vs ${b}`);
    close(record['final loss'], run.measures.finalLoss, 'final loss');
    close(record['time per epoch (ms)'], run.measures.msPerEpoch, 'time per epoch');
    close(record['bits per dim'], run.measures.bitsPerDim?.total, 'bits per dim');
    // Unrounded: csv.reader's text reads back as the very float64 the run's metrics give.
    const row = runs.csv.find((cells) => cells[0] === run.runId)!;
    assert.equal(Number(row[runs.csv[0]!.indexOf('final loss')]), run.measures.finalLoss);
    assert.equal(Number(row[runs.csv[0]!.indexOf('bits per dim')]), run.measures.bitsPerDim!.total);
  }

  const groups = read[groupedCsv]!;
  assert.deepEqual(groups.columns.slice(0, 3), ['timesteps', 'runs', 'finished runs']);
  assert.deepEqual(groups.records.map((g) => [g.timesteps, g.runs, g['finished runs']]), [[10, 2, 2], [20, 2, 2]]);
  for (const g of groups.records) {
    const T = String(g.timesteps);
    assert.ok(Math.abs((g['final loss mean'] as number) - read.groupby.mean[T]!) <= 1e-15 * read.groupby.mean[T]!, `T=${T} mean`);
    assert.ok(Math.abs((g['final loss std'] as number) - read.groupby.std[T]!) <= 1e-9 * read.groupby.std[T]! + 1e-15, `T=${T} std`);
    assert.equal(g['final loss n'], read.groupby.count[T]);
  }

  // The markdown report's grouped table says the same.
  const md = cli(['report', '--sweep', sweepDir, '--format', 'md', '--group-by', 'timesteps']);
  assert.equal(md.status, 0, md.stderr);
  const text = readFileSync(md.stdout.trim(), 'utf8');
  const table = text.slice(text.indexOf('### Grouped'));
  assert.match(table, /\| timesteps \| n \| time \/ epoch \(mean ± std\) \|/);
  assert.match(table, /\n\| 10 \| 2 \| [^|]+ ± [^|]+ \|/);
  assert.match(table, /\n\| 20 \| 2 \| [^|]+ ± [^|]+ \|/);
});

test('a sweep with no finished run: the header only, said on stderr, exit 0; bad --group-by names the field', { timeout: 120_000 }, async () => {
  const empty = path.join(root, 'empty-out', 'sweeps', 'nothing-yet');
  const config = resolveRunConfig({ timesteps: 50 }, 'test');
  mkdirSync(empty, { recursive: true });
  await writeJsonAtomic(path.join(empty, 'sweep.json'), {
    formatVersion: 1, sweepId: 'nothing-yet', name: 'nothing yet', spec: { base: {}, axes: { timesteps: [50] } }, variedFields: ['timesteps'],
    runs: [{ runId: 'T50-aaaa', varied: { timesteps: 50 }, axes: ['timesteps'], repeat: 0, config }],
  });
  const r = cli(['report', '--sweep', empty, '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /no finished runs yet: the CSV has the header only/);
  const text = readFileSync(r.stdout.trim(), 'utf8');
  assert.equal(text.split('\r\n').length, 2, 'one line and its CRLF');
  assert.ok(text.startsWith('run,timesteps,state,time per epoch (ms),'));

  const bad = cli(['report', '--sweep', sweepDir, '--format', 'csv', '--group-by', 'timesteps,lr']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--group-by: "lr" is not a varied field of this sweep \(varied: .*timesteps/);
  const outWithNotebook = cli(['report', '--sweep', sweepDir, '--out', path.join(root, 'x.ipynb')]);
  assert.equal(outWithNotebook.status, 2);
  assert.match(outWithNotebook.stderr, /--out is for --format csv/);
});
