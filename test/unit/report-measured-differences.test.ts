// The generated paragraph on constructed measures: what it claims follows from the numbers,
// ties within the standard errors are called indistinguishable, missing measures go unsaid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatNumber } from '../../src/shared/formatting';
import {
  GENERATED_LABEL, measuredDifferences, previewCaption, withinStdErr, type ComparedRun, type QualityComparison,
} from '../../src/shared/measuredDifferences';

const T = { timeout: 10_000 };

const run = (label: string, over: Partial<ComparedRun> = {}): ComparedRun => ({ label, finished: true, state: 'done', ...over });
const compare = (reference: ComparedRun, others: ComparedRun[], over: Partial<QualityComparison> = {}): string =>
  measuredDifferences({ reference, referenceIs: 'base', others, heldOut: 'held-out loss', ...over });
/** The bullet about one run. */
const bullet = (text: string, label: string) => text.split('\n').find((l) => l.startsWith(`- \`${label}\``));

const base = run('recipe=faithful', {
  swd: { average: 216.4, floorAverage: 110.2 }, bitsPerDim: { total: 14.5, diffusionStdErr: 0.6 }, heldOut: 0.0812,
});

test('a better run: lowered SWD with floor and ratios, bits/dim beyond the errors, held-out loss, labelled as generated', T, () => {
  const better = run('recipe=improved', { swd: { average: 151.3, floorAverage: 110.2 }, bitsPerDim: { total: 8.9, diffusionStdErr: 0.4 }, heldOut: 0.0644 });
  const text = compare(base, [better]);
  assert.ok(text.startsWith(`**${GENERATED_LABEL}**`), text);
  assert.match(text, /Against the base run \(`recipe=faithful`\)/);
  const line = bullet(text, 'recipe=improved')!;
  const n3 = (v: number) => formatNumber(v, 3);
  assert.ok(line.includes(`lowered SWD ×10³ from ${n3(216.4)} to ${n3(151.3)}`), line);
  assert.ok(line.includes(`floor ${n3(110.2)}`), line);
  assert.ok(line.includes(`ratio to the floor ${n3(216.4 / 110.2)} → ${n3(151.3 / 110.2)}`), line);
  assert.ok(line.includes('lowered bits/dim from 14.5 ± 0.6 to 8.9 ± 0.4'), line);
  assert.ok(line.includes(`lowered held-out loss from ${formatNumber(0.0812)} to ${formatNumber(0.0644)}`), line);
  assert.doesNotMatch(line, /indistinguishable/);
  // SWD and held-out loss have no error bars: the paragraph says so.
  assert.match(text, /no standard error/);
});

test('bits/dim within the standard errors reads as indistinguishable, not as better or worse', T, () => {
  const close = run('normalization=group', { bitsPerDim: { total: 14.9, diffusionStdErr: 0.5 } });
  const line = bullet(compare(base, [close]), 'normalization=group')!;
  assert.match(line, /bits\/dim 14\.9 ± 0\.5 against 14\.5 ± 0\.6: indistinguishable \(within their standard errors\)/);
  assert.doesNotMatch(line, /raised|lowered/);
  // Just outside: 14.5 + 0.6 + 0.5 < 15.7.
  const apart = run('normalization=group', { bitsPerDim: { total: 15.7, diffusionStdErr: 0.5 } });
  assert.match(bullet(compare(base, [apart]), 'normalization=group')!, /raised bits\/dim from 14\.5 ± 0\.6 to 15\.7 ± 0\.5/);
  assert.equal(withinStdErr({ total: 1, diffusionStdErr: 0.1 }, { total: 1.2, diffusionStdErr: 0.1 }), true);
  assert.equal(withinStdErr({ total: 1, diffusionStdErr: 0.1 }, { total: 1.21, diffusionStdErr: 0.1 }), false);
});

test('a measure either run lacks is not mentioned; a run with none in common says so', T, () => {
  const swdOnly = run('activation=silu', { swd: { average: 300, floorAverage: 110.2 } });
  const text = compare(run('base', { bitsPerDim: { total: 14.5, diffusionStdErr: 0.6 }, swd: { average: 200, floorAverage: 110.2 } }), [swdOnly]);
  const line = bullet(text, 'activation=silu')!;
  assert.match(line, /raised SWD ×10³ from 200 to 300/);
  assert.doesNotMatch(line, /bits\/dim|held-out/);
  assert.doesNotMatch(text, /held-out loss/, 'no held-out loss anywhere: neither run has one');

  const nothing = compare(run('base', { bitsPerDim: { total: 14.5, diffusionStdErr: 0.6 } }), [run('loss=l2', { heldOut: 0.1 })]);
  assert.match(bullet(nothing, 'loss=l2')!, /no measure in common with the base run/);
  assert.doesNotMatch(nothing, /0\.1|no standard error/);
});

test('a failed or unfinished run is named with its state and not compared', T, () => {
  const failed = run('lr=0.1', { finished: false, state: 'failed at step 4', swd: { average: 900, floorAverage: 110.2 } });
  const queued = run('lr=0.01', { finished: false, state: 'not started' });
  const text = compare(base, [failed, queued]);
  assert.equal(bullet(text, 'lr=0.1'), '- `lr=0.1` failed at step 4: not compared.');
  assert.equal(bullet(text, 'lr=0.01'), '- `lr=0.01` not started: not compared.');
  assert.doesNotMatch(text, /900/);
  assert.doesNotMatch(text, /no standard error/, 'nothing measured was stated');
});

test('equal readings are left as they are; different floors say to compare the ratios', T, () => {
  const same = run('seed=1', { swd: { average: 216.41, floorAverage: 110.2 }, heldOut: 0.081201 });
  const line = bullet(compare(base, [same]), 'seed=1')!;
  assert.match(line, /left SWD ×10³ at 216/);
  assert.match(line, /ratio to the floor 1\.96 for both/);
  assert.match(line, /left held-out loss at 0\.0812/);

  const otherN = run('sampleCount=64', { swd: { average: 120, floorAverage: 40 } });
  assert.match(bullet(compare(base, [otherN]), 'sampleCount=64')!, /floors 110 and 40, so compare the ratios; ratio to the floor 1\.96 → 3/);
});

test('the weight average against the raw weights; another reference than the base; the held-out MSE by name', T, () => {
  const ema = run('recipe=improved', { swd: { average: 151, floorAverage: 110 }, swdRaw: { average: 190, floorAverage: 110 }, heldOut: 0.05 });
  const text = compare(run('T=300', { swd: { average: 216, floorAverage: 110 }, heldOut: 0.07 }), [ema], { referenceIs: 'first', heldOut: 'held-out MSE' });
  assert.match(text, /Against `T=300` \(the first finished run; the base run did not finish\)/);
  assert.match(bullet(text, 'recipe=improved')!, /Its weight average scored SWD ×10³ 151, its raw weights 190 on the same noise\./);
  assert.match(bullet(text, 'recipe=improved')!, /lowered held-out MSE from 0\.07 to 0\.05/);
  assert.match(text, /SWD and the held-out MSE come from one draw each/);
});

test('preview captions: epoch, wall time and SWD with its floor, the parts there are', T, () => {
  assert.equal(previewCaption({ epoch: 3, atMs: 72_400, swd: { average: 151.26, floorAverage: 110.04 } }),
    `epoch 3 · ${formatDuration(72_400)} · SWD 151 (floor 110)`);
  assert.equal(previewCaption({ epoch: 2, atMs: 5_000 }), `epoch 2 · ${formatDuration(5_000)}`);
  assert.equal(previewCaption({ epoch: 1 }), 'epoch 1');
});
