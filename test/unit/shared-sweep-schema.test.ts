import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import { RUN_CONFIG_FIELDS, RUN_CONFIG_PROPERTIES } from '../../src/shared/runConfigSchema';
import { SWEEP_SCHEMA, sweepSchemaText } from '../../src/shared/sweepSchema';
import { jsonPath, SweepError } from '../../src/shared/sweepChecks/sweepProblem';
import { validateSweepSpec } from '../../src/shared/sweepChecks/validateSweepSpec';
import { readSweepFile } from '../../src/trainer/sweep/readSweepFile';

const ROOT = path.resolve(__dirname, '../..');

/** The problems a spec is rejected with (fails the test if it is accepted). */
function problems(spec: unknown): string[] {
  try {
    validateSweepSpec(spec, 'x.sweep.json');
  } catch (err) {
    assert.ok(err instanceof SweepError, `not a SweepError: ${String(err)}`);
    assert.match(err.message, /^x\.sweep\.json: /, 'the message names the file');
    return err.problems;
  }
  assert.fail(`accepted ${JSON.stringify(spec)}`);
}

test('the schema covers exactly the RunConfig fields, so a new field cannot be left out', () => {
  assert.deepEqual([...RUN_CONFIG_FIELDS].sort(), Object.keys(DEFAULT_RUN_CONFIG).sort());
  const lists = (k: 'axes' | 'grid') => Object.keys(SWEEP_SCHEMA.properties[k].properties).sort();
  assert.deepEqual(Object.keys(SWEEP_SCHEMA.properties.base.properties).sort(), Object.keys(DEFAULT_RUN_CONFIG).sort());
  assert.deepEqual(lists('axes'), Object.keys(DEFAULT_RUN_CONFIG).sort());
  assert.deepEqual(lists('grid'), Object.keys(DEFAULT_RUN_CONFIG).sort());
});

test('every field has a one-line description, and the defaults are RunConfig\'s', () => {
  for (const [field, schema] of Object.entries(RUN_CONFIG_PROPERTIES)) {
    assert.ok(schema.description.length > 10 && !schema.description.includes('\n'), field);
    if ('default' in schema) assert.deepEqual(schema.default, DEFAULT_RUN_CONFIG[field as keyof typeof DEFAULT_RUN_CONFIG], field);
  }
  for (const [key, schema] of Object.entries(SWEEP_SCHEMA.properties)) {
    assert.ok(schema.description.length > 10 && !schema.description.includes('\n'), key);
  }
});

test('the default config passes the schema (base holding every field)', () => {
  assert.doesNotThrow(() => validateSweepSpec({ base: { ...DEFAULT_RUN_CONFIG } }, 'x'));
});

test('schemas/sweep.schema.json is the TypeScript schema, as the build writes it', () => {
  assert.equal(readFileSync(path.join(ROOT, 'schemas/sweep.schema.json'), 'utf8'), sweepSchemaText(), 'run npm run build to regenerate it');
});

test('the shipped sweep files validate', () => {
  const files = readdirSync(path.join(ROOT, 'sweeps')).filter((f) => f.endsWith('.sweep.json'));
  assert.deepEqual(files.sort(), ['activations-losses.sweep.json', 'assignment.sweep.json', 'demo.sweep.json', 'faithful-vs-improved.sweep.json']);
  for (const f of files) assert.doesNotThrow(() => readSweepFile(path.join(ROOT, 'sweeps', f)), f);
});

test('unknown field: names the path, suggests the likely one, lists the allowed ones', () => {
  const [p] = problems({ base: { imgsize: 32 } });
  assert.match(p!, /^base: unknown field "imgsize" \(did you mean "imgSize"\?\); allowed: recipe, preset, channels, dataset, /);
  assert.match(problems({ axis: { timesteps: [1] } })[0]!, /^unknown field "axis" \(did you mean "axes"\?\); allowed: \$schema, name, description, base, axes, grid, repeats, maxParallelRuns, slurm$/);
  assert.match(problems({ grid: { learningRate: [1] } })[0]!, /^grid: unknown field "learningRate"; allowed: .*\blr\b/);
});

