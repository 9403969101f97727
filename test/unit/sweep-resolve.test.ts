import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import type { SweepSpec } from '../../src/shared/sweepSpec';
import { slug, variedLabel } from '../../src/shared/formatting';
import { RECIPE_VALUES } from '../../src/shared/recipes';
import { configHash, resolveSweep } from '../../src/shared/sweepChecks/resolveSweep';
import { SweepError } from '../../src/shared/sweepChecks/sweepProblem';
import { validateSweepSpec } from '../../src/shared/sweepChecks/validateSweepSpec';
import { readSweepFile } from '../../src/trainer/sweep/readSweepFile';

const SWEEPS = path.resolve(__dirname, '../../sweeps');
const shipped = (name: string) => resolveSweep(readSweepFile(path.join(SWEEPS, name)), path.join(SWEEPS, name));
const resolve = (spec: unknown, opts = {}) => resolveSweep(validateSweepSpec(spec, 'x.sweep.json'), 'x.sweep.json', opts);

test('axes vary one field at a time around base; the centre run is listed once, on every axis', () => {
  const sweep = shipped('assignment.sweep.json');
  assert.equal(sweep.sweepId, 'assignment');
  assert.deepEqual(sweep.variedFields, ['timesteps', 'imgSize', 'batchSize']);
  // 3 + 4 + 3 values, the centre (T 300, 32 px, batch 128) shared by all three axes.
  assert.equal(sweep.runs.length, 8);
  const key = (r: (typeof sweep.runs)[number]) => `${r.config.timesteps}/${r.config.imgSize}/${r.config.batchSize}`;
  assert.deepEqual(sweep.runs.map(key), ['250/32/128', '300/32/128', '350/32/128', '300/16/128', '300/64/128', '300/128/128', '300/32/64', '300/32/256']);
  const centre = sweep.runs[1]!;
  assert.deepEqual(centre.axes, ['timesteps', 'imgSize', 'batchSize']);
  assert.deepEqual(sweep.runs[5]!.axes, ['imgSize']);
  assert.deepEqual(sweep.runs[5]!.varied, { timesteps: 300, imgSize: 128, batchSize: 128 });
  for (const r of sweep.runs) {
    assert.deepEqual(r.config.channels, [64, 128, 256, 512, 1024], 'the reference model');
    assert.equal(r.config.epochs, 20);
    assert.equal(r.config.lr, 1e-4);
  }
  assert.match(sweep.runs[0]!.runId, /^T250-32px-b128-[0-9a-f]{4}$/);
  // An axis that does not list the base value has no centre run.
  assert.deepEqual(resolve({ axes: { timesteps: [250, 350] } }).runs.map((r) => r.config.timesteps), [250, 350]);
  assert.match(sweep.runs[5]!.runId, /^T300-128px-b128-[0-9a-f]{4}$/);
});

test('grid: every combination; grid with axes: the axes around each combination', () => {
  const grid = resolve({ base: { preset: 'small' }, grid: { imgSize: [16, 32], batchSize: [32, 64, 128], loss: ['l1', 'l2'] } });
  assert.equal(grid.runs.length, 12);
  assert.equal(new Set(grid.runs.map((r) => `${r.config.imgSize}/${r.config.batchSize}/${r.config.loss}`)).size, 12);
  assert.deepEqual(grid.variedFields, ['imgSize', 'batchSize', 'loss']);
  for (const r of grid.runs) assert.deepEqual(r.axes, []);

  const both = shipped('activations-losses.sweep.json');
  // Per size: relu/l1 (the centre), silu, gelu, l2, smooth-l1.
  assert.equal(both.runs.length, 10);
  assert.deepEqual(both.variedFields, ['imgSize', 'activation', 'loss']);
  for (const size of [16, 32]) {
    const runs = both.runs.filter((r) => r.config.imgSize === size).map((r) => `${r.config.activation}/${r.config.loss}`);
    assert.deepEqual(runs, ['relu/l1', 'silu/l1', 'gelu/l1', 'relu/l2', 'relu/smooth-l1']);
  }
  assert.match(both.runs.find((r) => r.config.activation === 'silu')!.runId, /^16px-silu-l1-[0-9a-f]{4}$/);
});

