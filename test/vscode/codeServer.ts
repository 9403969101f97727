// A real VS Code for tests: code-server 4.100.3 (installed by install-code-server.sh into
// .vscode-test/code-server), one fresh server per test file, driven by Debian's Chromium
// through playwright-core. See ../../../shared/testing-in-vscode.md for why this setup.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '../..');
const CODE_SERVER = path.join(ROOT, '.vscode-test/code-server/node_modules/.bin/code-server');
const CHROMIUM = '/usr/bin/chromium';

/** Installs code-server when it is not there yet (about a minute, once). */
export function ensureCodeServer(): void {
  if (existsSync(CODE_SERVER)) return;
  const r = spawnSync(path.join(ROOT, 'test/vscode/install-code-server.sh'), { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(CODE_SERVER)) throw new Error('could not install code-server (needs apt packages libkrb5-dev ripgrep; see test/vscode/install-code-server.sh)');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface CodeServer {
  port: number;
  /** The server's process id, which is also its process group's: the trainers it starts are in that group. */
  pid: number;
  /** Scratch directory of this server: user data, logs, browser profile. */
  runDir: string;
  /** The workbench URL for the folder, with an optional test payload. */
  url(payload?: [string, string][]): string;
  /** `vscode-remote://` URI of a path on this machine, for payload entries. */
  remote(p: string): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** A .vsix to install into this server's extensions directory before it starts (code-server --install-extension). */
  installVsix?: string;
  /** Keep workspace trust on (the folder then opens in Restricted Mode); tests otherwise switch it off. */
  workspaceTrust?: boolean;
  /** More environment for the server, which its extension hosts and their trainers inherit (e.g. softwareGpuEnv()). */
  env?: Record<string, string>;
}

export async function startCodeServer(workspace: string, userSettings: Record<string, unknown> = {}, options: CodeServerOptions = {}): Promise<CodeServer> {
  ensureCodeServer();
  const runDir = mkdtempSync(path.join(tmpdir(), 'dl-vscode-'));
  const port = await freePort();
  for (const d of ['xdg', 'tmp', 'ud/User', 'ext']) mkdirSync(path.join(runDir, d), { recursive: true });
  writeFileSync(path.join(runDir, 'cs.yaml'), 'auth: none\n');
  writeFileSync(path.join(runDir, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'workbench.tips.enabled': false,
    'extensions.autoCheckUpdates': false, 'extensions.autoUpdate': false, ...userSettings,
  }));
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(runDir, 'xdg'), XDG_DATA_HOME: path.join(runDir, 'xdg'), TMPDIR: path.join(runDir, 'tmp'), ...options.env };
  const dirs = ['--config', path.join(runDir, 'cs.yaml'), '--user-data-dir', path.join(runDir, 'ud'), '--extensions-dir', path.join(runDir, 'ext')];
  if (options.installVsix) {
    const r = spawnSync(CODE_SERVER, [...dirs, '--install-extension', options.installVsix], { env, encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`code-server --install-extension ${options.installVsix} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
  // Its own process group, so that stop() also ends the extension hosts it starts.
  const child: ChildProcess = spawn(CODE_SERVER, [
    ...dirs, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), workspace,
  ], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited:\n${log}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`code-server did not answer on ${port}:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
  return {
    port, runDir, remote, pid: child.pid!,
    url: (payload) => `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}` +
      (payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : ''),
    stop: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

export async function openBrowser(runDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(path.join(runDir, 'chromium'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? await context.newPage();
  return { context, page };
}

/** Tests' screenshots go here (kept after the run, for a person to look at). */
export const SCREENSHOTS = path.join(ROOT, '.vscode-test/screenshots');

/**
 * A code-server on `workspace` and a browser for it; after the test both are ended and the
 * workspace is removed.
 */
export async function openWorkbench(
  t: TestContext, workspace: string, userSettings: Record<string, unknown> = {}, options: CodeServerOptions = {},
): Promise<{ server: CodeServer; context: BrowserContext; page: Page }> {
  const server = await startCodeServer(workspace, userSettings, options);
  const browser = await openBrowser(server.runDir).catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  t.after(async () => {
    await browser.context.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
  });
  return { server, ...browser };
}

/** Saves screenshots of the page as SCREENSHOTS/<prefix><name>.png. */
export function screenshotter(page: Page, prefix = ''): (name: string) => Promise<unknown> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return (name) => page.screenshot({ path: path.join(SCREENSHOTS, `${prefix}${name}.png`) });
}
