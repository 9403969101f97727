// Rename Run…, Star Run and Edit Run Labels… from the Experiments tree's context menu, in
// code-server through Chromium, on the hand-made sweep's finished run: the row shows the name,
// the star and the labels, annotations.json holds them (version 1), the run's results panel
// shows the name and its star button unstars it; annotations.json edited by hand into nonsense
// brings a warning naming the file, and the run stays in the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { openDiffusionLabView, runContextMenuItem, until, waitForRows, webviewFrame } from './workbench';
import { makeWorkspace } from './workspace';

test('tree context menu: rename, star, labels -> row, annotations.json and panel; a nonsense file warns and the run stays', { timeout: 4 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const file = path.join(workspace, '.diffusion/runs/T250-aaaa/annotations.json');
  const onDisk = () => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as unknown : undefined);
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'annotations-');
  /** The tree row whose label is exactly `label`. */
  const row = (label: string) => page.locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the hand-made finished run', (rows) => rows.some((r) => r.startsWith('T=250 final loss')), 60_000);

    await runContextMenuItem(page, row('T=250'), 'Rename Run…');
    await typeIntoInput(page, 'Rename T=250', 'T=250', 'short T');
    await waitForRows(page, 'the new name', (rows) => rows.some((r) => r.startsWith('short T final loss')), 30_000);

    await runContextMenuItem(page, row('short T'), 'Star Run');
    await waitForRows(page, 'the star', (rows) => rows.some((r) => r.startsWith('short T ★ · final loss')), 30_000);

    await runContextMenuItem(page, row('short T'), 'Edit Run Labels…');
    await typeIntoInput(page, 'Labels of short T', '', 'baseline, keep');
    await waitForRows(page, 'the labels', (rows) => rows.some((r) => r.startsWith('short T ★ #baseline #keep · final loss 0.5000')), 30_000);
    assert.deepEqual(onDisk(), { version: 1, name: 'short T', starred: true, labels: ['baseline', 'keep'] });
    await shot('tree');

    // A click on the row opens its panel: the name in the legend, starred; its star button in Compare unstars it.
    await row('short T').click();
    const view = webviewFrame(page);
    await view.locator('dl-loss-chart .legend-label', { hasText: '★ short T' }).waitFor({ timeout: 60_000 });
    await view.locator('#tab-compare').click();
    await view.locator('table.compare .run-label', { hasText: 'short T' }).waitFor({ timeout: 30_000 });
    await shot('panel');
    await view.getByRole('button', { name: 'Unstar short T', exact: true }).click();
    // exact: "Unstar short T" holds "star short T".
    await view.getByRole('button', { name: 'Star short T', exact: true }).waitFor({ timeout: 30_000 });
    assert.deepEqual(onDisk(), { version: 1, name: 'short T', labels: ['baseline', 'keep'] });
    await waitForRows(page, 'the star gone from the row', (rows) => rows.some((r) => r.startsWith('short T #baseline #keep · final loss')), 30_000);

    // Nonsense typed into the file: one warning naming it; the run is still listed, by its generated label, marked.
    writeFileSync(file, '{"version": 1, "labels": "baseline"}\n');
    const warning = page.locator('.notifications-toasts .notification-list-item', { hasText: 'annotations.json' }).first();
    await warning.waitFor({ timeout: 30_000 });
    const said = (await warning.innerText()).replace(/\s+/g, ' ');
    assert.ok(said.includes(file), `the warning names the file: ${said}`);
    assert.match(said, /"labels" must be a list of strings, got "baseline"; ignored/);
    await waitForRows(page, 'the run still shown', (rows) => rows.some((r) => r.startsWith('T=250 ⚠ annotations.json · final loss 0.5000')), 30_000);
    // The panel too: the run under its generated label (a run panel's: the run id), its ⚠ saying why.
    await view.locator('table.compare .run-label', { hasText: /^T250-aaaa$/ }).waitFor({ timeout: 30_000 });
    assert.match(await view.locator('table.compare th .error').getAttribute('title') ?? '', /annotations\.json: "labels" must be a list of strings/);
    assert.equal(readFileSync(file, 'utf8'), '{"version": 1, "labels": "baseline"}\n', 'what was typed is left for the person to fix');
    await shot('nonsense');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});

/** Waits for the input titled `title` to be shown holding `prefilled` (typing earlier is overwritten), types `text`, presses Enter. */
async function typeIntoInput(page: Page, title: string, prefilled: string, text: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout: 30_000 });
  const input = page.locator('.quick-input-widget input');
  await until(`the input to hold "${prefilled}"`, async () => (await input.inputValue()) === prefilled, 10_000, page);
  await input.fill(text);
  await until(`the input to hold "${text}"`, async () => (await input.inputValue()) === text, 10_000, page);
  await input.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}
