// The study report: a sweep directory written by hand with the real run writer (a done run
// with evaluations, done runs, a failed run, a run not started), exported as a notebook and
// as markdown, then checked: nbformat 4.5 structure, a table row per run, a decodable PNG
// per figure, notes verbatim and untouched. Real tiny sweeps run through the CLI: a T sweep,
// and a recipe ablation whose report compares the runs against the base.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import type { BitsPerDimRecord, EvalRecord, MetricRecord, SlicedWassersteinRecord } from '../../src/shared/runDirectory';
import { formatDuration, formatNumber } from '../../src/shared/formatting';
import { writeImageGrid, writeImageStrip } from '../../src/trainer/report/images';
import { MARKDOWN_FIGURES_DIR } from '../../src/trainer/report/markdownReport';
import { writeReport } from '../../src/trainer/report/writeReport';
import { writeJsonAtomic } from '../../src/shared/atomicFile';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { cellText, notebookStructureErrors } from '../helpers/notebookStructure';
import { probePython, pythonOrSkip } from '../helpers/python';

const root = mkdtempSync(path.join(tmpdir(), 'dl-report-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CLI = path.resolve(__dirname, '../../dist/cli.js');

const SWEEP_NOTES = '# What I found\r\n\nT = 250 | 300 | 350: the loss *barely* moves.  \nᾱ_T matters more than T.\n';
const RUN_NOTES = 'The base run.\n\n| a | b |\n| - | - |\n| 1 | 2 |\n';

interface FakeRun {
  runId: string;
  config: RunConfig;
  axes: string[];
  /** Steps to record; each epoch has 3. */
  steps: number;
  outcome: 'done' | 'failed' | 'not started';
  evals?: boolean;
}

/** Solid-colour images in [-1, 1], NHWC. */
function images(n: number, size: number): Float32Array {
  const out = new Float32Array(n * size * size * 3);
  for (let i = 0; i < out.length; i++) out[i] = ((Math.floor(i / (size * size * 3)) * 37) % 200) / 100 - 1;
  return out;
}

async function writeFakeRun(outDir: string, run: FakeRun): Promise<void> {
  if (run.outcome === 'not started') return;
  const writer = await RunWriter.create(outDir, run.runId);
  const c = run.config;
  await writer.writeConfig(run.runId, c, {
    backend: 'wasm', parameterCount: 4527, datasetFingerprint: 'f00d', diffusionLabVersion: 'test', createdAt: '2026-01-01T00:00:00Z',
  });
  await writer.updateStatus({ state: 'running', startedAt: '2026-01-01T00:00:01Z', totalSteps: 9 });
  await writeImageStrip(writer.file('forward.png'), images(10, c.imgSize), 10, c.imgSize);
  const metric = (r: MetricRecord) => writer.appendMetric(r);
  metric({ kind: 'timing', name: 'forwardDiffusion', ms: 1.5, batch: c.batchSize, wallMs: 10 });
  metric({ kind: 'schedule', schedule: 'linear', T: c.timesteps, sqrtAlphaBarLast: 0.219, snr: { t: [0], value: [1e4] }, wallMs: 11 });
  for (let s = 1; s <= run.steps; s++) {
    const epoch = Math.floor((s - 1) / 3);
    metric({ kind: 'step', step: s, epoch, loss: 1 / s + c.timesteps / 1e4, ms: 20, imagesPerSec: 400, wallMs: 20 * s });
    if (s % 3 === 0) metric({ kind: 'epoch', epoch, step: s, meanLoss: 1 / (s - 1) + c.timesteps / 1e4, ms: 60, wallMs: 20 * s });
  }
  if (run.outcome === 'failed') {
    await writer.updateStatus({ state: 'failed', step: run.steps, error: { message: 'loss became NaN at step 4 | lr too high?', step: run.steps } });
    return;
  }
  if (run.evals) {
    // Two evaluations: the table shows the later one, the quality plots both.
    for (const [epoch, worse] of [[2, 1], [3, 0]] as const) {
      const stamp = { kind: 'eval', epoch, step: epoch * 3, images: 8, seed: 0, ms: 100, wallMs: 500 } as const;
      metric({ ...stamp, metric: 'heldOutLoss', loss: 'l1', buckets: [{ tFrom: 0, tTo: 99, loss: 0.4, mse: 0.3 }], meanLoss: 0.4 + worse, meanMse: 0.3 + worse });
      metric({ ...stamp, metric: 'bitsPerDim', total: 5.25 + worse, prior: 0.01, diffusion: 4.2, diffusionStdErr: 0.05, decoder: 1.04, timesteps: 20, exact: false, variance: 'posterior', clipDenoised: true });
      metric({ ...stamp, metric: 'swd', resolutions: [32, 16], swd: [40, 20], average: 30 + worse, floor: [4, 2], floorAverage: 3 });
    }
  }
  await writeImageStrip(writer.file('samples/strip-epoch-001.png'), images(5, c.imgSize), 5, c.imgSize);
  await writeImageStrip(writer.file('samples/strip-epoch-003.png'), images(5, c.imgSize), 5, c.imgSize);
  await writeImageGrid(writer.file('samples/grid-final.png'), images(4, c.imgSize), 4, c.imgSize);
  metric({ kind: 'sample', epoch: 3, step: run.steps, strip: 'samples/strip-epoch-003.png', wallMs: 600 });
  metric({ kind: 'timing', name: 'sampling', ms: 250, batch: 4, steps: c.timesteps, wallMs: 700 });
  metric({ kind: 'timing', name: 'run', ms: 800, wallMs: 800 });
  metric({ kind: 'data', images: 32 } as unknown as MetricRecord); // a kind this report does not know
  await writer.updateStatus({ state: 'done', step: run.steps, epoch: 3, endedAt: '2026-01-01T00:01:00Z' });
}

const tiny = (over: Partial<RunConfig>) => resolveRunConfig({ channels: [4, 8], batchSize: 8, toyCarsCount: 32, epochs: 3, backend: 'wasm', ...over }, 'test');
const base = tiny({ timesteps: 300, imgSize: 32 });

const RUNS: FakeRun[] = [
  { runId: 'T300-32px-base', config: base, axes: ['timesteps', 'imgSize'], steps: 9, outcome: 'done', evals: true },
  { runId: 'T250-32px-aaaa', config: tiny({ timesteps: 250, imgSize: 32 }), axes: ['timesteps'], steps: 9, outcome: 'done' },
  { runId: 'T350-32px-bbbb', config: tiny({ timesteps: 350, imgSize: 32 }), axes: ['timesteps'], steps: 4, outcome: 'failed' },
  { runId: 'T300-64px-cccc', config: tiny({ timesteps: 300, imgSize: 64 }), axes: ['imgSize'], steps: 0, outcome: 'not started' },
];

/** A sweep directory as `diffusion-lab sweep` leaves it; returns its path. */
async function makeSweep(outDir: string): Promise<string> {
  const sweepDir = path.join(outDir, 'sweeps', 'study');
  await fs.mkdir(sweepDir, { recursive: true });
  await writeJsonAtomic(path.join(sweepDir, 'sweep.json'), {
    formatVersion: 1, sweepId: 'study', name: 'T and size study', description: 'Vary T, then the image size.',
    source: '/nowhere/study.sweep.json', resolvedAt: '2026-01-01T00:00:00Z',
    spec: { name: 'T and size study', base: { channels: [4, 8], batchSize: 8, toyCarsCount: 32, epochs: 3, backend: 'wasm' }, axes: { timesteps: [250, 300, 350], imgSize: [32, 64] } },
    variedFields: ['imgSize', 'timesteps'],
    maxParallelRuns: 1,
    runs: RUNS.map((r) => ({ runId: r.runId, varied: { imgSize: r.config.imgSize, timesteps: r.config.timesteps }, axes: r.axes, repeat: 0, config: r.config })),
  });
  for (const run of RUNS) await writeFakeRun(outDir, run);
  writeFileSync(path.join(sweepDir, 'notes.md'), SWEEP_NOTES);
  writeFileSync(path.join(outDir, 'runs', 'T300-32px-base', 'notes.md'), RUN_NOTES);
  return sweepDir;
}

function snapshot(file: string) {
  const s = statSync(file);
  return { mtimeMs: s.mtimeMs, bytes: readFileSync(file).toString('base64') };
}

interface NotebookJson {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Array<{ cell_type: string; id: string; source: string[]; attachments?: Record<string, Record<string, string>>; outputs?: unknown[] }>;
}

async function pngSize(png: Buffer): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(png).metadata();
  // Decoding every pixel, not only the header, proves the data is whole.
  const raw = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(raw.info.width, meta.width);
  return { width: meta.width!, height: meta.height!, format: meta.format! };
}

/** Where each figure comes from, and its size: charts 760 x 420; strips and grids from images.ts's layout. */
const EXPECTED_FIGURES: Record<string, { width: number; height: number }> = {
  'loss-all-runs.png': { width: 760, height: 420 },
  'loss-axis-imgSize.png': { width: 760, height: 420 },
  'loss-axis-timesteps.png': { width: 760, height: 420 },
  'quality-bitsPerDim.png': { width: 760, height: 420 },
  'quality-swd.png': { width: 760, height: 420 },
  'quality-heldOutLoss.png': { width: 760, height: 420 },
  // 10 tiles of 32 px upscaled x2 to 64, 2 px gaps: 10 * 64 + 11 * 2 = 662 by 64 + 4.
  'forward-timesteps-250.png': { width: 662, height: 68 },
  'forward-timesteps-300.png': { width: 662, height: 68 },
  'forward-timesteps-350.png': { width: 662, height: 68 },
  'forward-imgSize-32.png': { width: 662, height: 68 },
  'reverse-T300-32px-base.png': { width: 5 * 64 + 6 * 2, height: 68 },
  'samples-T300-32px-base.png': { width: 2 * 64 + 3 * 2, height: 2 * 64 + 3 * 2 },
  'reverse-T250-32px-aaaa.png': { width: 5 * 64 + 6 * 2, height: 68 },
  'samples-T250-32px-aaaa.png': { width: 2 * 64 + 3 * 2, height: 2 * 64 + 3 * 2 },
  // The two done runs' final grids again, side by side in the comparison.
  'final-grid-T300-32px-base.png': { width: 2 * 64 + 3 * 2, height: 2 * 64 + 3 * 2 },
  'final-grid-T250-32px-aaaa.png': { width: 2 * 64 + 3 * 2, height: 2 * 64 + 3 * 2 },
};

test('notebook export: nbformat 4.5 structure, a row per run, a PNG per figure, notes verbatim and untouched', { timeout: 60_000 }, async () => {
  const outDir = path.join(root, 'notebook');
  const sweepDir = await makeSweep(outDir);
  const sweepNotes = path.join(sweepDir, 'notes.md');
  const runNotes = path.join(outDir, 'runs', 'T300-32px-base', 'notes.md');
  const before = [snapshot(sweepNotes), snapshot(runNotes)];

  const written = await writeReport(sweepDir, { format: 'ipynb' });
  assert.equal(written.file, path.join(sweepDir, 'report.ipynb'));
  const text = readFileSync(written.file, 'utf8');
  const nb = JSON.parse(text) as NotebookJson;
  assert.deepEqual(notebookStructureErrors(nb), []);
  assert.equal(nb.nbformat, 4);
  assert.equal(nb.nbformat_minor, 5);
  assert.equal((nb.metadata.kernelspec as { name: string }).name, 'python3');
  assert.equal((nb.metadata.language_info as { name: string }).name, 'python');
  for (const cell of nb.cells) {
    cell.source.slice(0, -1).forEach((line) => assert.ok(line.endsWith('\n'), `cell ${cell.id}: a source line not ending in \\n`));
  }

  // Two runs finished: the comparison starts with them against the base run, in a table and in words.
  const texts = nb.cells.map(cellText);
  const quality = texts.find((t) => t.startsWith('## Comparison'))!;
  assert.ok(quality.includes('| size=32, T=300 (base) | 30 | 3 | 10 | 5.25 ± 0.05 | 0.4 |'), quality);
  assert.match(quality, /\| T=250 \| – \| – \| – \| – \| – \|/);
  assert.match(quality, /Not finished, so not compared: `T=350` \(failed at step 4\), `size=64` \(not started\)\./);
  const generated = texts.find((t) => t.startsWith('**Generated from the measurements**'));
  assert.ok(generated, 'the generated paragraph, labelled');
  assert.match(generated, /- `T=250`: no measure in common with the base run\./);
  assert.match(generated, /- `T=350` failed at step 4: not compared\./);

  // The table of every measure: one row per run, the failed run with its step and error.
  const table = texts.find((t) => t.startsWith('### All measures'));
  assert.ok(table, 'a table of every measure');
  for (const run of RUNS) {
    const rows: string[] = table.split('\n').filter((l) => l.startsWith(`| ${run.runId} |`));
    assert.equal(rows.length, 1, `one row for ${run.runId}`);
  }
  const row = (id: string) => table.split('\n').find((l) => l.startsWith(`| ${id} |`))!.split(/(?<!\\)\|/).map((c) => c.trim());
  const header = table.split('\n').find((l) => l.startsWith('| run |'))!.split('|').map((c) => c.trim());
  const col = (name: string) => header.indexOf(name);
  assert.deepEqual([row('T350-32px-bbbb')[col('timesteps')], row('T350-32px-bbbb')[col('imgSize')]], ['350', '32']);
  assert.equal(row('T350-32px-bbbb')[col('state')], 'failed at step 4');
  assert.equal(row('T300-64px-cccc')[col('state')], 'not started');
  assert.equal(row('T300-32px-base')[col('state')], 'done');
  assert.equal(row('T300-32px-base')[col('bits/dim')], '5.25 ± 0.05');
  assert.equal(row('T300-32px-base')[col('SWD ×10³')], '30');
  assert.equal(row('T300-32px-base')[col('SWD floor')], '3');
  assert.equal(row('T300-32px-base')[col('held-out loss')], '0.4');
  assert.equal(row('T300-32px-base')[col('time / epoch')], '60 ms');
  assert.equal(row('T300-32px-base')[col('forward diffusion')], '1.5 ms (batch 8)');
  assert.equal(row('T300-32px-base')[col('sampling')], '250 ms (4 img, 300 steps)');
  // final: mean of the last epoch's steps 7..9; best: the lowest epoch mean (epoch 3: 1/8 + 0.03).
  assert.equal(row('T300-32px-base')[col('final loss')], String(Number(((1 / 7 + 1 / 8 + 1 / 9) / 3 + 0.03).toPrecision(4))));
  assert.equal(row('T300-32px-base')[col('best epoch loss')], `${Number((1 / 8 + 0.03).toPrecision(4))} (epoch 3)`);
  assert.equal(row('T250-32px-aaaa')[col('bits/dim')], '–');
  assert.match(table, /T350-32px-bbbb` failed at step 4: loss became NaN at step 4 \\\| lr too high\?/);

  // Figures: markdown cells with one PNG attachment each, all decodable at the expected size.
  const figures = nb.cells.filter((c) => c.attachments);
  const names = figures.flatMap((c) => Object.keys(c.attachments!));
  assert.deepEqual([...names].sort(), Object.keys(EXPECTED_FIGURES).sort());
  for (const cell of figures) {
    assert.equal(cell.cell_type, 'markdown');
    for (const [name, bundle] of Object.entries(cell.attachments!)) {
      assert.ok(cellText(cell).includes(`](attachment:${name})`), `${name} is shown by its cell`);
      const size = await pngSize(Buffer.from(bundle['image/png']!, 'base64'));
      assert.equal(size.format, 'png');
      assert.deepEqual({ width: size.width, height: size.height }, EXPECTED_FIGURES[name], name);
    }
  }

  // The loss values in a variable: a Python cell that reads every run's metrics.jsonl.
  const loader = nb.cells.find((c) => c.cell_type === 'code' && cellText(c).includes('losses = {'));
  assert.ok(loader, 'a code cell defining losses');
  for (const run of RUNS) assert.ok(cellText(loader).includes(JSON.stringify(run.runId)));
  assert.deepEqual(loader.outputs, []);

  // Notes: verbatim cells, files untouched.
  const cells = nb.cells.map(cellText);
  assert.ok(cells.includes(SWEEP_NOTES), 'the sweep notes as a cell of their own, byte for byte');
  assert.ok(cells.includes(RUN_NOTES), 'the run notes as a cell of their own, byte for byte');
  assert.ok(cells.some((t) => t.includes('No notes for this run yet') && t.includes('T250-32px-aaaa')));
  assert.deepEqual([snapshot(sweepNotes), snapshot(runNotes)], before);
  assert.equal(existsSync(path.join(outDir, 'runs', 'T250-32px-aaaa', 'notes.md')), false, 'the report creates no notes file');

  // Written atomically: no temp file left beside it.
  assert.deepEqual(readdirSync(sweepDir).filter((n) => n.startsWith('.')), []);
});

// These two skip without python3 (nbformat) outside CI, and fail in CI (test/helpers/python.ts).
test('python3 -m json.tool accepts the notebook', { timeout: 60_000 }, async (t) => {
  const python = pythonOrSkip(t, [], 'python3');
  if (!python) return;
  const outDir = path.join(root, 'json-tool');
  const { file } = await writeReport(await makeSweep(outDir));
  const r = spawnSync(python, ['-m', 'json.tool', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
});

test('the official nbformat validator accepts the notebook (where Python nbformat is installed)', { timeout: 60_000 }, async (t) => {
  const python = pythonOrSkip(t, ['nbformat'], 'python3-nbformat');
  if (!python) return;
  const outDir = path.join(root, 'nbformat');
  const { file } = await writeReport(await makeSweep(outDir));
  const r = spawnSync(python, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print("valid")', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'valid');
});

test('markdown export: report.md with report-figures/, the same content, figures replaced on export', { timeout: 60_000 }, async () => {
  const outDir = path.join(root, 'markdown');
  const sweepDir = await makeSweep(outDir);
  const sweepNotes = path.join(sweepDir, 'notes.md');
  const before = snapshot(sweepNotes);
  const figuresDir = path.join(sweepDir, MARKDOWN_FIGURES_DIR);
  // A figure left from an older export must not survive the next one.
  await fs.mkdir(figuresDir, { recursive: true });
  writeFileSync(path.join(figuresDir, 'stale.png'), 'old');

  const written = await writeReport(sweepDir, { format: 'md' });
  assert.equal(written.file, path.join(sweepDir, 'report.md'));
  const md = readFileSync(written.file, 'utf8');
  for (const run of RUNS) assert.equal(md.split('\n').filter((l) => l.startsWith(`| ${run.runId} |`)).length, 1, run.runId);
  assert.ok(md.includes(SWEEP_NOTES), 'sweep notes verbatim');
  assert.ok(md.includes(RUN_NOTES), 'run notes verbatim');
  assert.match(md, /```python\n[\s\S]*losses = \{/);
  const linked = [...md.matchAll(/!\[[^\]]*\]\(report-figures\/([^)]+)\)/g)].map((m) => decodeURIComponent(m[1]!));
  assert.deepEqual([...linked].sort(), Object.keys(EXPECTED_FIGURES).sort());
  assert.deepEqual(readdirSync(figuresDir).sort(), Object.keys(EXPECTED_FIGURES).sort());
  for (const name of linked) {
    const size = await pngSize(readFileSync(path.join(figuresDir, name)));
    assert.deepEqual({ width: size.width, height: size.height }, EXPECTED_FIGURES[name], name);
  }
  assert.deepEqual(snapshot(sweepNotes), before);

  await writeReport(sweepDir, { format: 'md' });
  assert.deepEqual(readdirSync(sweepDir).filter((n) => n.startsWith('.')), [], 'no temporary folders left');
  assert.deepEqual(readdirSync(figuresDir).sort(), Object.keys(EXPECTED_FIGURES).sort());
});

