// Driving the workbench of code-server from a test: the command palette, quick picks, the
// Experiments tree, notifications, and the content of a webview panel.
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { ROOT, type CodeServer } from './codeServer';

/** The text of every row of the Experiments tree (label and description). */
export async function treeRows(page: Page): Promise<string[]> {
  return page.locator('.part.sidebar .monaco-list-row').evaluateAll((rows) => rows.map((r) =>
    [r.querySelector('.label-name')?.textContent ?? '', r.querySelector('.label-description')?.textContent ?? ''].join(' ').replace(/\s+/g, ' ').trim()));
}

export async function waitForRows(page: Page, what: string, pass: (rows: string[]) => boolean, timeoutMs = 180_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  while (Date.now() < deadline) {
    rows = await treeRows(page);
    if (pass(rows)) return rows;
    await page.waitForTimeout(500);
  }
  throw new Error(`timed out waiting for ${what}; the tree shows:\n${rows.join('\n')}`);
}

/** F1, the command's title, then its row in the palette. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await clickPick(page, title);
}

/** Clicks the quick-pick row whose label is exactly `label` ("Run Sweep" also matches "Run Demo Sweep" when typed), or matches it. */
export async function clickPick(page: Page, label: string | RegExp): Promise<void> {
  const exact = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : label;
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
}

/** The document of the (only) webview panel: an iframe in an iframe. */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/**
 * Right-clicks `row` and runs the context-menu item `label`. Monaco's menu can swallow a click
 * that lands while it is still opening, and stays open over everything; so the click is
 * retried until the menu has closed.
 */
export async function runContextMenuItem(page: Page, row: Locator, label: string): Promise<void> {
  const menu = page.locator('.context-view .monaco-menu');
  for (let attempt = 1; ; attempt++) {
    await row.click({ button: 'right' });
    const item = menu.locator('.action-item', { hasText: label });
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await item.hover();
    await item.click();
    try {
      await menu.waitFor({ state: 'hidden', timeout: 3_000 });
      return;
    } catch (err) {
      if (attempt === 3) throw new Error(`the context menu item "${label}" did not run after ${attempt} clicks`, { cause: err });
      await page.keyboard.press('Escape');
      await menu.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => {});
    }
  }
}

/** Polls `probe` until it gives something truthy (every 300 ms), or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, page: Page): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(300);
  }
}

/** The workbench with this checkout as the extension under development, and the Diffusion Lab view open. */
export async function openDiffusionLabView(page: Page, server: CodeServer): Promise<void> {
  await page.goto(server.url([['extensionDevelopmentPath', server.remote(ROOT)]]));
  const container = page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]');
  await container.waitFor({ timeout: 90_000 });
  await container.click();
}
