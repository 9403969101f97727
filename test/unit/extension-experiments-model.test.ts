// The Experiments tree's model, read from a hand-made output directory: sweeps and their
// runs, runs outside any sweep, and files edited into nonsense, which must not throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MetricsCache, readExperiments, readRun } from '../../src/extension/experimentsModel';
import { measureRun } from '../../src/shared/runReading/runMeasures';
import { describeCrash, markRunEnded } from '../../src/extension/runStatusRepair';
import { locateSweepProblem } from '../../src/extension/sweepProblemLocation';
import type { MetricRecord, RunStatus } from '../../src/shared/runDirectory';

function outDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-model-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const status = (state: RunStatus['state'], extra: Partial<RunStatus> = {}): RunStatus =>
  ({ formatVersion: 1, state, createdAt: '2025-01-01T00:00:00Z', step: 4, epoch: 1, totalSteps: 4, ...extra });

function writeRun(out: string, runId: string, files: Record<string, string | object>): string {
  const dir = path.join(out, 'runs', runId);
  mkdirSync(path.join(dir, 'samples'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

const steps = (losses: number[], epoch = 0, wallFrom = 0): string =>
  losses.map((loss, i) => JSON.stringify({ kind: 'step', step: i + 1, epoch, loss, ms: 10, imagesPerSec: 1, wallMs: wallFrom + (i + 1) * 100 })).join('\n') + '\n';

test('sweeps list their runs in order with state, varied values, final loss and time; other runs are single runs', async (t) => {
  const out = outDir(t);
  mkdirSync(path.join(out, 'sweeps', 'tiny'), { recursive: true });
  writeFileSync(path.join(out, 'sweeps', 'tiny', 'sweep.json'), JSON.stringify({
    formatVersion: 1, sweepId: 'tiny', name: 'tiny', source: '/w/tiny.sweep.json', variedFields: ['timesteps'],
    runs: [{ runId: 'T50-aaaa', varied: { timesteps: 50 } }, { runId: 'T60-bbbb', varied: { timesteps: 60 } }, { runId: 'T70-cccc', varied: { timesteps: 70 } }],
  }));
  writeRun(out, 'T50-aaaa', { 'status.json': status('done'), 'config.json': { formatVersion: 1, runId: 'T50-aaaa', config: { timesteps: 50 }, environment: {} }, 'metrics.jsonl': steps([0.9, 0.5, 0.3]) + '{"kind":"step","step":4,"epo' , 'forward.png': 'png' });
  // Trained by this process (alive); and one whose pid now belongs to another process (started at another time).
  writeRun(out, 'T60-bbbb', { 'status.json': status('running', { pid: process.pid, step: 2 }) });
  writeRun(out, 'demo-run', { 'status.json': status('cancelled'), 'notes.md': '# mine' });
  writeRun(out, 'killed-run', { 'status.json': status('running', { pid: process.ppid, pidStart: 'linux:another-boot:1', step: 3 }) });

  const x = await readExperiments(out);
  assert.equal(x.sweeps.length, 1);
  const sweep = x.sweeps[0]!;
  assert.equal(sweep.name, 'tiny');
  assert.equal(sweep.source, '/w/tiny.sweep.json');
  assert.deepEqual(sweep.runs.map((r) => [r.runId, r.state]), [['T50-aaaa', 'done'], ['T60-bbbb', 'running'], ['T70-cccc', 'not started']]);
  const done = sweep.runs[0]!;
  assert.ok(Math.abs(done.finalLoss! - (0.9 + 0.5 + 0.3) / 3) < 1e-12, 'mean of the last epoch, torn line skipped');
  assert.equal(done.totalMs, 300);
  assert.equal(done.hasForwardStrip, true);
  assert.deepEqual(sweep.runs.map((r) => r.generatedLabel), ['T=50', 'T=60', 'T=70'], 'the panel\'s and the report\'s labels');
  assert.deepEqual(x.singleRuns.map((r) => r.generatedLabel), ['demo-run', 'killed-run'], 'outside a sweep: the run id');
  assert.deepEqual(x.singleRuns.map((r) => [r.runId, r.state, r.hasNotes]), [['demo-run', 'cancelled', true], ['killed-run', 'interrupted', false]]);
});

test('files edited into nonsense become errors on their node, not exceptions', async (t) => {
  const out = outDir(t);
  mkdirSync(path.join(out, 'sweeps', 'broken'), { recursive: true });
  writeFileSync(path.join(out, 'sweeps', 'broken', 'sweep.json'), '{"runs": "all of them"}');
  mkdirSync(path.join(out, 'sweeps', 'empty'), { recursive: true });
  writeRun(out, 'garbage-status', { 'status.json': 'not json {', 'metrics.jsonl': 'x\ny\n' });
  writeRun(out, 'wrong-state', { 'status.json': { state: 'exploded' }, 'config.json': '[]' });
  writeRun(out, 'no-status', {});

  const x = await readExperiments(out);
  assert.deepEqual(x.sweeps.map((s) => [s.sweepId, Boolean(s.error), s.runs.length]), [['broken', true, 0], ['empty', true, 0]]);
  const byId = Object.fromEntries(x.singleRuns.map((r) => [r.runId, r]));
  assert.equal(byId['garbage-status']!.state, 'unreadable');
  assert.match(byId['garbage-status']!.error!, /not valid JSON/);
  assert.equal(byId['garbage-status']!.finalLoss, undefined);
  assert.equal(byId['wrong-state']!.state, 'unreadable');
  assert.match(byId['wrong-state']!.error!, /state must be one of/);
  assert.equal(byId['no-status']!.state, 'unreadable');
  assert.equal((await readExperiments(path.join(out, 'does-not-exist'))).sweeps.length, 0);
});

test('a samples/ that cannot be listed is an error on the run, not a run without samples', async (t) => {
  const out = outDir(t);
  const dir = writeRun(out, 'samples-a-file', { 'status.json': status('done') });
  rmSync(path.join(dir, 'samples'), { recursive: true });
  writeFileSync(path.join(dir, 'samples'), '');
  const run = await readRun(dir, new MetricsCache());
  assert.equal(run.state, 'done');
  assert.deepEqual(run.samples, []);
  assert.match(run.error ?? '', /samples: cannot read \(ENOTDIR\)/);
});

test('a resumed run counts each step once and adds up the wall time of its sessions', () => {
  const parse = (text: string) => text.trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);
  const records = [...parse(steps([0.9, 0.8])), ...parse(steps([0.7, 0.6, 0.5]).replace(/"epoch":0/g, '"epoch":1'))];
  const s = measureRun(records);
  assert.equal(s.totalMs, 200 + 300);
  assert.ok(Math.abs(s.finalLoss! - (0.7 + 0.6 + 0.5) / 3) < 1e-12);
});

test('the metrics cache reads a file again only when it changed', async (t) => {
  const out = outDir(t);
  const dir = writeRun(out, 'r', { 'metrics.jsonl': steps([1]) });
  const cache = new MetricsCache();
  const first = await cache.read(dir);
  assert.equal(first.measures.finalLoss, 1);
  assert.equal(await cache.read(dir), first, 'unchanged: the same parse');
  writeFileSync(path.join(dir, 'metrics.jsonl'), steps([2, 2]));
  assert.equal((await cache.read(dir)).measures.finalLoss, 2);
});

test('the tree\'s reading of metrics.jsonl names a corrupt line with file and line, not a torn last one', async (t) => {
  const out = outDir(t);
  const torn = writeRun(out, 'torn', { 'metrics.jsonl': `${steps([1])}{"kind":"st` });
  const corrupt = writeRun(out, 'corrupt', { 'metrics.jsonl': `${steps([1])}garbage\n${steps([1])}` });
  const cache = new MetricsCache();
  assert.equal((await readRun(torn, cache)).metricsProblems, undefined);
  const summary = await readRun(corrupt, cache);
  assert.equal(summary.finalLoss, 1, 'the records around it still count');
  assert.equal(summary.metricsProblems?.length, 1);
  assert.match(summary.metricsProblems![0]!, /corrupt[/\\]metrics\.jsonl line \d+: not JSON \(garbage\)$/);
});

test('a dead trainer\'s run is marked only while status.json still names that process', async (t) => {
  const out = outDir(t);
  const mine = writeRun(out, 'mine', { 'status.json': status('running', { pid: 4242 }), 'notes.md': 'keep me' });
  const other = writeRun(out, 'other', { 'status.json': status('running', { pid: 999 }) });
  const finished = writeRun(out, 'finished', { 'status.json': status('done', { pid: 4242 }) });
  const message = describeCrash({ code: null, signal: 'SIGKILL', stderrTail: ['loading', 'out of memory'] });
  assert.match(message, /killed \(SIGKILL\).*\n.*out of memory/s);
  assert.equal(await markRunEnded({ runDir: mine, pid: 4242, state: 'failed', message }), true);
  assert.equal(await markRunEnded({ runDir: other, pid: 4242, state: 'failed', message }), false);
  assert.equal(await markRunEnded({ runDir: finished, pid: 4242, state: 'failed', message }), false);
  const s = JSON.parse(readFileSync(path.join(mine, 'status.json'), 'utf8')) as RunStatus;
  assert.equal(s.state, 'failed');
  assert.equal(s.error?.step, 4);
  assert.match(s.error!.message, /out of memory/);
  assert.equal(readFileSync(path.join(mine, 'notes.md'), 'utf8'), 'keep me');
  assert.equal((JSON.parse(readFileSync(path.join(other, 'status.json'), 'utf8')) as RunStatus).state, 'running');
});

test('a sweep file problem points at its text', () => {
  const text = '{\n  "name": "x",\n  "axes": { "imgSize": [16, -3] },\n  "bsae": {}\n}\n';
  const at = (problem: string) => {
    const span = locateSweepProblem(text, problem);
    return span && text.slice(span.offset, span.offset + span.length);
  };
  assert.equal(at('axes.imgSize[1]: must be >= 1, got -3 (a number)'), '-3');
  assert.equal(at('unknown field "bsae" (did you mean "base"?); allowed: name, base'), '"bsae"');
  assert.equal(at('axes.imgSize[7]: nope'), '[16, -3]');
  const broken = '{\n  "name": "x",\n  oops\n}';
  const span = locateSweepProblem(broken, 'not valid JSON: Unexpected token o at line 3, column 3');
  assert.equal(broken.slice(span!.offset, span!.offset + 4), 'oops');
});
