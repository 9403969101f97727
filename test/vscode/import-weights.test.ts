// Diffusion: Import PyTorch Weights in code-server through Chromium, on state_dicts saved by
// real PyTorch (/usr/bin/python3 with torch, test/fixtures/reference_unet.py): a file of
// another architecture (one conv with a 1x1 kernel where SimpleUnet has 3x3) is refused with
// an error that names the tensor, and no run directory is written; the notebook's model then
// becomes a run that the Experiments tree lists and whose results panel opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { pythonOrSkip } from '../helpers/python';
import { FIXTURES } from '../helpers/tensors';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';

/** The notebook's SimpleUnet at widths 4, 8, 16 (seeded), and the same state_dict with downs.1.conv2.weight 1x1. */
const SAVE_WEIGHTS = `
import sys
sys.path.insert(0, sys.argv[1])
import torch
from reference_unet import SimpleUnet
from torch_safetensors import save_file
torch.manual_seed(3)
state = SimpleUnet([4, 8, 16]).state_dict()
save_file(state, sys.argv[2], metadata={"format": "pt"})
state["downs.1.conv2.weight"] = torch.zeros(16, 16, 1, 1)
save_file(state, sys.argv[3], metadata={"format": "pt"})
`;

test('Import PyTorch Weights: a misfit file is refused naming its tensor, the notebook\'s model becomes a run in the tree and the panel', { timeout: 4 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/cli.js')), 'dist/ missing: npm run build');
  const python = pythonOrSkip(t, ['torch'], 'python3-torch', ['/usr/bin/python3', 'python3']);
  if (!python) return;
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-import-workspace-'));
  const good = path.join(workspace, 'notebook_unet.safetensors');
  const misfit = path.join(workspace, 'other_unet.safetensors');
  const saved = spawnSync(python, ['-c', SAVE_WEIGHTS, FIXTURES, good, misfit], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(saved.status, 0, saved.stderr);
  const runsDir = path.join(workspace, '.diffusion/runs');
  const runDirs = () => (existsSync(runsDir) ? readdirSync(runsDir).filter((d) => !d.startsWith('.')) : []);

  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'import-');
  try {
    await openDiffusionLabView(page, server);
    await page.locator('.welcome-view-content', { hasText: 'No experiments yet' }).waitFor({ timeout: 90_000 });

    await importFile(page, misfit);
    const error = page.locator('.notifications-toasts .notification-toast', { hasText: 'cannot import' });
    await error.waitFor({ timeout: 60_000 });
    const said = (await error.innerText()).replace(/\s+/g, ' ');
    assert.match(said, /downs\.1\.conv2\.weight has shape \[16, 16, 1, 1\].* needs \[16, 16, 3, 3\]/, said);
    assert.ok(said.includes(misfit), `the error names the file: ${said}`);
    assert.deepEqual(runDirs(), [], 'no run directory');
    await shot('misfit');
    await runCommand(page, 'Notifications: Clear All Notifications');

    await importFile(page, good);
    const run = await until('the imported run directory', () => runDirs()[0], 60_000, page);
    assert.match(run, /^imported-notebook_unet-T300-16px-relu-[0-9a-f]{4}$/);
    await waitForRows(page, 'the imported run in the tree', (rows) => rows.some((r) => r.startsWith(run)), 60_000);
    // Its panel opens by itself, on the run.
    await page.locator('.tabs-container .tab.active', { hasText: `Run ${run}` }).waitFor({ timeout: 60_000 });
    const view = webviewFrame(page);
    await view.locator('.app-header h1', { hasText: run }).waitFor({ timeout: 60_000 });
    await view.locator('#tab-noise').click();
    await view.locator('.xt figcaption', { hasText: 'of T = 300' }).waitFor({ timeout: 30_000 });
    await shot('imported');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});

/** The palette command, the file typed into code-server's own open dialog, then T 300 and 16 px from the quick picks. */
async function importFile(page: Page, file: string): Promise<void> {
  await runCommand(page, 'Diffusion: Import PyTorch Weights');
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Import PyTorch Weights' }).waitFor();
  // The dialog fills in its folder and lists it a moment after it opens: typing before that is overwritten.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(file) }).waitFor();
  await input.fill(file);
  await until(`the dialog to hold ${file}`, async () => (await input.inputValue()) === file, 10_000, page);
  await input.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'timesteps T' }).waitFor();
  await clickPick(page, '300');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'image size' }).waitFor();
  await clickPick(page, '16');
}
