// The study report: a sweep directory written by hand with the real run writer (a done run
// with evaluations, done runs, a failed run, a run not started), exported as a notebook and
// as markdown, then checked: nbformat 4.5 structure, a table row per run, a decodable PNG
// per figure, notes verbatim and untouched. One case runs a real tiny sweep through the CLI.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { writeImageGrid, writeImageStrip } from '../../src/trainer/report/images';
import { MARKDOWN_FIGURES_DIR } from '../../src/trainer/report/markdownReport';
import { writeReport } from '../../src/trainer/report/writeReport';
import { writeJsonAtomic } from '../../src/shared/atomicFile';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { cellText, notebookStructureErrors } from '../helpers/notebookStructure';
import { pythonOrSkip } from '../helpers/python';

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
};

test('notebook export: nbformat 4.5 structure, a row per run, a PNG per figure, notes verbatim and untouched', async () => {
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

  // The comparison table: one row per run, the failed run with its step and error.
  const table = nb.cells.map(cellText).find((t) => t.startsWith('## Comparison'));
  assert.ok(table, 'a comparison cell');
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
  assert.equal(row('T300-32px-base')[col('best loss')], `${Number((1 / 8 + 0.03).toPrecision(4))} (epoch 3)`);
  assert.equal(row('T250-32px-aaaa')[col('bits/dim')], '–');
  assert.match(table, /T350-32px-bbbb` failed at step 4: loss became NaN at step 4 \\\| lr too high\?/);

  // Figures: markdown cells with one PNG attachment each, all decodable at the expected size.
  const figures = nb.cells.filter((c) => c.attachments);
  const names = figures.flatMap((c) => Object.keys(c.attachments!));
  assert.deepEqual([...names].sort(), Object.keys(EXPECTED_FIGURES).sort());
  for (const cell of figures) {
    const [name, bundle] = Object.entries(cell.attachments!)[0]!;
    assert.equal(cell.cell_type, 'markdown');
    assert.ok(cellText(cell).includes(`](attachment:${name})`), `${name} is shown by its cell`);
    const size = await pngSize(Buffer.from(bundle['image/png']!, 'base64'));
    assert.equal(size.format, 'png');
    assert.deepEqual({ width: size.width, height: size.height }, EXPECTED_FIGURES[name], name);
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
test('python3 -m json.tool accepts the notebook', async (t) => {
  const python = pythonOrSkip(t, [], 'python3');
  if (!python) return;
  const outDir = path.join(root, 'json-tool');
  const { file } = await writeReport(await makeSweep(outDir));
  const r = spawnSync(python, ['-m', 'json.tool', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
});

test('the official nbformat validator accepts the notebook (where Python nbformat is installed)', async (t) => {
  const python = pythonOrSkip(t, ['nbformat'], 'python3-nbformat');
  if (!python) return;
  const outDir = path.join(root, 'nbformat');
  const { file } = await writeReport(await makeSweep(outDir));
  const r = spawnSync(python, ['-c', 'import sys, nbformat; nbformat.validate(nbformat.read(sys.argv[1], as_version=4)); print("valid")', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'valid');
});

test('markdown export: report.md with report-figures/, the same content, figures replaced on export', async () => {
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

test('without fonts, charts carry no text and their captions give axes and colours in words', async () => {
  const outDir = path.join(root, 'no-fonts');
  const sweepDir = await makeSweep(outDir);
  const { file } = await writeReport(sweepDir, { format: 'md', chartText: false });
  const md = readFileSync(file, 'utf8');
  assert.match(md, /Axes: epoch across, training loss up\. Colours: blue: size=32, T=300 \(base\); orange: T=250; red: T=350\./);
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
  const table = nb.cells.map(cellText).find((c) => c.startsWith('## Comparison'))!;
  for (const r of sweepJson.runs) assert.match(table, new RegExp(`\\| ${r.runId} \\| \\d+ \\| done \\|`));
  const figures = nb.cells.flatMap((c) => Object.values(c.attachments ?? {}));
  // all-runs loss, forward strip per T (2), reverse strip and grid per run (4); one varied field: no separate axis plot.
  assert.equal(figures.length, 7);
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