test('repeats train each config with seeds seed, seed + 1, ...', () => {
  const sweep = resolve({ base: { seed: 10 }, axes: { timesteps: [250, 300] }, repeats: 3 });
  assert.equal(sweep.runs.length, 6);
  assert.deepEqual(sweep.runs.map((r) => [r.config.timesteps, r.config.seed, r.repeat]),
    [[250, 10, 0], [300, 10, 0], [250, 11, 1], [300, 11, 1], [250, 12, 2], [300, 12, 2]]);
  assert.deepEqual(sweep.variedFields, ['timesteps', 'seed']);
  assert.match(sweep.runs[3]!.runId, /^T300-s11-[0-9a-f]{4}$/);
});

test('ids are stable, unique, and change with any field of the config', () => {
  const a = shipped('assignment.sweep.json');
  const b = shipped('assignment.sweep.json');
  assert.deepEqual(a.runs.map((r) => r.runId), b.runs.map((r) => r.runId));
  assert.equal(new Set(a.runs.map((r) => r.runId)).size, a.runs.length);
  for (const r of a.runs) assert.match(r.runId, /^[A-Za-z0-9._-]+$/);

  // A field that is the same in every run is not in the id's labels, but it is in the hash.
  const x = resolve({ base: { lr: 1e-3 }, axes: { timesteps: [250, 300] } });
  const y = resolve({ base: { lr: 2e-3 }, axes: { timesteps: [250, 300] } });
  assert.equal(x.runs[0]!.runId.replace(/-[0-9a-f]+$/, ''), y.runs[0]!.runId.replace(/-[0-9a-f]+$/, ''));
  assert.notEqual(x.runs[0]!.runId, y.runs[0]!.runId);
  // A config.json from before a field existed hashes as that field at its default.
  const full = x.runs[0]!.config;
  const { seed: _seed, ...withoutSeed } = full;
  assert.equal(configHash(withoutSeed), configHash(full));
  assert.notEqual(configHash({ ...full, seed: 1 }), configHash(full));
  // Writing a default out changes nothing.
  assert.equal(resolve({ base: { lr: DEFAULT_RUN_CONFIG.lr }, axes: { timesteps: [250] } }).runs[0]!.runId,
    resolve({ axes: { timesteps: [250] } }).runs[0]!.runId);
});

test('a single config is named by its main fields; the sweep by its name or its file', () => {
  const one = resolve({});
  assert.equal(one.runs.length, 1);
  assert.match(one.runs[0]!.runId, /^T300-32px-b128-relu-l1-[0-9a-f]{4}$/);
  assert.equal(one.sweepId, 'x');
  assert.equal(resolve({ name: 'Step 4: Activations & Losses' }).sweepId, 'step-4-activations-losses');
  assert.equal(resolve({ name: '../..' }).sweepId, 'sweep');
  assert.equal(slug('../..'), '');
});

test('a varied preset brings its widths without naming them in the id', () => {
  const sweep = resolve({ axes: { preset: ['reference', 'small'] } });
  assert.deepEqual(sweep.variedFields, ['preset', 'channels']);
  assert.match(sweep.runs[1]!.runId, /^small-[0-9a-f]{4}$/);
  assert.deepEqual(sweep.runs[1]!.config.channels, [32, 64, 128, 256]);
});

