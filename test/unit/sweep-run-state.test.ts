// What a sweep does with a run directory it finds: a part it cannot read is not taken for
// nothing there, so a restart never throws away work it could not see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import { planRunAction } from '../../src/trainer/sweep/runState';

function runDir(t: { after: (fn: () => void) => void }, files: Record<string, string>): string {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-run-state-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const dir = path.join(out, 'runs', 'r1');
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const cancelled = JSON.stringify({ formatVersion: 1, state: 'cancelled', createdAt: '2025-01-01T00:00:00Z', step: 0, epoch: 0, totalSteps: 4 });

test('a run with nothing in it is restarted; one whose checkpoint cannot be listed is an error, not a restart', { timeout: 30_000 }, async (t) => {
  assert.deepEqual(await planRunAction(runDir(t, { 'status.json': cancelled }), { ...DEFAULT_RUN_CONFIG }), { kind: 'restart', was: 'cancelled' });
  // A file where checkpoint/ goes: listing it fails (ENOTDIR) whoever runs the test.
  const unlistable = runDir(t, { 'status.json': cancelled, checkpoint: '' });
  await assert.rejects(planRunAction(unlistable, { ...DEFAULT_RUN_CONFIG }), /ENOTDIR.*checkpoint/);
});
