// Run Demo Sweep in code-server: the shipped demo (faithful and improved side by side) trains
// to done in the Experiments tree, and the panel's Samples tab shows both runs, the improved
// one with its weight average's and its raw weights' final grids and grids over training time.
// The steps are cut to a few dozen so the test stays short; DIFFUSION_LAB_DEMO_FULL=1 trains
// the shipped file unchanged (the README's picture of it comes from npm run docs:screenshots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';

const FULL = process.env.DIFFUSION_LAB_DEMO_FULL === '1';

test('Run Demo Sweep: faithful and improved to done, their samples over training time in the panel', { timeout: (FULL ? 20 : 8) * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/webview.js')), 'dist/ missing: npm run build');
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-demo-workspace-'));
  const shipped = JSON.parse(readFileSync(path.join(ROOT, 'sweeps/demo.sweep.json'), 'utf8')) as { base: Record<string, unknown>; axes: unknown };
  if (!FULL) {
    // The same two runs, a few dozen steps each: 8 steps an epoch, previews after epochs 1 and 2.
    Object.assign(shipped.base, { toyCarsCount: 256, epochs: 3, maxSteps: 24, sampleEvery: 1, sampleCount: 8, ddimSteps: 10, timesteps: 100 });
    writeFileSync(path.join(workspace, 'demo.sweep.json'), JSON.stringify(shipped, null, 2) + '\n');
  }
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'demo-');
  try {
    await openDiffusionLabView(page, server);
    // The view says what to do on a folder without experiments; its command is the palette's.
    await page.locator('.welcome-view-content', { hasText: 'No experiments yet' }).waitFor({ timeout: 90_000 });
    await runCommand(page, 'Diffusion: Run Demo Sweep');
    await waitForRows(page, 'both demo runs done', (rows) => rows.some((r) => r.startsWith('demo 2 runs · 2 done')), (FULL ? 15 : 5) * 60_000);
    const rows = await waitForRows(page, 'the two recipes', (r) => r.some((x) => x.includes('recipe=faithful (base)')) && r.some((x) => x.includes('recipe=improved')), 30_000);
    assert.ok(rows.length > 0);

    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    await runCommand(page, 'Diffusion: Open Results Panel');
    await clickPick(page, 'demo');
    const view = webviewFrame(page);
    await view.locator('#tab-samples').click();
    const improved = view.locator('section.sample-card', { hasText: 'recipe=improved' });
    const faithful = view.locator('section.sample-card', { hasText: 'recipe=faithful' });
    await improved.waitFor({ timeout: 60_000 });
    await faithful.waitFor();
    // Every image has loaded from the run directories (localResourceRoots allow them).
    const loaded = async (card: typeof improved) => card.locator('img').evaluateAll((imgs) => imgs.map((i) => [i.getAttribute('alt') ?? '', (i as unknown as { naturalWidth: number }).naturalWidth > 0] as const));
    const images = await until('the improved run\'s images loaded', async () => {
      const all = await loaded(improved);
      return all.length >= 4 && all.every(([, ok]) => ok) ? all : undefined;
    }, 30_000, page);
    assert.ok(images.length >= 4, JSON.stringify(images));
    const captions = await improved.locator('figcaption').allInnerTexts();
    assert.ok(captions.some((c) => /^epoch \d+ · .*SWD [\d.]+ \(floor [\d.]+\)/.test(c)), `an epoch grid with its time and SWD: ${captions.join(' | ')}`);
    assert.ok(captions.some((c) => c.startsWith('EMA weights · SWD')), captions.join(' | '));
    assert.ok(captions.some((c) => c.startsWith('raw weights · SWD')), captions.join(' | '));
    const faithfulCaptions = await faithful.locator('figcaption').allInnerTexts();
    assert.ok(!faithfulCaptions.some((c) => c.startsWith('raw weights')), 'the faithful recipe keeps no weight average');
    await view.locator('.swd-chart canvas').first().waitFor();
    await shot('samples');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
