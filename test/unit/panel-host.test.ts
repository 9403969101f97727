// The results panel's host-side pieces that need no VS Code: tailing metrics.jsonl, loss
// points with wall time over resumed sessions, notes saved with conflict detection, the
// webview's debiased smoothing, and what a run's summary says about its samples.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LossSeries } from '../../src/extension/panel/lossSeries';
import { MetricsTail } from '../../src/shared/runReading/metricsTail';
import { NotesFile, versionOf } from '../../src/extension/panel/notesFile';
import { targetOfNotesFile } from '../../src/extension/panel/panelSources';
import { readRunSummary } from '../../src/extension/panel/runSummary';
import type { RunSummary } from '../../src/shared/panelMessages';
import type { MetricRecord, SlicedWassersteinRecord } from '../../src/shared/runDirectory';
import { readRun } from '../../src/shared/runReading/readRun';
import { readMetrics } from '../../src/shared/runReading/runFiles';
import { emaSmooth } from '../../src/shared/smoothing';
import { trainNewRun } from '../../src/trainer/training/trainRun';
import { tinyConfig } from '../helpers/tinyRun';

const dir = mkdtempSync(path.join(tmpdir(), 'dl-panel-host-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const step = (s: number, loss: number, wallMs: number): MetricRecord => ({ kind: 'step', step: s, epoch: 0, loss, ms: 1, imagesPerSec: 1, wallMs });

describe('MetricsTail', () => {
  it('reads only what was appended, holding back a line still being written', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    writeFileSync(file, JSON.stringify(step(1, 0.9, 10)) + '\n' + '{"kind":"step","st');
    const tail = new MetricsTail(file);
    const first = await tail.read();
    assert.deepEqual(first.records.map((r) => (r as { step: number }).step), [1]);
    appendFileSync(file, 'ep":2,"epoch":0,"loss":0.8,"ms":1,"imagesPerSec":1,"wallMs":20}\n');
    const second = await tail.read();
    assert.equal(second.reset, false);
    assert.deepEqual(second.records.map((r) => (r as { step: number }).step), [2]);
    assert.deepEqual((await tail.read()).records, []);
  });

  it('starts over when the file is replaced by a shorter one', async () => {
    const file = path.join(dir, 'replaced.jsonl');
    writeFileSync(file, [step(1, 1, 1), step(2, 1, 2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const tail = new MetricsTail(file);
    await tail.read();
    writeFileSync(file, JSON.stringify(step(1, 0.5, 1)) + '\n');
    const again = await tail.read();
    assert.equal(again.reset, true);
    assert.equal(again.records.length, 1);
  });

  it('reads no file as no records, and throws for one it cannot read rather than show none', async () => {
    assert.deepEqual(await new MetricsTail(path.join(dir, 'absent.jsonl')).read(), { records: [], reset: false, problems: [] });
    writeFileSync(path.join(dir, 'not-a-run'), '');
    await assert.rejects(new MetricsTail(path.join(dir, 'not-a-run', 'metrics.jsonl')).read(), /ENOTDIR/);
  });
});

describe('LossSeries', () => {
  it('adds up wall time over the sessions of a resumed run and sends only new points', () => {
    const s = new LossSeries('r');
    s.add([step(1, 0.9, 1000), step(2, 0.8, 2000)], false);
    assert.deepEqual(s.take(), { runId: 'r', reset: true, step: [1, 2], wallSec: [1, 2], loss: [0.9, 0.8] });
    // Resumed: wallMs starts again at 0.
    s.add([step(3, 0.7, 500)], false);
    assert.deepEqual(s.take(), { runId: 'r', reset: false, step: [3], wallSec: [2.5], loss: [0.7] });
    assert.equal(s.take(), undefined);
    s.resend();
    assert.deepEqual(s.take()?.step, [1, 2, 3]);
  });
});

describe('NotesFile', () => {
  it('saves atomically, and refuses when the file changed on disk since the version edited', async () => {
    const file = path.join(dir, 'runs', 'r1', 'notes.md');
    const notes = new NotesFile(file);
    const empty = await notes.read();
    assert.equal(empty.text, '');
    const saved = await notes.save('# mine\n', empty.version);
    assert.deepEqual(saved, { kind: 'saved', version: versionOf('# mine\n') });
    assert.equal(readFileSync(file, 'utf8'), '# mine\n');
    writeFileSync(file, '# edited in a text editor\n');
    const refused = await notes.save('# mine, more\n', saved.version);
    assert.deepEqual(refused, { kind: 'conflict', text: '# edited in a text editor\n', version: versionOf('# edited in a text editor\n') });
    assert.equal(readFileSync(file, 'utf8'), '# edited in a text editor\n');
    assert.equal((await notes.save('# mine, more\n', saved.version, true)).kind, 'saved');
    assert.equal(readFileSync(file, 'utf8'), '# mine, more\n');
  });

  it('takes a notes.md it cannot read for neither empty nor saves over it', async () => {
    const file = path.join(dir, 'runs', 'r2', 'notes.md');
    mkdirSync(file, { recursive: true }); // a folder where the file goes: unreadable as a file, whoever runs the test
    const notes = new NotesFile(file);
    await assert.rejects(notes.read(), /EISDIR/);
    await assert.rejects(notes.save('# mine\n', versionOf('')), /EISDIR/);
    assert.ok(statSync(file).isDirectory());
  });

  it('knows whose notes a notes.md is', () => {
    assert.deepEqual(targetOfNotesFile('/w/.diffusion/runs/T300-ab/notes.md'), { kind: 'run', runDir: '/w/.diffusion/runs/T300-ab' });
    assert.deepEqual(targetOfNotesFile('/w/.diffusion/sweeps/demo/notes.md'), { kind: 'sweep', sweepDir: '/w/.diffusion/sweeps/demo' });
    assert.equal(targetOfNotesFile('/w/docs/notes.md'), undefined);
    assert.equal(targetOfNotesFile('/w/.diffusion/runs/T300-ab/README.md'), undefined);
  });
});

describe('emaSmooth (TensorBoard)', () => {
  it('is debiased: the first value is kept, later ones move towards the data', () => {
    const out = new Float64Array(3);
    emaSmooth([1, 0, 0], 0.5, out);
    assert.equal(out[0], 1);
    // last = 0.25 after two steps, debias 1 - 0.25 = 0.75.
    assert.ok(Math.abs(out[1]! - (0.25 / 0.75)) < 1e-12);
    const none = new Float64Array(3);
    emaSmooth([3, 1, 2], 0, none);
    assert.deepEqual([...none], [3, 1, 2]);
  });

  it('continues from its state: appending gives the same line as smoothing all at once', () => {
    const values = Array.from({ length: 50 }, (_, i) => Math.sin(i) + i / 10);
    const whole = new Float64Array(50);
    emaSmooth(values, 0.9, whole);
    const parts = new Float64Array(50);
    const state = emaSmooth(values.slice(0, 20), 0.9, parts);
    emaSmooth(values, 0.9, parts, 20, state);
    assert.deepEqual([...parts], [...whole]);
  });
});

describe('run summary: samples over training time', { timeout: 120_000 }, () => {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-panel-summary-'));
  after(() => rmSync(out, { recursive: true, force: true }));
  const uri = (file: string, stamp: number) => `file://${file}?v=${stamp}`;
  const trained: Record<string, { dir: string; records: MetricRecord[] }> = {};

  before(async () => {
    for (const emaDecay of [0, 0.9]) {
      const config = tinyConfig({
        epochs: 3, timesteps: 20, sampler: 'ddpm', previewCount: 4, previewSampler: 'ddim', ddimSteps: 5, sampleCount: 4,
        toyCarsCount: 32, heldOutCount: 8, evalImages: 8, emaDecay,
      });
      const outcome = await trainNewRun(config, out, {}, `ema-${emaDecay}`);
      assert.equal(outcome.state, 'done', outcome.error);
      trained[String(emaDecay)] = { dir: outcome.runDir, records: await readMetrics(outcome.runDir) };
    }
  });

  const summaryOf = (run: { dir: string; records: MetricRecord[] }, records = run.records): Promise<RunSummary> =>
    readRunSummary({ runId: path.basename(run.dir), dir: run.dir, colorIndex: 0, varied: {} }, records, [], uri);
  const swdRecords = (records: MetricRecord[]) => records.filter((r): r is SlicedWassersteinRecord => r.kind === 'eval' && r.metric === 'swd');
  const score = (r: SlicedWassersteinRecord) => ({ value: r.average, floor: r.floorAverage, images: r.images });
  const fileOf = (u: string | undefined) => (u ? path.basename(new URL(u).pathname) : undefined);

  it('lists epoch grids and the raw-weights grid as their own kinds, never as the grid', async () => {
    const reading = await readRun(trained['0.9']!.dir);
    const kinds = Object.fromEntries(reading.samples.map((s) => [s.name, `${s.kind} ${s.epoch}`]));
    assert.deepEqual(kinds, {
      'grid-epoch-001.png': 'epoch-grid 1', 'grid-epoch-002.png': 'epoch-grid 2', 'grid-final.png': 'grid 3', 'grid-final-raw.png': 'raw-grid 3',
      'strip-epoch-001.png': 'reverse-strip 1', 'strip-epoch-002.png': 'reverse-strip 2', 'strip-epoch-003.png': 'reverse-strip 3',
    });
  });

  it('gives each sampling epoch its grid, strip t, wall time and SWD, and the end its EMA and raw grids and SWDs', async () => {
    const run = trained['0.9']!;
    const summary = await summaryOf(run);
    const samples = run.records.filter((r): r is Extract<MetricRecord, { kind: 'sample' }> => r.kind === 'sample');
    const swd = swdRecords(run.records);
    // stripT: the t the samplers kept frames at (previews DDIM 5 steps of T 20; the end DDPM over all 20).
    assert.deepEqual(summary.samples.map((s) => [s.epoch, fileOf(s.grid), fileOf(s.strip), s.atMs, s.stripT, s.swd]), [
      [1, 'grid-epoch-001.png', 'strip-epoch-001.png', samples[0]!.wallMs, [19, 15, 11, 7, 3], score(swd.find((r) => r.step === samples[0]!.step)!)],
      [2, 'grid-epoch-002.png', 'strip-epoch-002.png', samples[1]!.wallMs, [19, 15, 11, 7, 3], score(swd.find((r) => r.step === samples[1]!.step)!)],
      // The end's strip, from the final sampler (DDPM over all 20 steps); its SWD is the final one, not a preview's.
      [3, undefined, 'strip-epoch-003.png', samples[2]!.wallMs, [18, 16, 14, 12, 10, 8, 6, 4, 2, 0], undefined],
    ]);
    const end = samples[2]!.step;
    assert.deepEqual({ ...summary.final, grid: fileOf(summary.final?.grid), rawGrid: fileOf(summary.final?.rawGrid) }, {
      epoch: 3, ema: true, grid: 'grid-final.png', rawGrid: 'grid-final-raw.png', atMs: samples[2]!.wallMs,
      swd: score(swd.find((r) => r.step === end && r.weights === 'ema')!), swdRaw: score(swd.find((r) => r.step === end && r.weights === 'raw')!),
    });
    assert.equal(summary.measures.swdRaw, swd.find((r) => r.step === end && r.weights === 'raw')!.average);
  });

  it('names no weights and no raw grid for a run without EMA', async () => {
    const run = trained['0']!;
    const summary = await summaryOf(run);
    const last = swdRecords(run.records).at(-1)!;
    assert.equal(last.weights, undefined);
    assert.deepEqual([summary.final?.ema, summary.final?.rawGrid, summary.final?.swd, summary.final?.swdRaw, summary.measures.swdRaw], [false, undefined, score(last), undefined, undefined]);
  });

  it('gives the end no SWD before the end is evaluated, and none to a grid sampled later from the checkpoint', async () => {
    const run = trained['0.9']!;
    // Stopped after the end's samples were written, before its evaluations.
    const lastSample = run.records.map((r) => r.kind).lastIndexOf('sample');
    const cut = await summaryOf(run, run.records.slice(0, lastSample + 1));
    assert.equal(cut.final?.swd, undefined, 'epoch 2\'s preview SWD is not the final one');
    assert.equal(cut.final?.swdRaw, undefined);
    assert.ok(cut.samples.find((s) => s.epoch === 2)?.swd, 'it stays with epoch 2');

    const later = path.join(run.dir, 'samples', 'grid-seed7-2030-01-01.png');
    copyFileSync(path.join(run.dir, 'samples', 'grid-final.png'), later);
    const inAMinute = new Date(Date.now() + 60_000);
    utimesSync(later, inAMinute, inAMinute);
    const summary = await summaryOf(run);
    assert.equal(fileOf(summary.final?.grid), 'grid-seed7-2030-01-01.png');
    assert.equal(summary.final?.later, true);
    assert.equal(summary.final?.swd, undefined);
    assert.equal(fileOf(summary.final?.rawGrid), 'grid-final-raw.png');
    rmSync(later);
  });
});
