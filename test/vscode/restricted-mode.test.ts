// An untrusted folder (Restricted Mode, as VS Code opens a folder it has not been told to
// trust): the Experiments tree still shows what is on disk, and Run Sweep from the palette
// explains that training needs trust instead of starting a trainer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { makeWorkspace } from './workspace';
import { openDiffusionLabView, runCommand, waitForRows } from './workbench';

test('Restricted Mode: experiments can be browsed, Run Sweep asks for trust and trains nothing', { timeout: 5 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  // No trust prompt at startup: the folder simply opens restricted.
  const { server, page } = await openWorkbench(t, workspace, { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.enabled': true }, { workspaceTrust: true });
  const shot = screenshotter(page, 'restricted-');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the hand-made sweep', (r) => r.some((row) => row.startsWith('handmade ')), 60_000);

    await runCommand(page, 'Diffusion: Run Sweep');
    const warning = page.locator('.notifications-toasts .notification-list-item', { hasText: 'trust the workspace to train' });
    await warning.waitFor({ timeout: 30_000 });
    await shot('run-sweep');
    // Give a trainer, had one been started, time to write its run folders.
    await page.waitForTimeout(3000);
    const runs = path.join(workspace, '.diffusion/runs');
    assert.deepEqual(existsSync(runs) ? readdirSync(runs).sort() : [], ['T250-aaaa', 'T300-bbbb'], 'no run was started');
    assert.equal(existsSync(path.join(workspace, '.diffusion/sweeps/tiny')), false, 'no sweep was resolved');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
