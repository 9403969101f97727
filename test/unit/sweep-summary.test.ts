// The CLI's sweep table reads metrics.jsonl as every reader does: a corrupt line anywhere but
// a torn end is listed under the table, with its file and line; the losses around it count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { formatSummaryTable, summarizeRun } from '../../src/trainer/sweep/sweepSummary';

test('a corrupt metrics line shows under the sweep table with file and line', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-summary-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const run = await RunWriter.create(out, 'r1');
  await run.updateStatus({ state: 'done' });
  run.appendMetric({ kind: 'step', step: 1, epoch: 0, loss: 0.5, ms: 1, imagesPerSec: 1, wallMs: 1 });
  appendFileSync(run.file('metrics.jsonl'), '{"kind":\n');
  run.appendMetric({ kind: 'step', step: 2, epoch: 0, loss: 0.3, ms: 1, imagesPerSec: 1, wallMs: 2 });
  const summary = await summarizeRun({ runId: 'r1', varied: {} }, run.dir);
  assert.equal(summary.finalLoss, 0.4);
  const table = formatSummaryTable([summary], []);
  assert.match(table, /^r1: corrupt metrics: .*r1[/\\]metrics\.jsonl line 2: not JSON \(\{"kind":\)$/m);
});
