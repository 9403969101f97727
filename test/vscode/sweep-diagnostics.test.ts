// A sweep file's problems in the editor, in code-server through Chromium: Run Sweep on a file
// with a misspelt field and an image size the U-Net cannot halve starts nothing, opens the
// Problems panel with both, and says so in one short line; each quick fix then removes its
// problem as the file is edited. A missing dataset folder's problem follows the folder on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until } from './workbench';
import { makeWorkspace } from './workspace';

const MISSPELT = 'base: unknown field "activaton" (did you mean "activation"?)';
const ODD_SIZE = 'imgSize 15 is not divisible by 2^4 = 16';

/** The text of each row of the Problems panel (files and their problems). */
const problemRows = (page: Page) => page.locator('.markers-panel .monaco-list-row').allInnerTexts();

async function applyQuickFix(page: Page, problem: string, title: string): Promise<void> {
  // A double click puts the cursor on the problem in the editor, where Ctrl+. lists its fixes.
  await page.locator('.markers-panel .monaco-list-row', { hasText: problem }).first().dblclick();
  await page.locator('.monaco-editor.focused').waitFor({ timeout: 10_000 });
  await page.keyboard.press('Control+.');
  // By keyboard: while the widget opens, a pointer block covers it.
  const focused = page.locator('.action-widget .monaco-list-row.focused');
  await until(`the quick fix ${title} offered`, async () => {
    if (((await focused.allInnerTexts())[0] ?? '').includes(title)) return true;
    if (await focused.count() > 0) await page.keyboard.press('ArrowDown');
    return false;
  }, 15_000, page);
  await page.keyboard.press('Enter');
}

test('Run Sweep lists a sweep file\'s problems in Problems; the quick fixes remove them', { timeout: 5 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const file = path.join(workspace, 'typo.sweep.json');
  writeFileSync(file, `{
  "name": "typo",
  "base": {
    "imgSize": 15,
    "activaton": "silu",
    "maxSteps": 1
  }
}
`);
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'sweep-diagnostics-');
  try {
    await openDiffusionLabView(page, server);
    assert.equal(await page.locator('.markers-panel').isVisible(), false, 'the Problems panel is closed to begin with');

    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'typo.sweep.json');
    const rows = await until('both problems in the Problems panel', async () => {
      const r = await problemRows(page);
      return r.some((x) => x.includes(MISSPELT)) && r.some((x) => x.includes(ODD_SIZE)) && r;
    }, 60_000, page);
    assert.ok(rows.some((r) => r.includes('typo.sweep.json')), rows.join('\n'));
    await page.locator('.notifications-toasts .notification-list-item', { hasText: '2 problems in typo.sweep.json: see Problems' }).waitFor({ timeout: 15_000 });
    await page.locator('.tabs-container .tab', { hasText: 'typo.sweep.json' }).first().waitFor({ timeout: 15_000 });
    assert.ok(await page.locator('.monaco-editor .squiggly-error').count() >= 2, 'both problems are underlined');
    assert.equal(existsSync(path.join(workspace, '.diffusion/sweeps/typo')), false, 'no sweep was started');
    await shot('problems');
    await runCommand(page, 'Notifications: Clear All Notifications');

    await applyQuickFix(page, MISSPELT, 'Rename to "activation"');
    await until('the misspelt field\'s problem gone', async () => {
      const r = await problemRows(page);
      return !r.some((x) => x.includes('activaton')) && r.some((x) => x.includes(ODD_SIZE));
    }, 30_000, page);
    await applyQuickFix(page, ODD_SIZE, 'Change to 16');
    await until('no problem left', async () => (await problemRows(page)).every((x) => !x.includes('typo.sweep.json')), 30_000, page);

    // Saved as a person would (VS Code may already have saved a file a quick fix changed).
    await page.keyboard.press('Control+S');
    await until('the fixed file saved', () => {
      const text = readFileSync(file, 'utf8');
      return text.includes('"activation": "silu"') && text.includes('"imgSize": 16,');
    }, 15_000, page);
    await shot('fixed');

    // A dataset folder that is missing, then copied in from outside the editor, then removed: the
    // open file's problem goes and comes back without the file being touched.
    writeFileSync(path.join(workspace, 'images.sweep.json'), JSON.stringify({ name: 'images', base: { dataset: 'my-images', imgSize: 16, maxSteps: 1 } }, null, 2));
    const MISSING = 'the folder "my-images" does not exist';
    await runCommand(page, 'View: Close All Editors'); // else Run Sweep runs the active sweep file
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'images.sweep.json');
    await until('the missing dataset in the Problems panel', async () => (await problemRows(page)).some((x) => x.includes(MISSING)), 60_000, page);
    mkdirSync(path.join(workspace, 'my-images'));
    await until('the problem gone once the folder exists', async () => (await problemRows(page)).every((x) => !x.includes(MISSING)), 30_000, page);
    rmSync(path.join(workspace, 'my-images'), { recursive: true });
    await until('the problem back once the folder is removed', async () => (await problemRows(page)).some((x) => x.includes(MISSING)), 30_000, page);
    assert.equal(existsSync(path.join(workspace, '.diffusion/sweeps/images')), false, 'no sweep was started');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
