// Results panels that come back after Developer: Reload Window, in code-server through
// Chromium: a sweep's panel and a run's panel, each left with its own tab, smoothing, x axis,
// log scale, selected runs, Samples epoch and Noise steps t, are both restored by the
// serializer with all of them; a third, new panel then starts with the smoothing chosen last,
// and its Save SVG writes the chart where the save dialog starts: the run's directory.
// The runs are a tiny sweep trained by the CLI before the editor starts (8 px, 3 epochs, a
// reverse-process strip after each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { cli } from '../helpers/cli';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';

const SWEEP = {
  name: 'restore',
  base: {
    preset: 'small', channels: [4, 8], dataset: 'toy-cars', toyCarsCount: 16, heldOutCount: 4, heldOutFraction: 0.25, imgSize: 8, batchSize: 4,
    epochs: 3, sampleEvery: 1, sampleCount: 2, previewCount: 2, evalImages: 4, evalTimesteps: 4, backend: 'cpu',
  },
  axes: { timesteps: [10, 12] },
};

/** What a person sets in a panel, and then expects to see again. */
interface PanelOptions {
  tab: 'loss' | 'noise' | 'samples' | 'compare';
  smoothing: string;
  xAxis: 'step' | 'epoch' | 'wall';
  logY: boolean;
  /** The runs ticked in the Compare tab. */
  chosen: string[];
  /** The Samples slider's epoch, as its output shows it. */
  epoch: string;
  /** The Noise steps slider's t. */
  t: string;
}

test('results panels come back after Reload Window with their options; a new one takes the last smoothing; Save SVG writes into the run', { timeout: 5 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/cli.js')), 'dist/ missing: npm run build');
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-restore-workspace-'));
  writeFileSync(path.join(workspace, 'restore.sweep.json'), JSON.stringify(SWEEP, null, 2));
  const trained = cli(['sweep', path.join(workspace, 'restore.sweep.json'), '--out', path.join(workspace, '.diffusion')]);
  assert.equal(trained.code, 0, trained.stderr);
  const [runA, runB] = readdirSync(path.join(workspace, '.diffusion/runs')).filter((d) => !d.startsWith('.')).sort();
  assert.ok(runA && runB, 'two runs trained');
  // The palette lists a run by the tree's name for it: T10-xxxx is `T=10`.
  const pickOf = (runId: string) => `T=${/^T(\d+)-/.exec(runId)![1]}`;

  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'restore-');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the trained sweep', (rows) => rows.some((r) => r.startsWith('restore 2 runs · 2 done')), 90_000);

    const sweepPanel = { title: 'Sweep restore', heading: 'restore', pick: 'restore' };
    const sweepOptions: PanelOptions = { tab: 'samples', smoothing: '0.3', xAxis: 'epoch', logY: true, chosen: [runB], epoch: '1', t: '7' };
    const runPanel = { title: `Run ${runA}`, heading: runA, pick: pickOf(runA) };
    // Chosen last: its smoothing is the next new panel's.
    const runOptions: PanelOptions = { tab: 'noise', smoothing: '0.8', xAxis: 'wall', logY: true, chosen: [runA], epoch: '2', t: '4' };
    for (const [panel, options] of [[sweepPanel, sweepOptions], [runPanel, runOptions]] as const) {
      await runCommand(page, 'Diffusion: Open Results Panel');
      await clickPick(page, panel.pick);
      const view = await panelShown(page, panel);
      await setOptions(view, options);
      assert.deepEqual(await shownOptions(view), options, `${panel.title} before the reload`);
    }
    await shot('before-reload');

    const reloaded = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 60_000 });
    await runCommand(page, 'Developer: Reload Window');
    await reloaded;
    await page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]').waitFor({ timeout: 90_000 });
    // The run's panel was in front: it comes back in front, then the sweep's behind its tab.
    assert.deepEqual(await shownOptions(await panelShown(page, runPanel)), runOptions, `${runPanel.title} after the reload`);
    await shot('after-reload');
    await page.locator('.tabs-container .tab', { hasText: sweepPanel.title }).click();
    assert.deepEqual(await shownOptions(await panelShown(page, sweepPanel)), sweepOptions, `${sweepPanel.title} after the reload`);

    // A panel never opened before: the last smoothing, and the defaults for the rest.
    await runCommand(page, 'Diffusion: Open Results Panel');
    await clickPick(page, pickOf(runB));
    const fresh = await panelShown(page, { title: `Run ${runB}`, heading: runB });
    assert.deepEqual(await shownOptions(fresh), {
      tab: 'loss', smoothing: runOptions.smoothing, xAxis: 'step', logY: false, chosen: [runB], epoch: '3', t: '0',
    });

    // Save SVG of its loss chart: the save dialog starts in the run's directory, and the file is the chart.
    const runDir = path.join(workspace, '.diffusion/runs', runB);
    await fresh.locator('dl-loss-chart .save-svg').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Save the chart as SVG' }).waitFor();
    const input = page.locator('.quick-input-widget input');
    await until('the save dialog\'s default file', async () => (await input.inputValue()) === path.join(runDir, 'loss-chart.svg'), 10_000, page);
    await input.press('Enter');
    const svg = await until('loss-chart.svg on disk', () => existsSync(path.join(runDir, 'loss-chart.svg')) && readFileSync(path.join(runDir, 'loss-chart.svg'), 'utf8'), 30_000, page);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>[\s\S]*<\/svg>$/);
    assert.equal([...svg.matchAll(/<path class="series" data-series="([^"]*)"/g)].length, 2, 'the step loss and the smoothed loss');
    assert.deepEqual(readdirSync(runDir).filter((f) => f.endsWith('.tmp')), [], 'written through a temporary file, renamed');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});

