// Screenshots of every tab of the results panel in code-server, in Dark Modern, Light Modern and
// both high contrast themes (chosen with Preferences: Color Theme, as a person would: code-server
// 4.100 starts in its light base theme whatever workbench.colorTheme says) and at a narrow width, for a person
// to look at (not a test: nothing is asserted). Point it at a workspace holding a trained sweep:
//   node --import tsx test/vscode/panel-screenshots.ts WORKSPACE SWEEP_NAME [OUT_DIR]
// OUT_DIR defaults to .vscode-test/screenshots; files are panel-<theme>-<tab>.png (theme: dark, light,
// hc-dark, hc-light).
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, ROOT, SCREENSHOTS, startCodeServer } from './codeServer';
import { clickPick, runCommand, webviewFrame } from './workbench';

const [workspace, sweepName, outDir = SCREENSHOTS] = process.argv.slice(2);
const TABS = ['loss', 'noise', 'samples', 'compare', 'notes'] as const;
/** File name part: the theme's name in the picker and the class the workbench then has. */
const THEMES = {
  dark: ['Dark Modern', 'vs-dark'],
  'hc-dark': ['Dark High Contrast', 'hc-black'],
  'hc-light': ['Light High Contrast', 'hc-light'],
  light: ['Light Modern', 'vs'], // last: the narrow ones are in it too
} as const;

async function main(): Promise<void> {
  if (!workspace || !sweepName) throw new Error('usage: panel-screenshots.ts WORKSPACE SWEEP_NAME [OUT_DIR]');
  mkdirSync(outDir, { recursive: true });
  const server = await startCodeServer(path.resolve(workspace));
  const { context, page } = await openBrowser(server.runDir);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy|diffusion/i.test(m.text())) errors.push(m.text());
  });
  try {
    await page.goto(server.url([['extensionDevelopmentPath', server.remote(ROOT)]]));
    const container = page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]');
    await container.waitFor({ timeout: 90_000 });
    await container.click();
    await runCommand(page, 'Diffusion: Open Results Panel');
    await clickPick(page, sweepName);
    const view = webviewFrame(page);
    await view.locator('dl-loss-chart canvas').first().waitFor({ timeout: 60_000 });
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    for (const [theme, [name, workbenchClass]] of Object.entries(THEMES)) {
      await runCommand(page, 'Preferences: Color Theme');
      await page.locator('.quick-input-widget input').fill(name);
      await clickPick(page, name);
      await page.locator(`.monaco-workbench.${workbenchClass}`).waitFor();
      await page.waitForTimeout(1500); // the panel redraws its charts in the new colours
      await shootTabs(page, theme, '');
    }
    // Narrow: the editor about 560 px wide.
    await page.setViewportSize({ width: 900, height: 900 });
    await page.waitForTimeout(1500);
    await shootTabs(page, 'light', '-narrow');
  } finally {
    console.log(errors.length ? `console:\n${errors.join('\n')}` : 'no CSP or panel messages in the console');
    await context.close();
    await server.stop();
  }
}

async function shootTabs(page: Page, theme: string, suffix: string): Promise<void> {
  const view = webviewFrame(page);
  for (const tab of TABS) {
    await view.locator(`#tab-${tab}`).click();
    await view.locator(`#view-${tab} > *`).first().waitFor();
    if (tab === 'noise') {
      // Part way: the image half noise, the marker on the schedule curves.
      const slider = view.locator('input.t-slider');
      await slider.fill('20');
      await slider.evaluate((el) => (el as unknown as { blur(): void }).blur());
    }
    await page.waitForTimeout(tab === 'loss' || tab === 'noise' ? 800 : 400);
    const file = path.join(outDir, `panel-${theme}-${tab}${suffix}.png`);
    await page.screenshot({ path: file });
    // The panel alone (the editor area), for the README.
    await page.locator('.part.editor').screenshot({ path: file.replace(/\.png$/, '-editor.png') });
    console.log(file);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
