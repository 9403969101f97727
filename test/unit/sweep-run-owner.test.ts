// A run's lock seen from another machine (a cluster's login node, a shared folder): the pid
// in it names a process there, so only the heartbeat (the file's modification time) can say
// whether its holder is still at work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { RUN_LOCK_STALE_MS, type RunLockFile } from '../../src/shared/runDirectory';
import { acquireRunLock, isLockHeld, readRunLock, runLockPath } from '../../src/trainer/sweep/runOwner';

function runDirWithLock(t: { after: (fn: () => void) => void }, lock: RunLockFile, ageMs: number): string {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-run-owner-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const runDir = path.join(out, 'runs', 'r1');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(runLockPath(runDir), JSON.stringify(lock));
  const touched = new Date(Date.now() - ageMs);
  utimesSync(runLockPath(runDir), touched, touched);
  return runDir;
}

// A pid that is alive here (this test's parent), to show it is not what decides for another machine.
const elsewhere = (): RunLockFile => ({ pid: process.ppid, since: new Date().toISOString(), host: `not-${hostname()}` });

test('another machine\'s lock is held while its heartbeat is fresh, and taken over once it is stale', { timeout: 30_000 }, async (t) => {
  const fresh = runDirWithLock(t, elsewhere(), 5_000);
  assert.equal(isLockHeld((await readRunLock(fresh))!), true);
  const busy = await acquireRunLock(fresh, { waitMs: 0 });
  assert.equal(busy.kind, 'busy', 'a fresh heartbeat: left to its holder, not waited for as "stopping"');

  const stale = runDirWithLock(t, { ...elsewhere(), pid: 999_999_999 }, RUN_LOCK_STALE_MS + 5_000);
  assert.equal(isLockHeld((await readRunLock(stale))!), false);
  const taken = await acquireRunLock(stale, { waitMs: 0 });
  assert.equal(taken.kind, 'acquired');
  const mine = (await readRunLock(stale))!;
  assert.deepEqual([mine.pid, mine.host], [process.pid, hostname()], 'the new lock names this process and machine');
  if (taken.kind === 'acquired') await taken.release();
  assert.equal(await readRunLock(stale), null, 'released');
});

test('on this machine the process decides, however old the heartbeat', { timeout: 30_000 }, async (t) => {
  const dead = runDirWithLock(t, { pid: 999_999_999, since: '', host: hostname() }, 0);
  assert.equal(isLockHeld((await readRunLock(dead))!), false, 'a fresh touch does not keep a dead process\'s lock');
  const alive = runDirWithLock(t, { pid: process.ppid, since: '', host: hostname() }, RUN_LOCK_STALE_MS * 10);
  assert.equal(isLockHeld((await readRunLock(alive))!), true, 'a live holder on this machine keeps its lock');
});