/** The webview of the panel (its tab's title, the page's heading), once it is the one in front and has drawn its runs. */
async function panelShown(page: Page, panel: { title: string; heading: string }): Promise<FrameLocator> {
  await page.locator('.tabs-container .tab.active', { hasText: panel.title }).waitFor({ timeout: 90_000 });
  const view = webviewFrame(page);
  await view.locator('.app-header h1', { hasText: new RegExp(`^${panel.heading}$`) }).waitFor({ timeout: 90_000 });
  await view.locator('vscode-panel-tab[aria-selected="true"]').waitFor();
  return view;
}

async function setOptions(view: FrameLocator, o: PanelOptions): Promise<void> {
  await view.locator('#tab-loss').click();
  await view.locator('input.smoothing').fill(o.smoothing);
  await view.locator('vscode-dropdown.x-axis').click();
  await view.locator(`vscode-dropdown.x-axis vscode-option[value="${o.xAxis}"]`).click();
  if (o.logY) await view.locator('vscode-checkbox.log-y').click();
  await view.locator('#tab-compare').click();
  for (const row of await view.locator('table.compare tbody tr').all()) {
    const runId = (await row.getAttribute('data-run'))!;
    await row.locator('input[type=checkbox]').setChecked(o.chosen.includes(runId));
  }
  await view.locator('#tab-noise').click();
  await view.locator('input.t-slider').fill(o.t);
  await view.locator('#tab-samples').click();
  // Strips after epochs 1, 2 and 3: the slider's positions 0, 1, 2.
  await view.locator('input.epoch-slider').fill(String(Number(o.epoch) - 1));
  await view.locator(`#tab-${o.tab}`).click();
}

/** What the panel shows, read from its controls tab by tab (each tab draws only while open), back on the tab it was on. */
async function shownOptions(view: FrameLocator): Promise<PanelOptions> {
  const tab = (await view.locator('vscode-panel-tab[aria-selected="true"]').getAttribute('id'))!.replace(/^tab-/, '') as PanelOptions['tab'];
  await view.locator('#tab-loss').click();
  const smoothing = await view.locator('input.smoothing').inputValue();
  const xAxis = await view.locator('vscode-dropdown.x-axis').evaluate((d) => (d as unknown as { value: string }).value) as PanelOptions['xAxis'];
  const logY = await view.locator('vscode-checkbox.log-y').evaluate((c) => (c as unknown as { checked: boolean }).checked);
  await view.locator('#tab-compare').click();
  const chosen = await view.locator('table.compare tbody tr.chosen').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')!));
  await view.locator('#tab-noise').click();
  const t = (await view.locator('input.t-slider + output').textContent())!;
  await view.locator('#tab-samples').click();
  const epoch = (await view.locator('input.epoch-slider + output').textContent())!;
  await view.locator(`#tab-${tab}`).click();
  return { tab, smoothing, xAxis, logY, chosen, epoch, t };
}
