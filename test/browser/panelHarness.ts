// A fake VS Code host for the results panel's webview bundle: a page under the same kind of
// CSP as the real panel (nonce scripts, no inline styles, no eval), an acquireVsCodeApi
// stub that records what the webview posts, and a way to replay host messages into it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { HostToPanelMessage, PanelToHostMessage } from '../../src/shared/panelMessages';

const root = path.resolve(import.meta.dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** dist/webview.js and .css, built if missing (node test/run.mjs may run without `npm run build`). */
export function webviewBundle(): { js: string; css: string } {
  const js = path.join(root, 'dist', 'webview.js');
  const css = path.join(root, 'dist', 'webview.css');
  if (!existsSync(js) || !existsSync(css)) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('building the webview bundle failed');
  }
  return { js, css };
}

export function demoMessages(): HostToPanelMessage[] {
  return JSON.parse(readFileSync(path.join(root, 'test/fixtures/panel/demo-sweep.messages.json'), 'utf8')) as HostToPanelMessage[];
}

export interface FakeHost {
  browser: Browser;
  page: Page;
  /** Posts messages to the webview as the extension host would. */
  send(messages: readonly HostToPanelMessage[]): Promise<void>;
  /** What the webview posted so far. */
  sent(): Promise<PanelToHostMessage[]>;
  /** Console errors and uncaught exceptions of the page so far (CSP violations show up here). */
  errors(): string[];
  /**
   * Waits until `predicate` (run in the page) returns true. Polled from here: Playwright's
   * waitForFunction compiles its predicate in the page, which the CSP (no eval) forbids.
   */
  until<A>(predicate: (arg: A) => unknown, arg: A, timeoutMs?: number): Promise<void>;
  /** Loads the page again, keeping the state the webview saved with setState (as VS Code does when a hidden panel is shown). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export type Theme = 'dark' | 'light';

const THEMES: Record<Theme, string> = {
  dark: `--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-descriptionForeground:#9d9d9d;--vscode-panel-border:#3c3c3c;
    --vscode-input-background:#313131;--vscode-input-foreground:#cccccc;--vscode-input-border:#3c3c3c;--vscode-focusBorder:#0078d4;
    --vscode-button-background:#0078d4;--vscode-button-foreground:#ffffff;--vscode-list-hoverBackground:#2a2d2e;--vscode-textLink-foreground:#4daafc;
    --vscode-editorWidget-background:#202020;--vscode-textCodeBlock-background:#2b2b2b;--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;
    --vscode-editor-font-family:monospace;--vscode-charts-green:#89d185;--vscode-errorForeground:#f85149;
    --vscode-dropdown-background:#313131;--vscode-dropdown-foreground:#cccccc;--vscode-dropdown-border:#3c3c3c;
    --vscode-checkbox-background:#313131;--vscode-checkbox-border:#3c3c3c;--vscode-checkbox-foreground:#cccccc;
    --vscode-panelTitle-activeForeground:#e7e7e7;--vscode-panelTitle-activeBorder:#0078d4;--vscode-panelTitle-inactiveForeground:#9d9d9d;
    --vscode-button-secondaryBackground:#313131;--vscode-button-secondaryForeground:#cccccc;--vscode-button-secondaryHoverBackground:#3c3c3c;`,
  light: `--vscode-foreground:#3b3b3b;--vscode-editor-background:#ffffff;--vscode-descriptionForeground:#717171;--vscode-panel-border:#e5e5e5;
    --vscode-input-background:#ffffff;--vscode-input-foreground:#3b3b3b;--vscode-input-border:#cecece;--vscode-focusBorder:#005fb8;
    --vscode-button-background:#005fb8;--vscode-button-foreground:#ffffff;--vscode-list-hoverBackground:#f2f2f2;--vscode-textLink-foreground:#005fb8;
    --vscode-editorWidget-background:#f8f8f8;--vscode-textCodeBlock-background:#f0f0f0;--vscode-font-family:system-ui,sans-serif;--vscode-font-size:13px;
    --vscode-editor-font-family:monospace;--vscode-charts-green:#388a34;--vscode-errorForeground:#e51400;
    --vscode-dropdown-background:#ffffff;--vscode-dropdown-foreground:#3b3b3b;--vscode-dropdown-border:#cecece;
    --vscode-checkbox-background:#f8f8f8;--vscode-checkbox-border:#cecece;--vscode-checkbox-foreground:#3b3b3b;
    --vscode-panelTitle-activeForeground:#3b3b3b;--vscode-panelTitle-activeBorder:#005fb8;--vscode-panelTitle-inactiveForeground:#717171;
    --vscode-button-secondaryBackground:#e5e5e5;--vscode-button-secondaryForeground:#3b3b3b;--vscode-button-secondaryHoverBackground:#cccccc;`,
};

/** Opens the webview bundle in Chromium behind a fake host; `width` in CSS pixels; `imgSrc`: more image origins the CSP allows. */
export async function openFakeHost(options: { theme?: Theme; width?: number; height?: number; imgSrc?: string } = {}): Promise<FakeHost> {
  const { js, css } = webviewBundle();
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-panel-'));
  const nonce = 'dGVzdC1ub25jZQ==';
  const theme = options.theme ?? 'dark';
  // The theme variables as VS Code provides them: a stylesheet with this page's nonce.
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src file: data:${options.imgSrc ? ` ${options.imgSrc}` : ''}; style-src file: 'nonce-${nonce}'; font-src file:; script-src 'nonce-${nonce}';">
<meta property="csp-nonce" content="${nonce}">
<style nonce="${nonce}">html { ${THEMES[theme]} }</style>
<link rel="stylesheet" href="${pathToFileUrl(css)}">
</head><body class="vscode-${theme}"><dl-app><div class="loading">Reading the run directory…</div></dl-app>
<script nonce="${nonce}">
  window.__sent = [];
  window.__pwned = false;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__sent.push(JSON.parse(JSON.stringify(m))),
    getState: () => JSON.parse(sessionStorage.getItem('state') ?? 'null') ?? undefined,
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
</script>
<script nonce="${nonce}" src="${pathToFileUrl(js)}"></script></body></html>`;
  const file = path.join(dir, 'panel.html');
  writeFileSync(file, html);
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--allow-file-access-from-files'],
  });
  const page = await browser.newPage({ viewport: { width: options.width ?? 1100, height: options.height ?? 800 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileUrl(file));
  const ready = async () => {
    while (!(await page.evaluate(() => (window as unknown as { __sent?: Array<{ type: string }> }).__sent?.some((m) => m.type === 'ready')))) await new Promise((r) => setTimeout(r, 25));
  };
  await ready();
  return {
    browser, page,
    send: (messages) => page.evaluate((ms) => {
      for (const m of ms) window.postMessage(m, '*');
    }, messages as HostToPanelMessage[]),
    errors: () => [...errors],
    until: async (predicate, arg, timeoutMs = 5000) => {
      const end = Date.now() + timeoutMs;
      while (!(await page.evaluate(predicate as (a: unknown) => unknown, arg))) {
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${predicate.toString()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    sent: () => page.evaluate(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent),
    reload: async () => {
      await page.reload();
      await ready();
    },
    close: async () => {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pathToFileUrl(p: string): string {
  return `file://${p.split(path.sep).map(encodeURIComponent).join('/')}`;
}
