// Diffusion: Open Notes from the palette, in code-server through Chromium: it offers sweeps
// (first) as well as runs, and notes.md opens with its results panel in view beside it, in
// another editor group, whether the panel was closed or open in the active group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';
import { makeWorkspace } from './workspace';

interface EditorGroup {
  /** The label of the tab in front, the one the group shows. */
  shown: string;
  tabs: string[];
}

async function editorGroups(page: Page): Promise<EditorGroup[]> {
  return page.locator('.part.editor .editor-group-container').evaluateAll((groups) => groups.map((g) => ({
    shown: g.querySelector('.tabs-container .tab.active .label-name')?.textContent ?? '',
    tabs: [...g.querySelectorAll('.tabs-container .tab .label-name')].map((t) => t.textContent ?? ''),
  })));
}

/** Waits until one group shows notes.md and another shows the panel titled `panelTitle`. */
async function notesBesidePanel(page: Page, panelTitle: string): Promise<EditorGroup[]> {
  let groups: EditorGroup[] = [];
  try {
    return await until('notes.md and its panel shown in two groups', async () => {
      groups = await editorGroups(page);
      const notes = groups.findIndex((g) => g.shown === 'notes.md');
      const panel = groups.findIndex((g) => g.shown === panelTitle);
      return notes >= 0 && panel >= 0 && notes !== panel && groups;
    }, 30_000, page);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the editor groups: ${JSON.stringify(groups)}`);
  }
}

test('Open Notes offers sweeps, and notes.md opens beside its panel, which stays in view', { timeout: 5 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'notes-');
  const panelTabs = webviewFrame(page).locator('#tab-loss');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the hand-made sweep', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);

    // No panel open: the sweep is offered above its runs, with the state of its runs.
    await runCommand(page, 'Diffusion: Open Notes');
    const list = page.locator('.quick-input-list');
    await list.locator('.monaco-list-row').first().waitFor();
    const rows = await list.locator('.monaco-list-row').evaluateAll((rs) => rs.map((r) => (r.textContent ?? '').replace(/\s+/g, ' ').trim()));
    const sweepRow = rows.findIndex((r) => r.includes('handmade') && r.includes('sweep · 3 runs'));
    const runRow = rows.findIndex((r) => r.includes('T250-aaaa'));
    assert.ok(sweepRow >= 0, `the sweep is not offered: ${rows.join(' | ')}`);
    assert.ok(runRow > sweepRow, `the sweep comes after its runs: ${rows.join(' | ')}`);
    assert.match(rows.join(' | '), /Sweeps/);
    assert.match(rows[runRow]!, /handmade · final loss 0\.5000/, 'a run says its sweep and how it went, as its tree row does');
    assert.match(rows.find((r) => r.includes('T300-bbbb')) ?? '', /unreadable/);
    await clickPick(page, 'handmade');
    const first = await notesBesidePanel(page, 'Sweep handmade');
    assert.equal(first.length, 2, JSON.stringify(first));
    await panelTabs.waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(readFileSync(path.join(workspace, '.diffusion/sweeps/handmade/notes.md'), 'utf8'), '# Notes: sweep handmade\n\n');
    await shot('beside-new-panel');

    // The panel open and in front in the only group: the notes go to another group, the panel stays shown.
    await runCommand(page, 'View: Close All Editors');
    await until('no editor open', async () => (await editorGroups(page)).every((g) => g.tabs.length === 0), 30_000, page);
    await runCommand(page, 'View: Close All Editor Groups');
    await runCommand(page, 'Diffusion: Open Results Panel');
    await clickPick(page, 'handmade');
    await until('the panel alone', async () => {
      const groups = await editorGroups(page);
      return groups.length === 1 && groups[0]!.shown === 'Sweep handmade';
    }, 30_000, page);
    await panelTabs.waitFor({ state: 'visible', timeout: 60_000 }); // the focused panel's page takes the palette's F1 only once loaded
    await runCommand(page, 'Diffusion: Open Notes');
    await clickPick(page, 'handmade');
    const second = await notesBesidePanel(page, 'Sweep handmade');
    assert.equal(second.length, 2, JSON.stringify(second));
    await panelTabs.waitFor({ state: 'visible', timeout: 30_000 });
    await shot('beside-open-panel');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
