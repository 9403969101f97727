// The shipped ablation template (sweeps/faithful-vs-improved.sweep.json) as a person runs it,
// with its axes as shipped and only the base shrunk to seconds: every run trains to done, and
// `diffusion-lab report` on it compares each fix with the faithful base in a table, in words
// and in grids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, cli, tempOut } from '../helpers/cli';

const ROOT = path.resolve(__dirname, '../..');
const TINY_BASE = {
  channels: [4, 8], imgSize: 8, toyCarsCount: 48, heldOutCount: 16, heldOutFraction: 0.34, batchSize: 8, epochs: 2, maxSteps: 6,
  sampleEvery: 1, previewCount: 4, ddimSteps: 4, timesteps: 20, sampleCount: 4, evalImages: 8, evalTimesteps: 4, backend: 'wasm',
};

test('the faithful-vs-improved template trains every fix and the report compares each with the base', { timeout: 10 * 60_000 }, (t) => {
  assert.ok(CLI);
  const dir = tempOut(t, 'dl-ablation-');
  const spec = JSON.parse(readFileSync(path.join(ROOT, 'sweeps/faithful-vs-improved.sweep.json'), 'utf8')) as { base: object; axes: Record<string, unknown[]> };
  spec.base = { ...spec.base, ...TINY_BASE };
  const file = path.join(dir, 'faithful-vs-improved.sweep.json');
  writeFileSync(file, JSON.stringify(spec, null, 2));
  const out = path.join(dir, 'out');

  const sweep = cli(['sweep', file, '--out', out, '--threads', '1']);
  assert.equal(sweep.code, 0, sweep.stderr.slice(-3000));
  const fixes = Object.keys(spec.axes).filter((f) => f !== 'recipe');
  assert.equal(fixes.length, 10);

  const report = cli(['report', '--sweep', path.join(out, 'sweeps', 'faithful-vs-improved'), '--format', 'md']);
  assert.equal(report.code, 0, report.stderr);
  const md = readFileSync(path.join(out, 'sweeps', 'faithful-vs-improved', 'report.md'), 'utf8');
  const comparison = md.slice(md.indexOf('## Comparison'));
  const rows = comparison.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| run') && !l.startsWith('| ---'));
  const table = rows.slice(0, 12);
  assert.match(table[0]!, /^\| recipe=faithful \(base\) \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/, 'the base row first, with its SWD, floor and ratio');
  assert.ok(table.some((r) => r.startsWith('| recipe=improved |')), table.join('\n'));
  // One row per fix, named by the one field it changes, each with its difference to the base.
  for (const field of fixes) {
    const row = table.find((r) => r.startsWith(`| ${field}=`));
    assert.ok(row, `no row for ${field}:\n${table.join('\n')}`);
    assert.match(row, /\| [\d.]+ \([+-][\d.e-]+\) \|/, `${field}: SWD with its difference to the base`);
  }
  assert.match(comparison, /Generated from the measurements/);
  assert.match(comparison, /recipe=improved` (lowered|raised|left) SWD ×10³/);
});