test('the ablation template: faithful, each fix of the improved recipe on its own, and improved; named by what each changes', () => {
  const sweep = shipped('faithful-vs-improved.sweep.json');
  const labels = sweep.runs.map((r) => variedLabel(r.varied, r.runId));
  assert.equal(labels[0], 'recipe=faithful');
  assert.ok(labels.includes('recipe=improved'));
  const improved = sweep.runs.find((r) => r.config.recipe === 'improved')!;
  for (const [field, value] of Object.entries(RECIPE_VALUES.improved)) assert.deepEqual(improved.config[field as keyof typeof improved.config], value, field);
  // Every other run is faithful with exactly one field changed, and every field the recipe sets is one of them.
  const base = sweep.runs[0]!.config;
  const changed = sweep.runs.filter((r) => r.config.recipe === 'faithful' && r !== sweep.runs[0]).map((r) => {
    const fields = (Object.keys(base) as (keyof typeof base)[]).filter((f) => JSON.stringify(r.config[f]) !== JSON.stringify(base[f]));
    assert.equal(fields.length, 1, `${r.runId} changes ${fields.join(', ')}`);
    assert.deepEqual(r.config[fields[0]!], (RECIPE_VALUES.improved as Record<string, unknown>)[fields[0]!], `${r.runId}: the improved recipe's value`);
    return fields[0]!;
  });
  assert.deepEqual(new Set(changed), new Set(Object.keys(RECIPE_VALUES.improved).filter((f) => f !== 'previewSampler' && f !== 'previewCount')));
  assert.ok(sweep.runs.every((r) => r.runId.length < 40), sweep.runs.map((r) => r.runId).join(' '));
  assert.match(sweep.runs.find((r) => r.config.normalization === 'group' && r.config.recipe === 'faithful')!.runId, /^faithful-normalization-group-[0-9a-f]{4}$/);
});

test('the demo trains the two recipes side by side', () => {
  const sweep = shipped('demo.sweep.json');
  assert.deepEqual(sweep.runs.map((r) => variedLabel(r.varied, r.runId)), ['recipe=faithful', 'recipe=improved']);
  assert.equal(sweep.maxParallelRuns, 2);
  assert.deepEqual(sweep.runs.map((r) => r.config.imgSize), [16, 16]);
});

test('more than 1,000 runs need --yes', () => {
  const spec = { base: { preset: 'small' }, grid: { timesteps: Array.from({ length: 11 }, (_, i) => 100 + i), seed: Array.from({ length: 10 }, (_, i) => i), lr: [1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4, 7e-4, 8e-4, 9e-4, 1e-3] } };
  assert.throws(() => resolve(spec), (e: Error) => e instanceof SweepError && /describes 1,100 runs, more than 1,000; check the grid, or pass --yes/.test(e.message));
  assert.equal(resolve(spec, { allowManyRuns: true }).runs.length, 1100);
  assert.equal(resolve({ ...spec, grid: { ...spec.grid, timesteps: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000] } }).runs.length, 1000);
});

test('invalid run configs are reported per run, with the run\'s values', () => {
  assert.throws(() => resolve({ axes: { imgSize: [16, 24, 40] } }), (e: Error) => {
    assert.ok(e instanceof SweepError);
    assert.deepEqual(e.problems, [
      'run (imgSize=24): imgSize 24 is not divisible by 2^4 = 16 (the U-Net halves the image 4 times)',
      'run (imgSize=40): imgSize 40 is not divisible by 2^4 = 16 (the U-Net halves the image 4 times)',
    ]);
    return /^x\.sweep\.json: 2 problems\n {2}run \(imgSize=24\)/.test(e.message);
  });
  assert.throws(() => resolve({ base: { betaEnd: 0.001 }, grid: { betaStart: [1e-4, 0.01] } }),
    /run \(betaStart=0\.01\): betaStart\/betaEnd need 0 < betaStart < betaEnd < 1/);
});

test('the derived spec type accepts what the schema accepts', () => {
  const spec: SweepSpec = { name: 'typed', base: { imgSize: 16, preset: 'small' }, axes: { loss: ['l1', 'huber'] }, repeats: 2, maxParallelRuns: 2 };
  assert.equal(resolve(spec).runs.length, 4);
});
