// The extension as a person uses it, in code-server through Chromium: the command palette
// runs a tiny sweep and the Experiments tree shows its runs go to done; Stop Sweep on a
// running sweep leaves its run cancelled; a trainer killed mid-run leaves its run failed,
// shown in the tree. Screenshots go to .vscode-test/screenshots for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunStatus } from '../../src/shared/runDirectory';
import { openWorkbench, ROOT, screenshotter, type CodeServer } from './codeServer';
import { makeWorkspace } from './workspace';
import { clickPick, openDiffusionLabView, runCommand, waitForRows } from './workbench';

/** Rows from the sweep's own row up to the next sweep's row. */
function sweepRows(rows: string[], name: string): string[] {
  const start = rows.findIndex((r) => r.startsWith(`${name} `));
  if (start < 0) return [];
  const end = rows.findIndex((r, i) => i > start && /^\S+ \d+ runs ·/.test(r));
  return rows.slice(start + 1, end < 0 ? undefined : end);
}

async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-list-item').evaluateAll((items) => items.map((i) => (i.textContent ?? '').replace(/\s+/g, ' ')));
}

/** The running run's status.json names its trainer; kill that process (SIGKILL) if it belongs to this server. */
function killRunningTrainer(workspace: string, serverPgid: number): { runId: string; pid: number } {
  const runsDir = path.join(workspace, '.diffusion/runs');
  for (const runId of readdirSync(runsDir)) {
    const file = path.join(runsDir, runId, 'status.json');
    if (!existsSync(file)) continue;
    let status: RunStatus;
    try {
      status = JSON.parse(readFileSync(file, 'utf8')) as RunStatus;
    } catch {
      continue; // the hand-made nonsense run
    }
    if (status.state !== 'running' || !status.pid) continue;
    const pgid = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(status.pid)], { encoding: 'utf8' }).trim());
    assert.equal(pgid, serverPgid, 'the trainer is a process of this test\'s code-server');
    process.kill(status.pid, 'SIGKILL');
    return { runId, pid: status.pid };
  }
  throw new Error('no running run found');
}

test('palette -> Run Sweep -> runs done; Stop Sweep -> cancelled; killed trainer -> failed', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page);
  try {
    await scenario(page, shot, workspace, server);
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});

async function scenario(page: Page, shot: (name: string) => Promise<unknown>, workspace: string, server: CodeServer): Promise<void> {

  await openDiffusionLabView(page, server);
  await waitForRows(page, 'the hand-made sweep', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);
  await shot('1-tree-from-disk');

  // Run Sweep from the palette; the quick pick lists the workspace's sweep files.
  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'tiny.sweep.json');
  const progress = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Sweep tiny' });
  await progress.first().waitFor({ timeout: 60_000 });
  const done = await waitForRows(page, 'both tiny runs done', (rows) => {
    const runs = sweepRows(rows, 'tiny');
    return runs.length >= 2 && runs.slice(0, 2).every((r) => /^T=\d+ final loss \d\.\d{4} · \d+s$/.test(r));
  });
  assert.deepEqual(sweepRows(done, 'tiny').slice(0, 2).map((r) => r.split(' final loss')[0]), ['T=50', 'T=60']);
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'Sweep tiny finished: 2 of 2 runs done' }).first().waitFor({ timeout: 30_000 });
  await shot('2-tiny-sweep-done');

  // A long sweep: stop it while its first run trains.
  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'slow.sweep.json');
  await waitForRows(page, 'a slow run training', (rows) => sweepRows(rows, 'slow').some((r) => /step [1-9]\d*\/\d+/.test(r)));
  await shot('3-slow-sweep-running');
  await runCommand(page, 'Diffusion: Stop Sweep');
  const stopped = await waitForRows(page, 'the slow run cancelled', (rows) => sweepRows(rows, 'slow').some((r) => /cancelled/.test(r)));
  assert.match(sweepRows(stopped, 'slow')[0]!, /^T=70 cancelled · final loss/);
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'Sweep slow stopped' }).first().waitFor({ timeout: 30_000 });
  await shot('4-slow-sweep-cancelled');

  // Again (it resumes the cancelled run), then kill its trainer.
  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'slow.sweep.json');
  await waitForRows(page, 'the slow run training again', (rows) => sweepRows(rows, 'slow').some((r) => /^T=70 (training · )?step [1-9]\d*\/\d+/.test(r)));
  const killed = killRunningTrainer(workspace, server.pid);
  const failed = await waitForRows(page, 'the killed run failed', (rows) => sweepRows(rows, 'slow').some((r) => /^T=70 failed/.test(r)));
  assert.match(sweepRows(failed, 'slow')[0]!, /failed · final loss \d\.\d{4} · \d+s · the trainer process was killed \(SIGKILL\)/);
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'was killed (SIGKILL)' }).first().waitFor({ timeout: 30_000 });
  assert.ok((await notifications(page)).some((n) => n.includes(`Marked ${killed.runId} failed`)));
  await shot('5-killed-trainer-failed');
}
