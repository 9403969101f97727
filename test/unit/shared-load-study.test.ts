import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resolveRunConfig } from '../../src/shared/runConfig';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';
import { fieldsOffBase, loadStudy, StudyError, type SweepListing } from '../../src/shared/runReading/loadStudy';
import { RunWriter } from '../../src/trainer/run/runWriter';

// Compile-time: what `diffusion-lab sweep` writes is what the report reads.
const sweepFileIsListing = (f: ResolvedSweepFile): SweepListing => f;
void sweepFileIsListing;

const root = mkdtempSync(path.join(tmpdir(), 'dl-load-study-'));
after(() => rmSync(root, { recursive: true, force: true }));

const config = resolveRunConfig({ channels: [4, 8], imgSize: 16, timesteps: 100 }, 'test');

function sweepDirWith(name: string, sweep: unknown): string {
  const dir = path.join(root, name, 'sweeps', 's');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'sweep.json'), typeof sweep === 'string' ? sweep : JSON.stringify(sweep));
  return dir;
}

test('a folder without sweep.json, bad JSON, or a run id that is a path: a StudyError that says so', async () => {
  await assert.rejects(loadStudy(path.join(root, 'nothing-here')), (e: Error) => e instanceof StudyError && /is not a sweep directory: it has no sweep\.json/.test(e.message));
  await assert.rejects(loadStudy(sweepDirWith('bad-json', '{"runs": [')), /sweep\.json: not valid JSON/);
  await assert.rejects(loadStudy(sweepDirWith('no-runs', { name: 'x' })), /not a resolved sweep \(no "runs" list\)/);
  await assert.rejects(loadStudy(sweepDirWith('escape', { runs: [{ runId: '../../etc', config }] })), /runs\[0\]\.runId must be a run directory name/);
});

test('runs as the disk has them: torn metrics line, unreadable status, missing run, notes byte for byte', async () => {
  const outDir = path.join(root, 'mixed');
  const sweepDir = sweepDirWith('mixed', {
    sweepId: 's', name: 'Mixed', spec: { base: { channels: [4, 8], imgSize: 16, timesteps: 100 }, axes: { timesteps: [100, 200] } },
    variedFields: ['timesteps'],
    runs: [
      { runId: 'torn', varied: { timesteps: 100 }, axes: ['timesteps'], repeat: 0, config },
      { runId: 'broken', varied: { timesteps: 200 }, axes: ['timesteps'], repeat: 0, config: { ...config, timesteps: 200 } },
      { runId: 'missing', varied: { timesteps: 200 }, axes: ['timesteps'], repeat: 1, config: { ...config, timesteps: 200, seed: 1 } },
    ],
  });
  const torn = await RunWriter.create(outDir, 'torn');
  await torn.writeConfig('torn', config, { backend: 'cpu', parameterCount: 1, datasetFingerprint: 'x', diffusionLabVersion: 't', createdAt: 'now' });
  torn.appendMetric({ kind: 'step', step: 1, epoch: 0, loss: 0.5, ms: 1, imagesPerSec: 1, wallMs: 1 });
  appendFileSync(torn.file('metrics.jsonl'), '{"kind":"step","step":2,"epo');
  writeFileSync(torn.file('notes.md'), 'café\r\nline\n');
  mkdirSync(path.join(outDir, 'runs', 'broken'), { recursive: true });
  writeFileSync(path.join(outDir, 'runs', 'broken', 'status.json'), '{not json');

  // Given sweep.json itself rather than its folder.
  const study = await loadStudy(path.join(sweepDir, 'sweep.json'));
  assert.equal(study.sweepDir, sweepDir);
  assert.equal(study.outDir, outDir);
  assert.equal(study.name, 'Mixed');
  assert.deepEqual(study.runs.map((r) => r.state), ['queued', 'unreadable', 'not started']);
  const [first, second, third] = study.runs;
  assert.deepEqual(first!.measures.losses.map((p) => p.loss), [0.5]);
  assert.equal(first!.notes, 'café\r\nline\n');
  assert.match(second!.problems.join(), /status\.json: not valid JSON/);
  assert.deepEqual(third!.problems, []);
  assert.equal(study.notes, undefined);
  assert.deepEqual(fieldsOffBase(study, first!), []);
  assert.deepEqual(fieldsOffBase(study, second!), ['timesteps']);
});

test('the report names a corrupt metrics line and a base config this version does not accept, instead of passing over them', async () => {
  const outDir = path.join(root, 'corrupt');
  sweepDirWith('corrupt', {
    sweepId: 's', name: 'Corrupt', spec: { base: { channels: [4, 8], imgSize: 15 } }, variedFields: [],
    runs: [{ runId: 'r', varied: {}, axes: [], repeat: 0, config }],
  });
  const run = await RunWriter.create(outDir, 'r');
  await run.writeConfig('r', config, { backend: 'cpu', parameterCount: 1, datasetFingerprint: 'x', diffusionLabVersion: 't', createdAt: 'now' });
  run.appendMetric({ kind: 'step', step: 1, epoch: 0, loss: 0.5, ms: 1, imagesPerSec: 1, wallMs: 1 });
  appendFileSync(run.file('metrics.jsonl'), 'garbage\n');
  run.appendMetric({ kind: 'step', step: 2, epoch: 0, loss: 0.25, ms: 1, imagesPerSec: 1, wallMs: 2 });
  const study = await loadStudy(path.join(outDir, 'sweeps', 's'));
  assert.match(study.baseProblem ?? '', /sweep\.json base: imgSize 15 is not divisible by 2\^1 = 2/);
  const [r] = study.runs;
  assert.deepEqual(r!.measures.losses.map((p) => p.loss), [0.5, 0.25]);
  assert.equal(r!.problems.length, 1);
  assert.match(r!.problems[0]!, /metrics\.jsonl line 2: not JSON \(garbage\)$/);
});