test('without fonts, charts carry no text and their captions give axes and colours in words', { timeout: 60_000 }, async () => {
  const outDir = path.join(root, 'no-fonts');
  const sweepDir = await makeSweep(outDir);
  const { file } = await writeReport(sweepDir, { format: 'md', chartText: false });
  const md = readFileSync(file, 'utf8');
  assert.match(md, /Axes: step across, step loss \(training\) up\. Colours: blue: size=32, T=300 \(base\); orange: T=250; green: T=350\./);
});

test('CLI: a real tiny sweep, then report --sweep, then bad input', { timeout: 300_000 }, async (t) => {
  if (!existsSync(CLI)) {
    assert.fail(`${CLI} missing: run npm run build`);
  }
  const dir = path.join(root, 'cli');
  await fs.mkdir(dir, { recursive: true });
  const sweepFile = path.join(dir, 'tiny.sweep.json');
  writeFileSync(sweepFile, JSON.stringify({
    name: 'tiny',
    base: { channels: [4, 8], imgSize: 16, batchSize: 8, toyCarsCount: 32, heldOutCount: 0, timesteps: 50, epochs: 2, sampleEvery: 1, sampleCount: 4, backend: 'wasm' },
    axes: { timesteps: [50, 60] }, // T >= 50: the default ddimSteps must fit in T
  }));
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const out = path.join(dir, 'out');
  const sweep = run(['sweep', sweepFile, '--out', out]);
  assert.equal(sweep.status, 0, sweep.stderr);

  const sweepDir = path.join(out, 'sweeps', 'tiny');
  const report = run(['report', '--sweep', sweepDir]);
  assert.equal(report.status, 0, report.stderr);
  assert.equal(report.stdout.trim(), path.join(sweepDir, 'report.ipynb'));
  const nb = JSON.parse(readFileSync(report.stdout.trim(), 'utf8')) as NotebookJson;
  assert.deepEqual(notebookStructureErrors(nb), []);
  const sweepJson = JSON.parse(readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { runs: Array<{ runId: string }> };
  assert.equal(sweepJson.runs.length, 2);
  const table = nb.cells.map(cellText).find((c) => c.startsWith('### All measures'))!;
  for (const r of sweepJson.runs) assert.match(table, new RegExp(`\\| ${r.runId} \\| \\d+ \\| done \\|`));
  const figures = nb.cells.flatMap((c) => Object.values(c.attachments ?? {}));
  // all-runs loss, forward strip per T (2), reverse strip and grid per run (4); one varied field: no separate axis plot;
  // the final grids side by side (2); each run's epoch-1 preview and its end grid (4). No held-out images: no SWD chart.
  assert.equal(figures.length, 13);
  for (const bundle of figures) {
    const size = await pngSize(Buffer.from(bundle['image/png']!, 'base64'));
    assert.ok(size.width >= 64 && size.height >= 64, `${size.width}x${size.height}`);
  }

  const md = run(['report', '--sweep', path.join(sweepDir, 'sweep.json'), '--format', 'md', '--loss-scale', 'log']);
  assert.equal(md.status, 0, md.stderr);
  assert.equal(md.stdout.trim(), path.join(sweepDir, 'report.md'));

  const missing = run(['report', '--sweep', path.join(dir, 'nowhere')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /not a sweep directory: it has no sweep\.json/);
  const badFormat = run(['report', '--sweep', sweepDir, '--format', 'pdf']);
  assert.equal(badFormat.status, 2);
  assert.match(badFormat.stderr, /--format must be one of ipynb, md/);
  assert.equal(run(['report']).status, 2);
  t.diagnostic(`exported ${figures.length} figures`);
});

/** The final SWD, bits/dim and held-out records of a run, and its epoch previews, read from its metrics.jsonl as written. */
function measuredFromDisk(runDir: string) {
  const records = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);
  const evals = records.filter((r): r is EvalRecord => r.kind === 'eval');
  const last = <M extends EvalRecord['metric']>(metric: M, keep: (r: Extract<EvalRecord, { metric: M }>) => boolean = () => true) =>
    evals.filter((r): r is Extract<EvalRecord, { metric: M }> => r.metric === metric && keep(r as Extract<EvalRecord, { metric: M }>)).pop();
  const samples = records.filter((r): r is Extract<MetricRecord, { kind: 'sample' }> => r.kind === 'sample');
  const swdAt = (step: number) => evals.filter((r): r is SlicedWassersteinRecord => r.metric === 'swd' && r.step === step && r.weights !== 'raw').pop();
  return {
    swd: last('swd', (r) => r.weights !== 'raw')!,
    swdRaw: last('swd', (r) => r.weights === 'raw'),
    bitsPerDim: last('bitsPerDim')!,
    heldOut: last('heldOutLoss')!,
    // One session each: a record's wallMs is the run's wall time.
    previews: samples.map((s) => ({ epoch: s.epoch, grid: s.grid, atMs: s.wallMs, swd: swdAt(s.step) })),
  };
}

const f3 = (v: number) => formatNumber(v, 3);
const signed = (d: number) => (d > 0 ? '+' : '') + formatNumber(d, 3);

let ablation: Promise<{ out: string; sweepDir: string; runs: Array<{ runId: string; dir: string; label: string }> }> | undefined;

/** A real recipe ablation at 8 px, trained once for the tests that read it: faithful (the base), improved, and faithful with GroupNorm. */
function ablationSweep() {
  ablation ??= (async () => {
    const dir = path.join(root, 'ablation');
    await fs.mkdir(dir, { recursive: true });
    const sweepFile = path.join(dir, 'ablation.sweep.json');
    writeFileSync(sweepFile, JSON.stringify({
      name: 'ablation',
      base: {
        channels: [4, 8], imgSize: 8, toyCarsCount: 64, heldOutFraction: 0.25, batchSize: 8, epochs: 3, sampleEvery: 1,
        previewCount: 4, previewSampler: 'ddim', ddimSteps: 5, timesteps: 20, sampleCount: 4, evalImages: 8, backend: 'wasm',
      },
      axes: { recipe: ['faithful', 'improved'], normalization: ['batch', 'group'] },
    }));
    const out = path.join(dir, 'out');
    const sweep = spawnSync(process.execPath, [CLI, 'sweep', sweepFile, '--out', out], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 240_000 });
    assert.equal(sweep.status, 0, sweep.stderr);
    const sweepDir = path.join(out, 'sweeps', 'ablation');
    const listed = (JSON.parse(readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { runs: Array<{ runId: string; varied: Record<string, unknown> }> }).runs;
    // The label a reader sees for each run: the field its axis changes (the recipe's own values left to its name).
    const label = (v: Record<string, unknown>) => (v.recipe === 'improved' ? 'recipe=improved' : v.normalization === 'group' ? 'normalization=group' : 'recipe=faithful (base)');
    return { out, sweepDir, runs: listed.map((r) => ({ runId: r.runId, dir: path.join(out, 'runs', r.runId), label: label(r.varied) })) };
  })();
  return ablation;
}

/** A markdown table's rows after the header line `headerStart`, as cells. */
function tableAfter(text: string, headerStart: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(headerStart));
  assert.ok(at >= 0, `a table starting ${headerStart}`);
  const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
  const rows: string[][] = [];
  for (let i = at + 2; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(cells(lines[i]!));
  return { header: cells(lines[at]!), rows };
}

test('CLI: a recipe ablation\'s report compares the runs against the base in a table, in words and in grids', { timeout: 300_000 }, async () => {
  const { sweepDir, runs } = await ablationSweep();
  const report = spawnSync(process.execPath, [CLI, 'report', '--sweep', sweepDir, '--format', 'md'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(report.status, 0, report.stderr);
  const md = readFileSync(report.stdout.trim(), 'utf8');
  const figure = (src: string) => readFileSync(path.join(sweepDir, decodeURIComponent(src)));
  const [faithful, improved, group] = ['recipe=faithful (base)', 'recipe=improved', 'normalization=group'].map((l) => runs.find((r) => r.label === l)!);
  assert.ok(faithful && improved && group, 'the three runs of the two axes');
  const measured = new Map(runs.map((r) => [r.runId, measuredFromDisk(r.dir)]));
  const base = measured.get(faithful.runId)!;

  // The table: a row per run by its label, the base first; the others with their difference to it.
  const comparison = md.slice(md.indexOf('## Comparison'), md.indexOf('### All measures'));
  const table = tableAfter(comparison, '| run | SWD');
  // faithful trains with l1 and improved with l2: the held-out MSE is the measure the two share.
  assert.deepEqual(table.header, ['run', 'SWD ×10³', 'SWD floor', 'SWD / floor', 'SWD ×10³, raw weights', 'bits/dim', 'held-out MSE']);
  assert.deepEqual(table.rows.map((r) => r[0]), [faithful.label, improved.label, group.label]);
  const row = (label: string) => Object.fromEntries(table.header.map((h, i) => [h, table.rows.find((r) => r[0] === label)![i]!]));
  const bpd = (b: BitsPerDimRecord) => `${formatNumber(b.total)} ± ${formatNumber(b.diffusionStdErr, 2)}`;
  assert.deepEqual(row(faithful.label), {
    run: faithful.label, 'SWD ×10³': f3(base.swd.average), 'SWD floor': f3(base.swd.floorAverage), 'SWD / floor': f3(base.swd.average / base.swd.floorAverage),
    'SWD ×10³, raw weights': '–', 'bits/dim': bpd(base.bitsPerDim), 'held-out MSE': formatNumber(base.heldOut.meanMse),
  });
  const imp = measured.get(improved.runId)!;
  assert.ok(imp.swdRaw, 'the improved recipe keeps a weight average, so it scores its raw weights too');
  assert.equal(row(improved.label)['SWD ×10³'], `${f3(imp.swd.average)} (${signed(imp.swd.average - base.swd.average)})`);
  assert.equal(row(improved.label)['SWD ×10³, raw weights'], f3(imp.swdRaw.average));
  assert.equal(row(improved.label)['held-out MSE'], `${formatNumber(imp.heldOut.meanMse)} (${signed(imp.heldOut.meanMse - base.heldOut.meanMse)})`);
  assert.ok(row(improved.label)['bits/dim'].startsWith(`${bpd(imp.bitsPerDim)} (${signed(imp.bitsPerDim.total - base.bitsPerDim.total)}`));

  // The paragraph: labelled as generated, and its numbers are the table's.
  const generated = comparison.split('\n\n').find((p) => p.startsWith('**Generated from the measurements**'));
  assert.ok(generated, `a paragraph labelled as generated in:\n${comparison}`);
  assert.match(generated, /Against the base run \(`recipe=faithful`\)/);
  const stated = comparison.split('\n').find((l) => l.startsWith(`- \`${improved.label}\``))!;
  assert.ok(stated.includes(`SWD ×10³ from ${row(faithful.label)['SWD ×10³']} to ${row(improved.label)['SWD ×10³'].split(' ')[0]}`), stated);

  // The final grids side by side, the improved run's raw-weights grid beside its average's: the run's own files.
  const grids = tableAfter(comparison.slice(comparison.indexOf('**Final samples side by side**')), `| ${faithful.label} |`);
  assert.deepEqual(grids.header, [faithful.label, `${improved.label}, weight average`, `${improved.label}, raw weights`, group.label]);
  const srcs = grids.rows[0]!.map((c) => /\]\(([^)]+)\)/.exec(c)![1]!);
  const expectedFiles = [[faithful, 'grid-final.png'], [improved, 'grid-final.png'], [improved, 'grid-final-raw.png'], [group, 'grid-final.png']] as const;
  expectedFiles.forEach(([run, file], i) => assert.ok(figure(srcs[i]!).equals(readFileSync(path.join(run.dir, 'samples', file))), `${run.label}: ${file}`));

  // Samples over training time: each run's epoch grids in order, captioned with wall time and SWD, then its end grid.
  const overTime = md.slice(md.indexOf('## Samples over training time'), md.indexOf('## Forward diffusion'));
  assert.match(overTime, /!\[SWD of each run's previews against its training time\]\(report-figures\/swd-over-time\.png\)/);
  for (const run of runs) {
    const m = measured.get(run.runId)!;
    const withGrid = m.previews.filter((p) => p.grid);
    assert.equal(withGrid.length, 2, 'a preview after epochs 1 and 2 of 3');
    const end = m.previews[m.previews.length - 1]!;
    const caption = (p: (typeof m.previews)[number]) => `epoch ${p.epoch} · ${formatDuration(p.atMs)} · SWD ${f3(p.swd!.average)} (floor ${f3(p.swd!.floorAverage)})`;
    const gallery = tableAfter(overTime.slice(overTime.indexOf(`**${run.label}: samples over training time**`)), '| epoch');
    assert.deepEqual(gallery.header, [...withGrid.map(caption), `end: ${caption(end)}`]);
    const shown = gallery.rows[0]!.map((c) => figure(/\]\(([^)]+)\)/.exec(c)![1]!));
    withGrid.forEach((p, i) => assert.ok(shown[i]!.equals(readFileSync(path.join(run.dir, p.grid!))), `${run.label}: ${p.grid}`));
    assert.ok(shown[2]!.equals(readFileSync(path.join(run.dir, 'samples', 'grid-final.png'))));
  }
});

test('the SWD-over-time chart has the loss chart\'s colours and labels; the notebook of the same sweep validates', { timeout: 300_000 }, async (t) => {
  const { sweepDir, runs } = await ablationSweep();
  const { file } = await writeReport(sweepDir, { format: 'md', chartText: false });
  const md = readFileSync(file, 'utf8');
  const colours = (figureName: string) => {
    const at = md.indexOf(`(report-figures/${figureName})`);
    assert.ok(at >= 0, figureName);
    return /Colours: (.*)\.\)$/m.exec(md.slice(at))![1];
  };
  const loss = colours('loss-all-runs.png');
  assert.equal(colours('swd-over-time.png'), loss);
  for (const run of runs) assert.ok(loss!.includes(`: ${run.label}`), `${run.label} in ${loss}`);
  const chart = await pngSize(readFileSync(path.join(sweepDir, MARKDOWN_FIGURES_DIR, 'swd-over-time.png')));
  assert.deepEqual([chart.width, chart.height], [760, 420]);

  // The default format, from the same document: the comparison cell is the markdown's comparison, word for word.
  const report = spawnSync(process.execPath, [CLI, 'report', '--sweep', sweepDir], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(report.status, 0, report.stderr);
  assert.equal(report.stdout.trim(), path.join(sweepDir, 'report.ipynb'));
  const nb = JSON.parse(readFileSync(report.stdout.trim(), 'utf8')) as NotebookJson;
  assert.deepEqual(notebookStructureErrors(nb), []);
  const cells = nb.cells.map(cellText);
  const comparison = cells.find((c) => c.startsWith('## Comparison'))!;
  assert.ok(md.includes(comparison), 'the notebook\'s comparison cell appears as is in the markdown');
  assert.ok(cells.some((c) => c.startsWith('**Generated from the measurements**')));
  const grids = nb.cells.find((c) => cellText(c).startsWith('**Final samples side by side**'))!;
  assert.equal(Object.keys(grids.attachments ?? {}).length, 4, 'three final grids and the raw-weights one');
  const python = pythonOrSkip(t, ['nbformat'], 'python3-nbformat');
  if (!python) return;
  const r = spawnSync(python, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print("valid")', report.stdout.trim()], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'valid');
  // Rendered as Jupyter renders it, every attachment (a gallery's too) becomes an image.
  const renderer = probePython(['nbconvert'], ['python3', '/usr/bin/python3']).python;
  if (!renderer) {
    t.diagnostic('no python3 with nbconvert (apt-get install jupyter-nbconvert): the notebook was validated, not rendered');
    return;
  }
  const html = spawnSync(renderer, ['-m', 'nbconvert', '--to', 'html', '--stdout', report.stdout.trim()], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 });
  assert.equal(html.status, 0, html.stderr);
  const attachments = nb.cells.reduce((n, c) => n + Object.keys(c.attachments ?? {}).length, 0);
  assert.equal((html.stdout.match(/<img [^>]*src="data:image\/png;base64,/g) ?? []).length, attachments);
});
