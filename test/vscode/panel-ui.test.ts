// The results panel as a person uses it, in code-server through Chromium: a tiny sweep
// trains, Open Results Panel shows its loss curve growing, the Noise steps, Samples and
// Compare tabs show its runs, a note typed in the Notes tab is saved to disk, and after
// Reload Window the panel comes back (its serializer) with the note; typing just before the
// panel is closed is saved too. No CSP violation is
// logged. Screenshots of each tab go to .vscode-test/screenshots for a person to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { resolveSweep } from '../../src/shared/sweepChecks/resolveSweep';
import { writeResolvedSweep } from '../../src/trainer/sweep/sweepDirectory';
import { readSweepFile } from '../../src/trainer/sweep/readSweepFile';
import { openWorkbench, ROOT, screenshotter, type CodeServer } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, runContextMenuItem, waitForRows, webviewFrame } from './workbench';
import { makeWorkspace, sweepFile } from './workspace';

/** Steps per run: 64 toy-cars images in batches of 8 are 8 steps an epoch, so 5 epochs, a strip every 2 and at the end. */
const STEPS = 40;
const NOTE = 'Larger T: the loss falls more slowly at first.';

test('results panel: live loss, tabs, a note that survives Reload Window', { timeout: 8 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/webview.js')), 'dist/ missing: npm run build');
  const workspace = makeWorkspace();
  const spec = sweepFile('panel', STEPS, [50, 60]) as { base: Record<string, unknown> };
  spec.base.sampleEvery = 2;
  spec.base.evalImages = 0;
  const sweepFileName = path.join(workspace, 'panel.sweep.json');
  writeFileSync(sweepFileName, JSON.stringify(spec, null, 2));
  // Resolved as Run Sweep would (its runs listed, none started), so that the panel can be open before the first step.
  const spec2 = readSweepFile(sweepFileName);
  await writeResolvedSweep(path.join(workspace, '.diffusion'), resolveSweep(spec2, sweepFileName), spec2, sweepFileName);
  writeFileSync(path.join(workspace, 'README.md'), '# Another editor\n');
  const { server, page } = await openWorkbench(t, workspace);
  // Console messages of the workbench and of its webviews' frames (Chromium reports them all to the page).
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const shot = screenshotter(page, 'panel-');
  try {
    await scenario(page, workspace, shot, server);
  } catch (err) {
    await shot('failure').catch(() => {});
    console.log(consoleLines.filter((l) => !l.startsWith('debug')).slice(-40).join('\n'));
    throw err;
  }
  assert.ok(consoleLines.some((l) => l.includes('diffusion-lab console probe')), 'the webview\'s console is not heard');
  const csp = consoleLines.filter((l) => /Content.Security.Policy|Refused to (load|apply|execute|evaluate|connect)/i.test(l));
  assert.deepEqual(csp, [], 'CSP violations were logged');
});

