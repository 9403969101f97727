// Small surprises of a first hour, in code-server through Chromium: Resume Sweep offers only
// sweeps with runs left to train; Export Report says where it wrote the notebook, with Open and
// Reveal in Explorer; Create Sweep from Template asks before it writes demo-2.sweep.json beside
// an existing demo.sweep.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, waitForRows } from './workbench';
import { makeWorkspace } from './workspace';

const toast = (page: Page, text: string | RegExp) => page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
const pickLabels = (page: Page) => page.locator('.quick-input-list .monaco-list-row .label-name').allInnerTexts();

test('Resume Sweep skips finished sweeps; Export Report says where; a template never silently becomes demo-2', { timeout: 8 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'first-hour-');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the hand-made sweep', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'tiny.sweep.json');
    await waitForRows(page, 'the tiny sweep done', (rows) => rows.some((r) => r.startsWith('tiny 2 runs · 2 done')));
    await runCommand(page, 'Notifications: Clear All Notifications');

    // The finished sweep is not offered; the hand-made one, with runs not done, is.
    await runCommand(page, 'Diffusion: Resume Sweep');
    await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    const offered = await pickLabels(page);
    assert.ok(offered.includes('handmade'), offered.join(', '));
    assert.ok(!offered.includes('tiny'), `a finished sweep is offered to resume: ${offered.join(', ')}`);
    await page.keyboard.press('Escape');

    await runCommand(page, 'Diffusion: Export Report');
    await clickPick(page, 'tiny');
    const written = toast(page, 'Report of tiny written to .diffusion/sweeps/tiny/report.ipynb');
    await written.waitFor({ timeout: 120_000 });
    assert.ok(existsSync(path.join(workspace, '.diffusion/sweeps/tiny/report.ipynb')));
    await shot('report-written');
    await written.locator('a.monaco-button', { hasText: 'Reveal in Explorer' }).click();
    await page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'report.ipynb' }).waitFor({ timeout: 30_000 });

    // First time: written as demo.sweep.json. Second time: a question, then demo-2 only if asked for.
    for (const expectQuestion of [false, true]) {
      await runCommand(page, 'Diffusion: Create Sweep from Template');
      await clickPick(page, 'demo');
      if (expectQuestion) {
        const dialog = page.locator('.monaco-dialog-box', { hasText: 'demo.sweep.json already exists in this folder.' });
        await dialog.waitFor({ timeout: 30_000 });
        await shot('template-exists');
        await dialog.locator('a.monaco-button', { hasText: 'Create demo-2.sweep.json' }).click();
      }
      await page.locator('.tabs-container .tab', { hasText: expectQuestion ? 'demo-2.sweep.json' : /^demo\.sweep\.json/ }).first().waitFor({ timeout: 30_000 });
    }
    assert.ok(existsSync(path.join(workspace, 'demo.sweep.json')) && existsSync(path.join(workspace, 'demo-2.sweep.json')));
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
