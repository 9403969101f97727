// The report's quality comparison on constructed runs: which run is the reference, the rows
// and their differences to it, runs left out for not finishing, and the labels of a recipe
// ablation (a varied recipe's own values are left to its name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { qualityTable, qualityTableMarkdown, runLabel } from '../../src/shared/comparisonTable';
import { formatNumber } from '../../src/shared/formatting';
import { resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import { RUN_CONFIG_FIELDS } from '../../src/shared/runConfigSchema';
import type { RunDisplayState } from '../../src/shared/runDirectory';
import type { Study, StudyRun } from '../../src/shared/runReading/loadStudy';
import { measureRun } from '../../src/shared/runReading/runMeasures';

const T = { timeout: 10_000 };

interface Quality {
  swd?: number;
  floor?: number;
  raw?: number;
  bpd?: [number, number];
  heldOut?: { loss: number; mse: number };
}

/** The final evaluation records a run writes, for the measures given. */
function records(q: Quality): unknown[] {
  const stamp = { kind: 'eval', epoch: 3, step: 30, images: 8, seed: 0, ms: 1, wallMs: 100 };
  const swd = (average: number, weights?: 'raw' | 'ema') => ({
    ...stamp, metric: 'swd', resolutions: [8], swd: [average], average, floor: [q.floor ?? 100], floorAverage: q.floor ?? 100, ...(weights ? { weights } : {}),
  });
  return [
    ...(q.heldOut ? [{ ...stamp, metric: 'heldOutLoss', loss: 'l1', buckets: [], meanLoss: q.heldOut.loss, meanMse: q.heldOut.mse }] : []),
    ...(q.bpd ? [{ ...stamp, metric: 'bitsPerDim', total: q.bpd[0], diffusionStdErr: q.bpd[1], prior: 0, diffusion: q.bpd[0], decoder: 0, timesteps: 4, exact: false, variance: 'posterior', clipDenoised: true }] : []),
    ...(q.raw !== undefined ? [swd(q.raw, 'raw')] : []),
    ...(q.swd !== undefined ? [swd(q.swd, q.raw !== undefined ? 'ema' : undefined)] : []),
  ];
}

function studyOf(base: RunConfig, runs: Array<{ id: string; config: RunConfig; state?: RunDisplayState; q?: Quality; repeat?: number }>): Study {
  const configs = runs.map((r) => r.config);
  const variedFields = RUN_CONFIG_FIELDS.filter((f) => new Set(configs.map((c) => JSON.stringify(c[f]))).size > 1);
  const studyRuns = runs.map((r): StudyRun => ({
    runId: r.id, dir: `/nowhere/${r.id}`, varied: Object.fromEntries(variedFields.map((f) => [f, r.config[f]])), axes: [],
    repeat: r.repeat ?? 0, config: r.config, state: r.state ?? 'done', measures: measureRun(records(r.q ?? {})),
    reverseStrips: [], sampleGrids: [], problems: [],
    ...(r.state === 'failed' ? { error: { message: 'loss became NaN', step: 4 } } : {}),
  }));
  return { sweepDir: '/nowhere/sweeps/s', outDir: '/nowhere', sweepId: 's', name: 's', spec: {}, base, variedFields, runs: studyRuns };
}

const config = (over: Partial<RunConfig>) => resolveRunConfig({ channels: [4, 8], imgSize: 8, ...over }, 'test');
const base = config({ timesteps: 300 });

/** A row of the table by its label, as cells by column name. */
function rowOf(table: NonNullable<ReturnType<typeof qualityTable>>, label: string): Record<string, string> {
  const row = table.rows.find((r) => r[0] === label);
  assert.ok(row, `a row labelled ${label}: ${table.rows.map((r) => r[0]).join('; ')}`);
  return Object.fromEntries(table.header.map((h, i) => [h, row[i]!]));
}

test('the base run is the reference wherever it is listed; the others show their difference to it', T, () => {
  const study = studyOf(base, [
    { id: 'T250', config: config({ timesteps: 250 }), q: { swd: 150, floor: 100, bpd: [9, 0.5], heldOut: { loss: 0.06, mse: 0.1 } } },
    { id: 'T300', config: base, q: { swd: 200, floor: 100, bpd: [9.4, 0.3], heldOut: { loss: 0.08, mse: 0.12 } } },
    { id: 'T350', config: config({ timesteps: 350 }), state: 'failed', q: { swd: 999 } },
  ]);
  const table = qualityTable(study)!;
  assert.deepEqual(table.runs.map((r) => r.runId), ['T300', 'T250'], 'the reference first, the failed run left out');
  assert.deepEqual(table.header, ['run', 'SWD ×10³', 'SWD floor', 'SWD / floor', 'bits/dim', 'held-out loss']);
  const ref = rowOf(table, 'T=300 (base)');
  assert.deepEqual(ref, { run: 'T=300 (base)', 'SWD ×10³': '200', 'SWD floor': '100', 'SWD / floor': '2', 'bits/dim': '9.4 ± 0.3', 'held-out loss': '0.08' });
  const other = rowOf(table, 'T=250');
  assert.equal(other['SWD ×10³'], `150 (${formatNumber(150 - 200, 3)})`);
  assert.equal(other['SWD / floor'], '1.5 (-0.5)');
  assert.equal(other['bits/dim'], `9 ± 0.5 (${formatNumber(9 - 9.4, 3)}, within errors)`);
  assert.equal(other['held-out loss'], `0.06 (${formatNumber(0.06 - 0.08, 3)})`);
  const md = qualityTableMarkdown(table);
  assert.match(md, /Not finished, so not compared: `T=350` \(failed at step 4\)\./);
  assert.doesNotMatch(md, /999/);
  assert.match(table.comparison.reference.label, /^T=300$/, 'the paragraph calls it the base run already');
});

test('no finished base run: the first finished run is the reference, and says so', T, () => {
  const study = studyOf(base, [
    { id: 'T300', config: base, state: 'failed' },
    { id: 'T250', config: config({ timesteps: 250 }), q: { swd: 150 } },
    { id: 'T350', config: config({ timesteps: 350 }), q: { swd: 180 } },
  ]);
  const table = qualityTable(study)!;
  assert.equal(table.comparison.referenceIs, 'first');
  assert.equal(table.rows[0]![0], 'T=250 (reference)');
  assert.match(table.footnotes[0]!, /the reference run/);
  assert.deepEqual(table.header, ['run', 'SWD ×10³', 'SWD floor', 'SWD / floor', 'bits/dim', 'held-out loss']);
  assert.equal(rowOf(table, 'T=350')['bits/dim'], '–', 'a measure nobody has reads as missing');
});

test('fewer than two finished runs: nothing to compare', T, () => {
  assert.equal(qualityTable(studyOf(base, [{ id: 'T300', config: base, q: { swd: 1 } }, { id: 'T250', config: config({ timesteps: 250 }), state: 'running' }])), undefined);
});

test('a recipe ablation: labels by recipe, held-out MSE across losses, the raw weights column', T, () => {
  const faithful = config({});
  const improved = config({ recipe: 'improved' });
  const group = config({ normalization: 'group' });
  const study = studyOf(faithful, [
    { id: 'faithful', config: faithful, q: { swd: 216, floor: 110, heldOut: { loss: 0.3, mse: 0.2 } } },
    { id: 'improved', config: improved, q: { swd: 151, raw: 170, floor: 110, heldOut: { loss: 0.15, mse: 0.15 } } },
    { id: 'group', config: group, q: { swd: 210, floor: 110, heldOut: { loss: 0.29, mse: 0.19 } } },
  ]);
  assert.ok(study.variedFields.includes('recipe') && study.variedFields.includes('activation'), 'the recipe changes more than its own field');
  assert.deepEqual(study.runs.map((r) => runLabel(study, r)), ['recipe=faithful (base)', 'recipe=improved', 'normalization=group']);
  const table = qualityTable(study)!;
  assert.ok(table.header.includes('held-out MSE') && !table.header.includes('held-out loss'), table.header.join(', '));
  assert.equal(rowOf(table, 'recipe=improved')['held-out MSE'], `0.15 (${formatNumber(0.15 - 0.2, 3)})`);
  assert.equal(rowOf(table, 'recipe=improved')['SWD ×10³, raw weights'], '170');
  assert.equal(rowOf(table, 'recipe=faithful (base)')['SWD ×10³, raw weights'], '–');
  assert.match(table.footnotes.join('\n'), /different losses/);
});
