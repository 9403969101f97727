// A sweep of three runs, two at a time, in code-server: the notification counts running,
// done and queued runs and shows a running run's step; a status-bar item says the sweep runs
// and opens its results panel; the tree shows a running run's phase or step as it moves; and
// the status-bar item goes when the sweep ends. The runs are too long to finish while the test
// looks (a tiny run ends within seconds, and its status-bar item with it), so Stop Sweep ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, treeRows, until, waitForRows } from './workbench';
import { makeWorkspace, sweepFile } from './workspace';

/** A run row of the sweep while its trainer works on it: `T=50 training · step 12/60`. */
const ACTIVE_ROW = /^T=\d+ (loading data|drawing the forward process|training · step \d+\/\d+.*|sampling|evaluating|checkpointing|starting)$/;

test('a parallel sweep\'s progress: counts and steps in the notification, a status-bar item to its panel, phases in the tree', { timeout: 8 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const sweep = sweepFile('parallel', 100000, [50, 60, 70]) as { base: Record<string, unknown> };
  Object.assign(sweep.base, { imgSize: 8 });
  writeFileSync(path.join(workspace, 'parallel.sweep.json'), JSON.stringify({ ...sweep, maxParallelRuns: 2 }, null, 2));
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'sweep-progress-');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the hand-made sweep', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'parallel.sweep.json');

    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Sweep parallel' }).first();
    const message = await until('the notification to count runs and show a step', async () => {
      const text = await toast.innerText({ timeout: 1_000 }).catch(() => '');
      return /\d running, \d done, \d queued/.test(text) && /step \d+\/\d+/.test(text) ? text : undefined;
    }, 180_000, page);
    assert.doesNotMatch(message, /run \d of \d/, message);
    await shot('notification');

    // The tree follows a running run: its description changes while it trains.
    const seen = new Set<string>();
    await until('a running run\'s row to change', async () => {
      for (const row of await treeRows(page)) if (ACTIVE_ROW.test(row)) seen.add(row);
      return seen.size >= 2;
    }, 120_000, page);

    const status = page.locator('.statusbar-item', { hasText: /parallel \d\/3 done/ });
    await status.waitFor({ timeout: 30_000 });
    assert.match(await status.innerText(), /parallel \d\/3 done · \d+%/);
    await status.click();
    await page.locator('.tabs-container .tab', { hasText: 'Sweep parallel' }).first().waitFor({ timeout: 60_000 });
    await shot('panel-from-status-bar');

    await runCommand(page, 'Diffusion: Stop Sweep');
    await waitForRows(page, 'the parallel sweep stopped', (rows) => rows.some((r) => /^parallel 3 runs · .*2 cancelled/.test(r)), 2 * 60_000);
    await page.locator('.statusbar-item', { hasText: /parallel \d\/3 done/ }).waitFor({ state: 'detached', timeout: 30_000 });
    assert.ok([...seen].length >= 2, [...seen].join(' | '));
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
