// metrics.jsonl as every reader parses it: a torn last line is a crash's and dropped; any
// other bad line is corruption, named with the file and line, and the records around it stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMetricsJsonl } from '../../src/shared/runReading/metricsLines';

const step = (n: number) => JSON.stringify({ kind: 'step', step: n, epoch: 0, loss: 1 / n, ms: 1, imagesPerSec: 1, wallMs: n });

test('a torn last line (no newline after it) is dropped without a problem', () => {
  const { records, problems } = parseMetricsJsonl(`${step(1)}\n${step(2)}\n{"kind":"st`, 'm.jsonl');
  assert.deepEqual(records.map((r) => (r as { step: number }).step), [1, 2]);
  assert.deepEqual(problems, []);
});

test('a bad line anywhere else is reported with file and line; the other records are kept', () => {
  const text = `${step(1)}\n{"kind":"st\n${step(3)}\n[1,2]\n${step(5)}\n`;
  const { records, problems } = parseMetricsJsonl(text, '/runs/a/metrics.jsonl');
  assert.deepEqual(records.map((r) => (r as { step: number }).step), [1, 3, 5]);
  assert.deepEqual(problems, [
    '/runs/a/metrics.jsonl line 2: not JSON ({"kind":"st)',
    '/runs/a/metrics.jsonl line 4: not a metrics record ([1,2])',
  ]);
});

test('a bad last line that ends with a newline was written whole, so it is corruption', () => {
  assert.deepEqual(parseMetricsJsonl(`${step(1)}\nnonsense\n`, 'f').problems, ['f line 2: not JSON (nonsense)']);
  assert.deepEqual(parseMetricsJsonl('', 'f'), { records: [], problems: [] });
});
