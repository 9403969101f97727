// The report says what the panel says: each run in the same colour by the same rule, the loss
// against the step (the panel's default x axis), the base run labelled like the others, and
// every loss named (which of final, best, smoothed, step it is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runColor as panelRunColor } from '../../webview/colors';
import { RUN_PALETTE, runColor } from '../../src/shared/runColors';
import { chartLayout, renderLineChartSvg, seriesColor } from '../../src/trainer/report/chartImage';
import { buildStudyDocument, runColors } from '../../src/trainer/report/studyDocument';
import { comparisonTable, runLabel } from '../../src/shared/comparisonTable';
import { BEST_LOSS, FINAL_LOSS } from '../../src/shared/lossNames';
import { resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import type { Study, StudyRun } from '../../src/shared/runReading/loadStudy';
import { measureRun } from '../../src/shared/runReading/runMeasures';
import { readRunSummary } from '../../src/extension/panel/runSummary';
import { formatSummaryTable } from '../../src/trainer/sweep/sweepSummary';

const T = { timeout: 30_000 };

const config = (over: Partial<RunConfig>) => resolveRunConfig({ channels: [4, 8], imgSize: 8, ...over }, 'test');
const base = config({ timesteps: 300 });

/** Three epochs of three steps: the runs know their steps per epoch, so an epoch axis was possible. */
function lossRecords(offset: number): unknown[] {
  const out: unknown[] = [];
  for (let s = 1; s <= 9; s++) {
    const epoch = Math.floor((s - 1) / 3);
    out.push({ kind: 'step', step: s, epoch, loss: 1 / s + offset, ms: 1, imagesPerSec: 1, wallMs: s });
    if (s % 3 === 0) out.push({ kind: 'epoch', epoch, step: s, meanLoss: 1 / (s - 1) + offset, ms: 3, wallMs: s });
  }
  return out;
}

/** A T axis sweep in sweep.json's order: T=250, the base T=300, T=350. */
function study(): Study {
  const configs = [config({ timesteps: 250 }), base, config({ timesteps: 350 })];
  const runs = configs.map((c, i): StudyRun => ({
    runId: `T${c.timesteps}`, dir: `/nowhere/T${c.timesteps}`, varied: { timesteps: c.timesteps }, axes: ['timesteps'],
    repeat: 0, config: c, state: 'done', measures: measureRun(lossRecords(i / 100)), reverseStrips: [], sampleGrids: [], problems: [],
  }));
  return { sweepDir: '/nowhere/sweeps/s', outDir: '/nowhere', sweepId: 's', name: 's', spec: {}, base, variedFields: ['timesteps'], runs };
}

test('the panel and the report give run i the same colour, by the one shared rule', T, () => {
  for (let i = 0; i < 14; i++) {
    assert.equal(panelRunColor(i, false), runColor(i), `panel, run ${i}`);
    assert.equal(seriesColor(i), runColor(i), `report chart, run ${i}`);
  }
  // The report's default palette is the panel's default theme's.
  assert.equal(panelRunColor(2, false), RUN_PALETTE[2].hex);
  // The report colours runs by their sweep position, which is the panel's colorIndex.
  const s = study();
  assert.deepEqual(s.runs.map((r) => runColors(s).get(r)), s.runs.map((_, i) => panelRunColor(i, false)));
});

test('the report plots the loss against the step, names the loss, and colours runs as the panel', T, async () => {
  const s = study();
  const blocks = await buildStudyDocument(s, { chartText: false, now: new Date(0) });
  const loss = blocks.find((b) => b.kind === 'figure' && b.id === 'loss-all-runs');
  assert.ok(loss && loss.kind === 'figure');
  // Without fonts the caption gives the axes and colours in words.
  assert.match(loss.caption!, /Axes: step across, step loss \(training\) up\. Colours: blue: T=250; orange: T=300 \(base\); green: T=350\./);
  const text = blocks.filter((b) => b.kind === 'markdown').map((b) => (b.kind === 'markdown' ? b.text : '')).join('\n');
  assert.ok(text.includes(`*${FINAL_LOSS.label}* is the mean training loss over the last epoch`), 'the loss section says which loss the tables give');
});

test('the base run is labelled by its own values, like the others, in the panel and the report', T, async () => {
  const s = study();
  assert.deepEqual(s.runs.map((r) => runLabel(s, r)), ['T=250', 'T=300 (base)', 'T=350']);
  const blocks = await buildStudyDocument(s, { chartText: false, now: new Date(0) });
  const heading = blocks.find((b) => b.id === 'run-T300');
  assert.ok(heading && heading.kind === 'markdown');
  assert.match(heading.text, /^`T=300 \(base\)` · done/m);
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-label-'));
  try {
    for (const [i, r] of s.runs.entries()) {
      const place = { runId: r.runId, dir: path.join(dir, r.runId), colorIndex: i, varied: { timesteps: r.config.timesteps }, base, repeat: 0 };
      const summary = await readRunSummary(place, [], [], (f) => f);
      assert.equal(summary.label, runLabel(s, r), `panel label of ${r.runId}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the report\'s table and the CLI table say which loss they show', T, () => {
  const table = comparisonTable(study());
  assert.ok(table.header.includes(FINAL_LOSS.label) && table.header.includes(BEST_LOSS.label), table.header.join(' | '));
  assert.ok(table.footnotes.some((f) => f.includes(FINAL_LOSS.definition)), 'a footnote defines the final loss');
  const cli = formatSummaryTable([{ runId: 'r1', varied: {}, state: 'done', finalLoss: 0.5 }], []);
  assert.match(cli, new RegExp(`^${FINAL_LOSS.label}: ${FINAL_LOSS.definition.replace(/[()]/g, '\\$&')}$`, 'm'));
});

test('report charts label both axes and give close values at least three y ticks', T, () => {
  const spec = {
    xLabel: 'step', yLabel: 'step loss (training)', drawText: true,
    series: [{ label: 'a', points: [{ x: 1, y: 0.6337 }, { x: 2, y: 0.6339 }] }],
  };
  const layout = chartLayout(spec);
  assert.ok(layout.yTicks.length >= 3, `y ticks ${layout.yTicks.join(', ')}`);
  assert.ok(layout.xTicks.length >= 3, `x ticks ${layout.xTicks.join(', ')}`);
  const svg = renderLineChartSvg(spec);
  assert.ok(svg.includes('>step</text>') && svg.includes('>step loss (training)</text>'), 'both axis labels drawn');
});
