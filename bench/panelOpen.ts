// How long the results panel takes to open in a real VS Code (code-server, see
// test/vscode/codeServer.ts) on a 20-run sweep of 500 steps a run: from the click on the
// sweep in Open Results Panel's quick pick to the webview's page load, its first paint, the
// host's init message and the painted chart (performance marks diffusion:init and
// diffusion:chart-painted). Prints the load average: the machine may be busy.
// Usage: npm run build && node --import tsx bench/panelOpen.ts [tries=3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG } from '../src/shared/runConfig';
import { openBrowser, ROOT, startCodeServer } from '../test/vscode/codeServer';
import { runCommand, webviewFrame } from '../test/vscode/workbench';

const tries = Number(process.argv[2] ?? 3);
const RUNS = 20;
const STEPS = 500;

/** A finished sweep on disk: sweep.json and 20 run directories with config, status and 500 loss points each. */
function makeSweep(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-panel-open-'));
  const out = path.join(dir, '.diffusion');
  const runs = Array.from({ length: RUNS }, (_, i) => ({ runId: `T${100 + 10 * i}-${String(i).padStart(4, '0')}`, varied: { timesteps: 100 + 10 * i } }));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
    writeFileSync(path.join(out, rel), text);
  };
  write('sweeps/twenty/sweep.json', JSON.stringify({ formatVersion: 1, sweepId: 'twenty', name: 'twenty', source: path.join(dir, 'twenty.sweep.json'), variedFields: ['timesteps'], runs }));
  for (const [i, r] of runs.entries()) {
    const config = { ...DEFAULT_RUN_CONFIG, timesteps: r.varied.timesteps, imgSize: 16, batchSize: 32 };
    write(`runs/${r.runId}/config.json`, JSON.stringify({ formatVersion: 1, runId: r.runId, config, environment: { backend: 'wasm', parameterCount: 1234 } }));
    write(`runs/${r.runId}/status.json`, JSON.stringify({ formatVersion: 1, state: 'done', createdAt: '2025-01-01T00:00:00Z', step: STEPS, epoch: 20, totalSteps: STEPS }));
    const lines: string[] = [];
    for (let s = 1; s <= STEPS; s++) {
      lines.push(JSON.stringify({ kind: 'step', step: s, epoch: Math.floor((s - 1) / 25), loss: 0.2 + 0.6 / Math.sqrt(s) + 0.03 * Math.sin(s + i), ms: 40, imagesPerSec: 800, wallMs: 45 * s }));
      if (s % 25 === 0) lines.push(JSON.stringify({ kind: 'epoch', epoch: s / 25 - 1, meanLoss: 0.2 + 0.6 / Math.sqrt(s), ms: 1000, wallMs: 45 * s }));
    }
    write(`runs/${r.runId}/metrics.jsonl`, lines.join('\n') + '\n');
  }
  return dir;
}

async function main(): Promise<void> {
  const workspace = makeSweep();
  const server = await startCodeServer(workspace);
  const { context, page } = await openBrowser(server.runDir);
  try {
    await page.goto(server.url([['extensionDevelopmentPath', server.remote(ROOT)]]));
    const container = page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]');
    await container.waitFor({ timeout: 90_000 });
    await container.click();
    await page.locator('.part.sidebar .monaco-list-row', { hasText: /^twenty/ }).first().waitFor({ timeout: 60_000 });
    console.log(`20-run sweep, ${STEPS} loss points a run; ms after the click on it in Open Results Panel's quick pick:`);
    for (let i = 0; i < tries; i++) {
      await page.waitForTimeout(2000);
      await runCommand(page, 'Diffusion: Open Results Panel');
      const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^twenty$/ }) }).first();
      await row.waitFor();
      const load = loadavg()[0]!;
      const clicked = Date.now();
      await row.click();
      const view = webviewFrame(page);
      await view.locator('dl-loss-chart canvas').first().waitFor({ timeout: 60_000 });
      type Timings = { origin: number; loaded?: number; fcp?: number; init?: number; painted?: number };
      let t: Timings;
      for (;;) {
        // A string, not a function: tsx would add helpers the page lacks.
        t = await view.locator('body').evaluate(`(() => {
          const mark = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime;
          const nav = performance.getEntriesByType('navigation')[0];
          return {
            origin: performance.timeOrigin, loaded: nav?.domContentLoadedEventEnd,
            fcp: performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint')?.startTime,
            init: mark('diffusion:init'), painted: mark('diffusion:chart-painted'),
          };
        })()`) as Timings;
        if (t.painted !== undefined) break;
        await page.waitForTimeout(100);
      }
      const at = (ms: number | undefined) => (ms === undefined ? '?' : String(Math.round(t.origin + ms - clicked)));
      console.log(`  try ${i + 1} (load ${load.toFixed(2)}): webview page starts ${at(0)}, loaded ${at(t.loaded)}, first paint ${at(t.fcp)}, ` +
        `init message ${at(t.init)}, chart painted ${at(t.painted)} (page start to chart: ${Math.round(t.painted! )} ms, init to chart: ${Math.round(t.painted! - t.init!)} ms)`);
      await runCommand(page, 'View: Close All Editors');
    }
  } finally {
    await context.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
