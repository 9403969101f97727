// The packaged extension as a person installs it: `npm run package` builds the VSIX,
// code-server installs it from the file (--install-extension, not the source folder),
// and the Get Started walkthrough is followed in Chromium, clicking each step's button:
// choose a dataset folder (the dialog opens), run the demo sweep (a tiny demo.sweep.json
// in the workspace) to done, open the results panel, write a note, export the notebook,
// and Install GPU Backend, whose libtensorflow download fails here, saying so, while
// Check Environment still finds wasm. Screenshots of the tree and the panel go to
// .vscode-test/screenshots (docs/*.png are copies of them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openWorkbench, SCREENSHOTS, screenshotter, type CodeServer } from './codeServer';
import { packagedVsix } from './packagedVsix';
import { clickPick, runCommand, treeRows, until } from './workbench';
import { sweepFile } from './workspace';

const WALKTHROUGH = 'Your First Diffusion Study';


function toast(page: Page, text: string | RegExp) {
  return page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
}

/** Back to the walkthrough's editor tab, then the step's button. */
async function clickStepButton(page: Page, step: string, button: string): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: 'Walkthrough: Diffusion Lab' }).first().click();
  const walkthrough = page.locator('.gettingStartedContainer');
  const stepRow = walkthrough.locator('.getting-started-step', { hasText: step }).first();
  // The page restores its last selected step as it shows again: click until this one stays expanded.
  await until(`the step "${step}" expanded`, async () => {
    if (!(await stepRow.evaluate((e) => e.classList.contains('expanded')))) await stepRow.locator('.step-title').click();
    await page.waitForTimeout(300);
    return stepRow.evaluate((e) => e.classList.contains('expanded'));
  }, 15_000, page);
  await stepRow.getByRole('button', { name: button, exact: true }).click();
}

