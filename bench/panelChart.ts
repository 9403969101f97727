// Streams 100k loss points into the results panel's loss chart (the built webview bundle in
// Chromium, behind the test's fake host) and prints frames per second, main-thread time per
// frame and memory. The machine may be busy: the same message loop is first run on an empty
// page (the baseline: what a page that draws nothing gets now), and the load average printed.
// Then a 20-run sweep's panel (500 points a run) on fresh pages: page start to first paint, init
// message to header and tabs painted and to chart painted, beside an empty page's two frames.
// Usage: npm run build && node --import tsx bench/panelChart.ts [points=100000] [perMessage=1000]
import { cpus, loadavg } from 'node:os';
import type { CDPSession, Page } from 'playwright-core';
import { demoMessages, openFakeHost } from '../test/browser/panelHarness';
import type { HostToPanelMessage, LossPoints, RunSummary } from '../src/shared/panelMessages';

const total = Number(process.argv[2] ?? 100_000);
const perMessage = Number(process.argv[3] ?? 1000);
const init = demoMessages()[0] as Extract<HostToPanelMessage, { type: 'init' }>;
const run = { ...init.runs[0]!, runId: 'bench', label: 'bench run', colorIndex: 0 };

interface Stream { seconds: number; frames: number; fps: number; p50: number; p95: number; worst: number; columns: number; heapMB: number }

/**
 * In the page, as a string: messages of `per` points, one per animation frame (the stress case) or
 * one every `gapMs` (the host sends at most ten a second), frame intervals recorded meanwhile.
 */
const stream = (per: number, gapMs = 0) => `(async () => {
  const total = ${total}, per = ${per}, gapMs = ${gapMs};
  const gaps = []; let counting = true, last = performance.now();
  const tick = (now) => { gaps.push(now - last); last = now; if (counting) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const start = performance.now();
  for (let sent = 0; sent < total; sent += per) {
    const n = Math.min(per, total - sent);
    const step = Array.from({ length: n }, (_, i) => sent + i + 1);
    window.postMessage({ type: 'points', series: [{ runId: 'bench', reset: false, step, wallSec: step.map((s) => s / 50),
      loss: step.map((s) => 0.05 + 0.8 / Math.sqrt(s) + 0.05 * Math.random()) }] }, '*');
    await new Promise((r) => (gapMs ? setTimeout(r, gapMs) : requestAnimationFrame(r)));
  }
  await new Promise((r) => setTimeout(r, 200));
  counting = false;
  const seconds = (performance.now() - start) / 1000;
  const sorted = gaps.slice(1).sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  const chart = document.querySelector('dl-loss-chart');
  return { seconds, frames: gaps.length, fps: gaps.length / seconds, p50: q(0.5), p95: q(0.95), worst: sorted.at(-1) ?? NaN,
    columns: chart ? chart.plotted[0].length : 0, heapMB: performance.memory ? performance.memory.usedJSHeapSize / 1e6 : NaN };
})()`;

/** Main-thread time (all tasks, and scripts alone) while `work` runs, from Chromium's own counters. */
async function busy<T>(cdp: CDPSession, work: () => Promise<T>): Promise<{ result: T; taskMs: number; scriptMs: number }> {
  const read = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (name: string) => (metrics.find((m) => m.name === name)?.value ?? NaN) * 1000;
    return { task: get('TaskDuration'), script: get('ScriptDuration') };
  };
  await cdp.send('Performance.enable');
  const before = await read();
  const result = await work();
  const after = await read();
  return { result, taskMs: after.task - before.task, scriptMs: after.script - before.script };
}

function line(name: string, s: Stream, b: { taskMs: number; scriptMs: number }): string {
  return `${name.padEnd(22)} ${s.fps.toFixed(1).padStart(6)} fps  frame p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, worst ${s.worst.toFixed(0)} ms;`
    + `  main thread ${(b.taskMs / s.frames).toFixed(2)} ms/frame (script ${(b.scriptMs / s.frames).toFixed(2)})`;
}

async function openSession(page: Page): Promise<CDPSession> {
  return page.context().newCDPSession(page);
}