async function scenario(page: Page, workspace: string, shot: (name: string) => Promise<unknown>, server: CodeServer): Promise<void> {
  const started = Date.now();
  const log = (what: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
  await openDiffusionLabView(page, server);
  await waitForRows(page, 'the hand-made sweep', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);
  log('workbench ready');
  // Another editor in the group, to hide the panel behind later.
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill('README.md');
  await clickPick(page, 'README.md');
  const readmeTab = page.locator('.tabs-container .tab', { hasText: 'README.md' });
  await readmeTab.waitFor();

  await waitForRows(page, 'the panel sweep, not started', (rows) => rows.some((r) => r.startsWith('panel 2 runs · 2 not started')), 60_000);
  await runCommand(page, 'Diffusion: Open Results Panel');
  await clickPick(page, 'panel');
  const view = webviewFrame(page);
  await view.locator('dl-loss-chart canvas').first().waitFor({ timeout: 60_000 });
  log('panel open');
  // What the webview logs reaches the page's console listener (so the CSP check below can see violations).
  await view.locator('body').evaluate(() => console.log('diffusion-lab console probe'));
  assert.equal(await countPoints(view), 0);
  await shot('loss-empty');

  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'panel.sweep.json');
  log('sweep started');

  // The curve grows while the runs train.
  const first = await waitForPoints(view, 'first loss points', (n) => n > 0);
  const grown = await waitForPoints(view, 'more loss points', (n) => n > first);
  log(`loss points: ${first}, then ${grown}`);
  assert.equal(await view.locator('dl-loss-chart .legend li:not(.legend-x)').count(), 2, 'both runs in the legend from the start');
  await shot('loss-live');
  const all = await waitForPoints(view, `all ${2 * STEPS} loss points`, (n) => n === 2 * STEPS, 240_000);
  log(`loss points: ${all}`);
  await waitForRows(page, 'both runs done', (rows) => rows.some((r) => /^panel 2 runs · 2 done/.test(r)), 120_000);
  log('sweep done');
  await view.locator('.app-header .summary', { hasText: /^2 runs$/ }).waitFor({ timeout: 30_000 });
  await shot('loss');

  // The sweep's context menu in the tree opens (here: reveals) the same panel.
  await runContextMenuItem(page, page.locator('.part.sidebar .monaco-list-row', { hasText: /^panel/ }).first(), 'Open Results Panel');
  await view.locator('dl-loss-chart canvas').first().waitFor();
  assert.equal(await page.locator('iframe.webview').count(), 1, 'one panel per sweep');

  // Noise steps: the t slider moves x_t.
  await view.locator('#tab-noise').click();
  const tSlider = view.locator('input.t-slider');
  await tSlider.waitFor();
  await tSlider.fill('30');
  await view.locator('.xt figcaption', { hasText: 't = 30' }).waitFor({ timeout: 10_000 });
  assert.equal(await view.locator('dl-curve-chart canvas').count(), 2, 'the sqrt(alphaBar) and SNR charts');
  await shot('noise');

  // Samples: a card per run, with a strip that loaded (asWebviewUri and localResourceRoots allow it).
  await view.locator('#tab-samples').click();
  await view.locator('.sample-card').nth(1).waitFor();
  assert.equal(await view.locator('.sample-card').count(), 2);
  await waitFor(page, 'the reverse-process strips to load', () => view.locator('.sample-card img').evaluateAll((imgs) =>
    imgs.length >= 2 && imgs.every((i) => (i as unknown as { complete: boolean; naturalWidth: number }).complete && (i as unknown as { naturalWidth: number }).naturalWidth > 0)));
  await shot('samples');

  // Compare: a row per run of the sweep.
  await view.locator('#tab-compare').click();
  await view.locator('table.compare tbody tr').first().waitFor();
  assert.deepEqual(await view.locator('table.compare tbody tr th[scope=row] .run-label').allTextContents(), ['T=50', 'T=60']);
  await shot('compare');

  // Notes: typing is saved to the sweep's notes.md.
  await view.locator('#tab-notes').click();
  const editor = view.locator('textarea.notes-editor');
  await editor.click();
  await editor.press('End');
  await editor.pressSequentially(NOTE, { delay: 5 });
  await view.locator('.notes-status', { hasText: /^Saved/ }).waitFor({ timeout: 30_000 });
  const notesFile = path.join(sweepDir(workspace), 'notes.md');
  assert.ok(readFileSync(notesFile, 'utf8').includes(NOTE), 'the note is on disk');
  await shot('notes');

  // Typing, then at once another editor tab hides the panel (within the half-second save delay):
  // the page flushes on hiding, or keeps the typing in its state and saves it when shown again.
  const more = ' Hidden at once.';
  await editor.press('End');
  await editor.pressSequentially(more, { delay: 5 });
  await readmeTab.click();
  const panelTab = page.locator('.tabs-container .tab', { hasText: 'Sweep panel' });
  await panelTab.click();
  await waitFor(page, 'the typing before hiding on disk', async () => readFileSync(notesFile, 'utf8').includes(NOTE + more));
  assert.equal(await view.locator('textarea.notes-editor').inputValue(), NOTE + more);
  log('tabs and note done');

  // Reload Window: the serializer brings the panel back on its Notes tab, with the note.
  const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
  await runCommand(page, 'Developer: Reload Window');
  await reloaded;
  await page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]').waitFor({ timeout: 90_000 });
  const restored = webviewFrame(page).locator('textarea.notes-editor');
  await restored.waitFor({ timeout: 90_000 });
  await waitFor(page, 'the restored note', async () => (await restored.inputValue()).includes(NOTE + more));
  assert.ok(readFileSync(notesFile, 'utf8').includes(NOTE + more), 'the note is still on disk');
  await shot('after-reload');
  log('restored after reload');

  // Typing, then closing the panel at once (within the save delay; closing drops the page and its
  // state, unlike hiding): the text still reaches notes.md.
  const last = ' Closed at once.';
  await restored.press('End');
  await restored.pressSequentially(last, { delay: 5 });
  await page.locator('.tabs-container .tab.active', { hasText: 'Sweep panel' }).locator('.codicon-close').click();
  await page.locator('.tabs-container .tab', { hasText: 'Sweep panel' }).waitFor({ state: 'detached' });
  await waitFor(page, 'the typing before closing on disk', async () => readFileSync(notesFile, 'utf8').includes(NOTE + more + last), 10_000);
  log('typing saved on close');
}

/** Loss points the chart draws (non-empty raw values over every run). */
function countPoints(view: FrameLocator): Promise<number> {
  return view.locator('dl-loss-chart').evaluate((el) => {
    const table = (el as unknown as { plotted: Array<Array<number | null>> }).plotted;
    let count = 0;
    for (let c = 1; c < table.length; c += 2) for (const v of table[c]!) if (v != null) count++;
    return count;
  });
}

async function waitForPoints(view: FrameLocator, what: string, pass: (n: number) => boolean, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = -1;
  while (Date.now() < deadline) {
    n = await countPoints(view);
    if (pass(n)) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; the chart has ${n} points`);
}

async function waitFor(page: Page, what: string, pass: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pass().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

function sweepDir(workspace: string): string {
  const sweeps = path.join(workspace, '.diffusion/sweeps');
  const id = readdirSync(sweeps).find((d) => d !== 'handmade');
  assert.ok(id, 'the panel sweep has a directory');
  return path.join(sweeps, id);
}
