// Streams 100k loss points into the results panel's loss chart (the built webview bundle in
// Chromium, behind the test's fake host) and prints frames per second and memory.
// Usage: npm run build && node --import tsx bench/panelChart.ts [points=100000] [perMessage=1000]
import { demoMessages, openFakeHost } from '../test/browser/panelHarness';
import type { HostToPanelMessage } from '../src/shared/panelMessages';

const total = Number(process.argv[2] ?? 100_000);
const perMessage = Number(process.argv[3] ?? 1000);
const init = demoMessages()[0] as Extract<HostToPanelMessage, { type: 'init' }>;
const run = { ...init.runs[0]!, runId: 'bench', label: 'bench run', colorIndex: 0 };

async function main(): Promise<void> {
  const host = await openFakeHost({ width: 1200, height: 800 });
  await host.send([{ ...init, runs: [run] }]);
  await host.until(() => document.querySelector('dl-loss-chart .chart-area') !== null, null);
  // In the page, as a string: one message per animation frame, frames counted meanwhile.
  const result = await host.page.evaluate(`(async () => {
    const total = ${total}, per = ${perMessage};
    let frames = 0, counting = true, worst = 0, last = performance.now();
    const tick = (now) => { frames++; worst = Math.max(worst, now - last); last = now; if (counting) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const start = performance.now();
    for (let sent = 0; sent < total; sent += per) {
      const n = Math.min(per, total - sent);
      const step = Array.from({ length: n }, (_, i) => sent + i + 1);
      window.postMessage({ type: 'points', series: [{ runId: 'bench', reset: false, step, wallSec: step.map((s) => s / 50),
        loss: step.map((s) => 0.05 + 0.8 / Math.sqrt(s) + 0.05 * Math.random()) }] }, '*');
      await new Promise((r) => requestAnimationFrame(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    counting = false;
    const seconds = (performance.now() - start) / 1000;
    const chart = document.querySelector('dl-loss-chart');
    return { seconds, frames, fps: frames / seconds, worstFrameMs: worst, drawnColumns: chart.plotted[0].length,
      heapMB: performance.memory ? performance.memory.usedJSHeapSize / 1e6 : NaN };
  })()`) as { seconds: number; frames: number; fps: number; worstFrameMs: number; drawnColumns: number; heapMB: number };
  await host.close();
  console.log(`streamed ${total} points in messages of ${perMessage}: ${result.seconds.toFixed(2)} s, ${result.frames} frames, ${result.fps.toFixed(1)} fps (worst frame ${result.worstFrameMs.toFixed(0)} ms)`);
  console.log(`chart columns drawn at the end: ${result.drawnColumns}; JS heap ${result.heapMB.toFixed(1)} MB`);
}

void main();
