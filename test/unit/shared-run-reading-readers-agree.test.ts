// The four readers of a run directory (the CLI's sweep table, the report, the Experiments
// tree and the panel) show the same final loss, time per epoch and total time for the same
// run, a finished one and one resumed after a crash. The epoch times are chosen so that
// their mean (400 ms) and median (200 ms) differ, and the resumed run repeats the steps after
// its checkpoint and starts its wall clock again, so a reader that counts either its own way
// shows another number.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { comparisonTable } from '../../src/shared/comparisonTable';
import { formatMs, formatNumber } from '../../src/shared/formatting';
import { resolveRunConfig } from '../../src/shared/runConfig';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { loadStudy } from '../../src/shared/runReading/loadStudy';
import { readMetricsFile } from '../../src/shared/runReading/runFiles';
import { readExperiments } from '../../src/extension/experimentsModel';
import { runTooltipMarkdown } from '../../src/extension/runTooltip';
import { readRunSummary } from '../../src/extension/panel/runSummary';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { formatSummaryTable, summarizeRun } from '../../src/trainer/sweep/sweepSummary';

const out = mkdtempSync(path.join(tmpdir(), 'dl-readers-agree-'));
after(() => rmSync(out, { recursive: true, force: true }));

const base = { preset: 'small', imgSize: 8, epochs: 3 } as const;
const step = (s: number, epoch: number, loss: number, wallMs: number): MetricRecord =>
  ({ kind: 'step', step: s, epoch, loss, ms: 10, imagesPerSec: 50, wallMs });
const epoch = (e: number, s: number, meanLoss: number, ms: number, wallMs: number): MetricRecord =>
  ({ kind: 'epoch', epoch: e, step: s, meanLoss, ms, wallMs });

/** Three epochs of two steps; epochs take 100, 200 and 900 ms. */
const finished: MetricRecord[] = [
  step(1, 0, 0.9, 50), step(2, 0, 0.8, 100), epoch(0, 2, 0.85, 100, 100),
  step(3, 1, 0.7, 200), step(4, 1, 0.6, 300), epoch(1, 4, 0.65, 200, 300),
  step(5, 2, 0.5, 700), step(6, 2, 0.3, 1200), epoch(2, 6, 0.4, 900, 1200),
];
/** Killed during epoch 2 after its checkpoint at step 4, then resumed: steps 5-6 come again, wallMs from 0. */
const resumed: MetricRecord[] = [
  ...finished.slice(0, 6), step(5, 2, 0.55, 650), step(6, 2, 0.45, 700),
  step(5, 2, 0.52, 400), step(6, 2, 0.32, 800), epoch(2, 6, 0.42, 900, 800),
];

async function writeRun(runId: string, timesteps: number, records: MetricRecord[]): Promise<void> {
  const run = await RunWriter.create(out, runId);
  await run.writeConfig(runId, resolveRunConfig({ ...base, timesteps }), {
    backend: 'cpu', parameterCount: 1, datasetFingerprint: 'x', diffusionLabVersion: 't', createdAt: 'now',
  });
  for (const r of records) run.appendMetric(r);
  await run.updateStatus({ state: 'done', step: 6, epoch: 3, totalSteps: 6 });
}

test('the CLI table, the report, the tree tooltip and the panel show one final loss, time per epoch and total time', async () => {
  await writeRun('finished', 50, finished);
  await writeRun('resumed', 60, resumed);
  const sweepDir = path.join(out, 'sweeps', 's');
  mkdirSync(sweepDir, { recursive: true });
  writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({
    sweepId: 's', name: 's', spec: { base }, variedFields: ['timesteps'],
    runs: [
      { runId: 'finished', varied: { timesteps: 50 }, config: resolveRunConfig({ ...base, timesteps: 50 }) },
      { runId: 'resumed', varied: { timesteps: 60 }, config: resolveRunConfig({ ...base, timesteps: 60 }) },
    ],
  }));
  const expected = {
    finished: { finalLoss: (0.5 + 0.3) / 2, msPerEpoch: 200, totalMs: 1200 },
    resumed: { finalLoss: (0.52 + 0.32) / 2, msPerEpoch: 200, totalMs: 700 + 800 },
  };
  const shown = (e: { finalLoss: number; msPerEpoch: number; totalMs: number }) => [formatNumber(e.finalLoss), formatMs(e.msPerEpoch), formatMs(e.totalMs)];

  const rows = await Promise.all(['finished', 'resumed'].map((id) => summarizeRun({ runId: id, varied: {} }, path.join(out, 'runs', id))));
  const cliLines = formatSummaryTable(rows, []).split('\n');
  const study = await loadStudy(sweepDir);
  const table = comparisonTable(study);
  const tree = await readExperiments(out);

  for (const [i, id] of (['finished', 'resumed'] as const).entries()) {
    const want = expected[id];
    const texts = shown(want);
    const cli = cliLines.find((l) => l.startsWith(`${id} `))!;
    const report = table.rows[i]!;
    const run = tree.sweeps[0]!.runs.find((r) => r.runId === id)!;
    const tooltip = runTooltipMarkdown(run);
    const metrics = await readMetricsFile(run.dir);
    const panel = await readRunSummary({ runId: id, dir: run.dir, colorIndex: i, varied: {} }, metrics.records, metrics.problems, (f) => f);
    for (const text of texts) {
      assert.ok(cli.split(/\s{2,}/).includes(text), `CLI row of ${id} shows ${text}: ${cli}`);
      assert.ok(report.includes(text), `report row of ${id} shows ${text}: ${report.join(' | ')}`);
      assert.ok(tooltip.includes(text), `tree tooltip of ${id} shows ${text}: ${tooltip.split('\n')[2]}`);
    }
    assert.ok(Math.abs(panel.measures.finalLoss! - want.finalLoss) < 1e-12, `panel final loss of ${id}`);
    assert.equal(panel.measures.msPerEpoch, want.msPerEpoch, `panel time / epoch of ${id}`);
    assert.equal(panel.measures.totalMs, want.totalMs, `panel total time of ${id}`);
  }
});