test('the packaged VSIX installs into code-server and its walkthrough runs the study end to end', { timeout: 10 * 60_000 }, async (t) => {
  const started = Date.now();
  const vsix = packagedVsix();
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-vsix-workspace-'));
  // Run Demo Sweep trains the workspace's demo.sweep.json when there is one: a tiny one here.
  writeFileSync(path.join(workspace, 'demo.sweep.json'), JSON.stringify(sweepFile('demo', 3, [50, 60]), null, 2) + '\n');
  mkdirSync(path.join(workspace, 'images'));
  const { server, page } = await openWorkbench(t, workspace, {}, { installVsix: vsix });
  const installed = readdirSync(path.join(server.runDir, 'ext')).filter((d) => d.startsWith('diffusion-lab.diffusion-lab-'));
  assert.equal(installed.length, 1, `one installed copy of the extension: ${readdirSync(path.join(server.runDir, 'ext')).join(', ')}`);
  const extensionDir = path.join(server.runDir, 'ext', installed[0]!);
  const shot = screenshotter(page);
  try {
    await scenario(page, workspace, server, extensionDir, shot);
  } catch (err) {
    await shot('vsix-failure').catch(() => {});
    throw err;
  }
  console.log(`  VSIX test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

async function scenario(page: Page, workspace: string, server: CodeServer, extensionDir: string, shot: (name: string) => Promise<unknown>): Promise<void> {
  // No extensionDevelopmentPath: the extension is the installed one.
  await page.goto(server.url());
  const container = page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]');
  await container.waitFor({ timeout: 90_000 });

  // The walkthrough is on the welcome page (Help > Welcome), listed with the editor's own.
  await runCommand(page, 'Help: Welcome');
  // On a first start it opens the editor's own first walkthrough: back to the list.
  const back = page.locator('.gettingStartedContainer .prev-button', { hasText: 'Welcome' }).first();
  await back.waitFor({ timeout: 30_000 }).then(() => back.click(), () => undefined);
  const listed = page.locator('.gettingStartedContainer .getting-started-category', { hasText: WALKTHROUGH }).first();
  await listed.waitFor({ timeout: 30_000 });
  await listed.click();
  await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Run the demo sweep' }).first().waitFor();
  await shot('vsix-1-walkthrough');

  // 1. Choose Dataset Folder opens the folder dialog (code-server's own, in the page).
  await clickStepButton(page, 'Open a folder and choose a dataset', 'Choose Dataset Folder');
  const dialog = page.locator('.quick-input-widget', { hasText: 'Choose the folder of training images' });
  await dialog.waitFor({ timeout: 15_000 });
  await page.keyboard.press('Escape');

  // 2. Run Demo Sweep: the tiny demo trains to done, in the installed extension's trainer.
  await clickStepButton(page, 'Run the demo sweep', 'Run Demo Sweep');
  await container.click();
  const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
  let sawInstalledTrainer = false;
  const rows = await until('both demo runs done', async () => {
    sawInstalledTrainer ||= execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' }).split('\n')
      .some((l) => l.trim().startsWith(`${server.pid} `) && l.includes(trainerScript));
    const r = await treeRows(page);
    return r.filter((row) => /^T=(50|60) final loss \d\.\d{4} · \d+s$/.test(row)).length === 2 && r;
  }, 180_000, page);
  assert.ok(rows.some((r) => r.startsWith('demo ')), rows.join('\n'));
  assert.ok(sawInstalledTrainer, `a trainer ran from the installed extension (${trainerScript})`);
  await toast(page, 'Sweep demo finished: 2 of 2 runs done').waitFor({ timeout: 30_000 });
  await page.locator('.part.sidebar').screenshot({ path: path.join(SCREENSHOTS, 'vsix-tree.png') });

  // 3. Open Results Panel: the run's panel, a webview two iframes deep.
  await clickStepButton(page, 'Open the results panel', 'Open Results Panel');
  await clickPick(page, 'T=50');
  const panel = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
  await panel.locator('body').getByText('Loss', { exact: false }).first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(1500); // the chart's first frame
  await shot('vsix-panel');

  // 4. Open Notes: notes.md of the run, typed into and saved.
  await clickStepButton(page, 'Write a note', 'Open Notes');
  await clickPick(page, 'T=50');
  const runDir = path.join(workspace, '.diffusion', 'runs', readdirSync(path.join(workspace, '.diffusion', 'runs')).find((d) => d.startsWith('T50-'))!);
  const editor = page.locator('.editor-instance .monaco-editor', { hasText: 'Notes: run' }).first();
  await editor.waitFor({ timeout: 30_000 });
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('Fewer timesteps: the loss falls as fast.');
  await page.keyboard.press('Control+S');
  await until('notes.md saved', async () => readFileSync(path.join(runDir, 'notes.md'), 'utf8').includes('the loss falls as fast'), 15_000, page);

  // 5. Export Report: report.ipynb, its figures encoded by the packaged sharp.
  await clickStepButton(page, 'Export the notebook', 'Export Report');
  await clickPick(page, 'demo');
  const report = path.join(workspace, '.diffusion', 'sweeps', 'demo', 'report.ipynb');
  await until('report.ipynb', async () => existsSync(report), 120_000, page);
  const notebook = JSON.parse(readFileSync(report, 'utf8')) as { cells: Array<{ attachments?: Record<string, Record<string, string>> }> };
  assert.ok(notebook.cells.some((c) => Object.values(c.attachments ?? {}).some((a) => (a['image/png'] ?? '').startsWith('iVBORw0KGgo'))), 'PNG figures in the notebook');

  // 6. Install GPU Backend: npm installs @tensorflow/tfjs-node-gpu, whose libtensorflow download fails without network.
  if (await lookup('storage.googleapis.com').then(() => true, () => false)) {
    console.log('  storage.googleapis.com resolves here: not clicking Install GPU Backend (it would download libtensorflow)');
    return;
  }
  await clickStepButton(page, 'Train on a GPU (optional)', 'Install GPU Backend');
  const failed = toast(page, /could not download libtensorflow/);
  await failed.waitFor({ timeout: 300_000 });
  assert.match(await failed.innerText(), /Training keeps using the WebAssembly backend/);
  await failed.getByRole('button', { name: 'Check Environment' }).click();
  const envDoc = page.locator('.editor-instance .monaco-editor', { hasText: 'Diffusion Lab: environment' }).first();
  await envDoc.waitFor({ timeout: 60_000 });
  await until('the report names the training backend', async () => /Training runs on \(auto\):\*\* wasm/.test((await envDoc.innerText()).replace(/\s+/g, ' ')), 30_000, page);
  await shot('vsix-gpu-install-failed');
}


