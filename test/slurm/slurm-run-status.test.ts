// How readers take a run that Slurm trains: queued waits for its job (never `interrupted`), a
// running task's pid counts only on its own node, and the extension's crash repair leaves a
// queued Slurm run alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunStatus } from '../../src/shared/runDirectory';
import { readRun } from '../../src/shared/runReading/readRun';
import { markRunEnded } from '../../src/extension/runStatusRepair';

/** A pid that was a process and is gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function runDir(t: { after: (fn: () => void) => void }, status: Partial<RunStatus>): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'dl-slurm-status-')), 'runs', 'T10-ab12');
  t.after(() => rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true }));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ formatVersion: 1, createdAt: '2026-01-01T00:00:00Z', step: 0, epoch: 0, totalSteps: 0, ...status }));
  return dir;
}

test('a queued Slurm run shows as queued, and the crash repair does not touch it', { timeout: 10_000 }, async (t) => {
  const dir = runDir(t, { state: 'queued', slurm: { jobId: '42_0' } });
  assert.equal((await readRun(dir)).state, 'queued');
  const before = readFileSync(path.join(dir, 'status.json'), 'utf8');
  assert.equal(await markRunEnded({ runDir: dir, pid: deadPid(), state: 'failed', message: 'the trainer died' }), false);
  assert.equal(readFileSync(path.join(dir, 'status.json'), 'utf8'), before);
});

test('a running Slurm task: its dead pid means interrupted on its own node, nothing on another machine', { timeout: 10_000 }, async (t) => {
  const pid = deadPid();
  const here = runDir(t, { state: 'running', step: 5, pid, slurm: { jobId: '42_1', host: hostname() } });
  assert.equal((await readRun(here)).state, 'interrupted');
  const elsewhere = runDir(t, { state: 'running', step: 5, pid, slurm: { jobId: '42_1', host: `not-${hostname()}` } });
  assert.equal((await readRun(elsewhere)).state, 'running');
});