async function main(): Promise<void> {
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  // Baseline: the same loop on a page with no panel (the messages go nowhere).
  const empty = await openFakeHost({ width: 1200, height: 800 });
  await empty.page.evaluate(() => document.querySelector('dl-app')?.remove());
  const emptyCdp = await openSession(empty.page);
  const base = await busy(emptyCdp, () => empty.page.evaluate(stream(perMessage)) as Promise<Stream>);

  const host = await openFakeHost({ width: 1200, height: 800 });
  await host.send([{ ...init, runs: [run] }]);
  await host.until(() => document.querySelector('dl-loss-chart .chart-area') !== null, null);
  const cdp = await openSession(host.page);
  const chart = await busy(cdp, () => host.page.evaluate(stream(perMessage)) as Promise<Stream>);
  await host.close();
  // As the extension host sends them: at most ten messages a second (100k points in 10 s).
  const host10 = await openFakeHost({ width: 1200, height: 800 });
  await host10.send([{ ...init, runs: [run] }]);
  await host10.until(() => document.querySelector('dl-loss-chart .chart-area') !== null, null);
  const paced = await busy(await openSession(host10.page), () => host10.page.evaluate(stream(total / 100, 100)) as Promise<Stream>);
  await host10.close();

  // First paint of a 20-run sweep, and two frames of the empty page for scale.
  const runs: RunSummary[] = Array.from({ length: 20 }, (_, i) => ({ ...init.runs[i % init.runs.length]!, runId: `run-${i}`, label: `run ${i}`, colorIndex: i }));
  const series: LossPoints[] = runs.map((r, i) => {
    const step = Array.from({ length: 500 }, (_, k) => k + 1);
    return { runId: r.runId, reset: true, step, wallSec: step.map((s) => s * 0.2), loss: step.map((s) => 0.3 + 0.5 / Math.sqrt(s) + 0.02 * Math.sin(s + i)) };
  });
  const twoFrames = `(async () => { const s = performance.now(); await new Promise((r) => requestAnimationFrame(r)); await new Promise((r) => requestAnimationFrame(r)); return performance.now() - s; })()`;
  const emptyFrames = await empty.page.evaluate(twoFrames) as number;
  await empty.close();
  // Each try a fresh page: from its navigation to its first paint (the bundle is parsed and run
  // meanwhile), then from the init message to the header and tabs painted and to the chart painted.
  const paints: Array<{ fcp: number; script: number; header: number; chart: number }> = [];
  for (let i = 0; i < 5; i++) {
    const page = await openFakeHost();
    const cdp = await openSession(page.page);
    await cdp.send('Performance.enable');
    const t = await page.page.evaluate(`(async () => {
      const fcp = performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint')?.startTime ?? NaN;
      const messages = ${JSON.stringify([{ ...init, runs }, { type: 'points', series }])};
      const start = performance.now();
      for (const m of messages) window.postMessage(m, '*');
      while (!document.querySelector('dl-app vscode-panels')) await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const header = performance.now() - start;
      while (!performance.getEntriesByName('diffusion:chart-painted').length) await new Promise((r) => setTimeout(r, 5));
      return { fcp, header, chart: performance.getEntriesByName('diffusion:chart-painted')[0].startTime - start };
    })()`) as { fcp: number; header: number; chart: number };
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    paints.push({ ...t, script: (metrics.find((m) => m.name === 'ScriptDuration')?.value ?? NaN) * 1000 });
    await page.close();
  }
  const median = (k: keyof (typeof paints)[number]) => paints.map((p) => p[k]).sort((a, b) => a - b)[paints.length >> 1]!.toFixed(0);

  console.log(`load average ${load} (then ${loadavg().map((l) => l.toFixed(2)).join(' ')}) on ${cpus().length} cores`);
  console.log(`streamed ${total} points in messages of ${perMessage}, one message per frame:`);
  console.log(line('empty page (baseline)', base.result, base));
  console.log(line('loss chart', chart.result, chart));
  console.log(`streamed ${total} points in 100 messages ten a second, as the extension host sends them:`);
  console.log(line('loss chart', paced.result, paced));
  console.log(`chart columns drawn at the end: ${chart.result.columns}; JS heap ${chart.result.heapMB.toFixed(1)} MB`);
  console.log(`a 20-run sweep (500 points each), median of ${paints.length} fresh pages: page start to first paint ${median('fcp')} ms; ` +
    `init message to header and tabs painted ${median('header')} ms, to chart painted ${median('chart')} ms; script ${median('script')} ms in all; two frames of the empty page: ${emptyFrames.toFixed(0)} ms`);
}

void main();