test('wrong type and wrong names: the path and the allowed values', () => {
  assert.deepEqual(problems({ base: { imgSize: '32' } }), ['base.imgSize: must be an integer, got "32" (a string)']);
  assert.deepEqual(problems({ axes: { activation: ['relu', 'swish'] } }),
    ['axes.activation[1]: "swish" (a string) is not allowed; allowed: "relu", "silu", "gelu", "leaky-relu", "elu", "mish"']);
  assert.deepEqual(problems({ axes: { timesteps: 300 } }), ['axes.timesteps: must be an array, got 300 (a number)']);
  assert.deepEqual(problems({ grid: { channels: [[32, 64.5]] } }), ['grid.channels[0][1]: must be an integer, got 64.5 (a number)']);
});

test('out of range', () => {
  assert.deepEqual(problems({ base: { timesteps: 1 } }), ['base.timesteps: must be >= 2, got 1 (a number)']);
  assert.deepEqual(problems({ axes: { lr: [0.001, 0] } }), ['axes.lr[1]: must be > 0, got 0 (a number)']);
  assert.deepEqual(problems({ repeats: 0 }), ['repeats: must be >= 1, got 0 (a number)']);
  assert.deepEqual(problems({ maxParallelRuns: 1000 }), ['maxParallelRuns: must be <= 64, got 1000 (a number)']);
});

test('empty axis, empty axes, duplicate values', () => {
  assert.deepEqual(problems({ axes: { imgSize: [] } }), ['axes.imgSize: is empty; list at least one value']);
  assert.deepEqual(problems({ axes: {} }), ['axes: is empty; list at least one field with its values']);
  assert.deepEqual(problems({ grid: { batchSize: [64, 128, 64] } }),
    ['grid.batchSize: lists 64 (a number) twice (items 0 and 2); each value gives a run, so that would be a duplicate run']);
});

test('all problems are reported at once', () => {
  assert.equal(problems({ base: { imgSize: 0, loss: 'nll' }, repeats: 'two' }).length, 3);
});

test('contradicting fields', () => {
  assert.deepEqual(problems({ axes: { imgSize: [16, 32] }, grid: { imgSize: [64] } }),
    ['axes.imgSize: imgSize is also in grid; vary it in axes (one at a time) or in grid (every combination), not both']);
  assert.deepEqual(problems({ base: { batchSize: 64 }, grid: { batchSize: [64, 128] } }),
    ['base.batchSize: is never used, since grid.batchSize sets batchSize in every run; remove one of them']);
  assert.match(problems({ repeats: 3, axes: { seed: [1, 2] } })[0]!, /^repeats: sets each run's seed/);
  assert.match(problems({ base: { channels: [8, 16] }, axes: { preset: ['reference', 'small'] } })[0]!,
    /^axes\.preset: has no effect, since base\.channels sets the widths/);
});

test('a file that is not JSON: line and column', (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-sweep-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bad.sweep.json');
  writeFileSync(file, '{\n  "name": "x",\n}\n');
  assert.throws(() => readSweepFile(file), (e: Error) => e instanceof SweepError && e.message.startsWith(`${file}: not valid JSON`) && /line 3, column 1/.test(e.message));
  assert.throws(() => readSweepFile(path.join(dir, 'missing.sweep.json')), /missing\.sweep\.json: cannot read \(ENOENT\)/);
});

test('JSON paths read like code', () => {
  assert.equal(jsonPath(''), '(top level)');
  assert.equal(jsonPath('/axes/imgSize/0'), 'axes.imgSize[0]');
  assert.equal(jsonPath('/a~1b/c d'), '["a/b"]["c d"]');
});
