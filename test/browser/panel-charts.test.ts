// Every chart of the panel says what it shows: axis labels on the loss chart, the Compare
// scatter, the Samples tab's SWD chart and the Noise tab's schedules; the loss legend names
// its numbers; the scatter has enough y ticks, a label by each point and ± 1 standard error
// bars where the measure has one (bits/dim). Demo-sweep messages, with bits/dim and SWD added.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { FINAL_LOSS, SMOOTHED_LOSS, STEP_LOSS } from '../../src/shared/lossNames';
import type { HostToPanelMessage, RunSummary } from '../../src/shared/panelMessages';
import type { PlottedCurves } from '../../webview/components/curveChart';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
const PIXEL = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** bits/dim (± its standard error for the first two runs) and two scored previews per run. */
function withQuality(runs: RunSummary[]): RunSummary[] {
  const bpd: Array<[number, number | undefined]> = [[5.4, 0.1], [5.25, 0.05], [5.3, undefined]];
  return runs.map((r, i) => ({
    ...r,
    measures: { ...r.measures, bitsPerDim: bpd[i]![0], ...(bpd[i]![1] !== undefined ? { bitsPerDimStdErr: bpd[i]![1] } : {}) },
    samples: [...r.samples, ...[1, 2].map((epoch) => ({ epoch: epoch + 10, grid: PIXEL, atMs: epoch * 30_000, swd: { value: 200 - 40 * epoch + i, floor: 20, images: 4 } }))],
  }));
}

describe('results panel: chart labels, legend names, scatter ticks and error bars', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;
  const runs = withQuality(init.runs);

  before(async () => {
    host = await openFakeHost();
    await host.send([{ ...init, runs }, ...messages.slice(1)]);
    await host.page.waitForSelector('dl-loss-chart canvas');
  });
  after(() => host?.close());

  it('the loss legend names its numbers, with their definitions as tooltips, and gives the final loss', { timeout: 20_000 }, async () => {
    await host.until(() => document.querySelector('dl-loss-chart .legend .legend-value')?.textContent?.includes('step'), null);
    const first = host.page.locator('dl-loss-chart .legend li:not(.legend-x)').first();
    assert.match((await first.locator('.legend-value').textContent())!.replace(/\s+/g, ' ').trim(), /^smoothed \d\.\d+ · step \d\.\d+$/);
    assert.equal(await first.locator('.smoothed').getAttribute('title'), `${SMOOTHED_LOSS.label}: ${SMOOTHED_LOSS.definition}`);
    assert.equal(await first.locator('.raw').getAttribute('title'), `${STEP_LOSS.label}: ${STEP_LOSS.definition}`);
    const final = first.locator('.legend-final');
    assert.equal((await final.textContent())!.trim(), `${FINAL_LOSS.label} 0.6344`);
    assert.equal(await final.getAttribute('title'), `${FINAL_LOSS.label}: ${FINAL_LOSS.definition}`);
  });

  it('the loss chart labels both axes', { timeout: 20_000 }, async () => {
    const labels = await host.page.evaluate(() => (document.querySelector('dl-loss-chart') as unknown as { plot: { axes: Array<{ label?: string }> } }).plot.axes.map((a) => a.label));
    assert.deepEqual(labels, ['step', 'training loss']);
  });

  it('the Compare table\'s loss headers define their loss', { timeout: 20_000 }, async () => {
    await host.page.click('#tab-compare');
    assert.equal(await host.page.locator('button.sort[data-column="finalLoss"]').getAttribute('title'), FINAL_LOSS.definition);
    assert.equal((await host.page.locator('button.sort[data-column="finalLoss"]').textContent())!.trim(), FINAL_LOSS.label);
  });

  const scatter = () => host.page.evaluate(() => {
    const svg = document.querySelector('svg.scatter')!;
    const grid = [...svg.querySelectorAll('line.grid')].map((l) => ({ value: Number(l.getAttribute('data-value')), y: Number(l.getAttribute('y1')) }));
    return {
      ticks: [...svg.querySelectorAll('text.y-tick')].map((t) => t.textContent),
      yLabel: svg.querySelector('text.y-label')?.lastChild?.textContent ?? '',
      xLabel: svg.querySelector('text.x-label')?.textContent ?? '',
      grid,
      points: [...svg.querySelectorAll('circle')].map((c) => ({ run: c.getAttribute('data-run'), cy: Number(c.getAttribute('cy')) })),
      labels: [...svg.querySelectorAll('text.point-label')].map((t) => ({ run: t.getAttribute('data-run'), text: t.textContent })),
      bars: [...svg.querySelectorAll('g.error-bar')].map((g) => {
        const stem = g.querySelector('line')!;
        return { run: g.getAttribute('data-run'), y1: Number(stem.getAttribute('y1')), y2: Number(stem.getAttribute('y2')) };
      }),
      caption: document.querySelector('.scatter-figure figcaption')?.textContent ?? '',
    };
  });

  it('the final loss scatter has at least three y ticks, both axis labels and a label by each point', { timeout: 20_000 }, async () => {
    await host.page.waitForSelector('svg.scatter circle');
    const s = await scatter();
    assert.ok(s.ticks.length >= 3, `y ticks: ${s.ticks.join(', ')}`);
    assert.equal(s.yLabel, FINAL_LOSS.label);
    assert.equal(s.xLabel, 'T');
    assert.deepEqual(s.labels.map((l) => l.text), runs.map((r) => r.label));
    assert.equal(s.bars.length, 0, 'the final loss has no standard error');
    assert.equal(s.caption, '');
  });

  it('bits/dim against T: error bars span value ± standard error on the plot\'s scale, and the caption says so', { timeout: 20_000 }, async () => {
    await host.page.evaluate(() => {
      (document.querySelector('dl-compare-view') as unknown as { metric: string }).metric = 'bitsPerDim';
    });
    await host.until(() => document.querySelector('svg.scatter text.y-label')?.lastChild?.textContent === 'bits/dim', null);
    const s = await scatter();
    assert.ok(s.ticks.length >= 3, `y ticks: ${s.ticks.join(', ')}`);
    // Data to pixels, from two grid lines: y = a + b * value.
    const [g0, g1] = [s.grid[0]!, s.grid[s.grid.length - 1]!];
    const b = (g1.y - g0.y) / (g1.value - g0.value);
    const toY = (v: number) => g0.y + b * (v - g0.value);
    assert.deepEqual(s.bars.map((x) => x.run).sort(), [runs[0]!.runId, runs[1]!.runId].sort(), 'bars only where there is a standard error');
    for (const bar of s.bars) {
      const run = runs.find((r) => r.runId === bar.run)!;
      const { bitsPerDim, bitsPerDimStdErr } = run.measures as { bitsPerDim: number; bitsPerDimStdErr: number };
      const [top, bottom] = [Math.min(bar.y1, bar.y2), Math.max(bar.y1, bar.y2)];
      assert.ok(Math.abs(top - toY(bitsPerDim + bitsPerDimStdErr)) < 0.01, `${run.runId} bar top ${top}, want ${toY(bitsPerDim + bitsPerDimStdErr)}`);
      assert.ok(Math.abs(bottom - toY(bitsPerDim - bitsPerDimStdErr)) < 0.01, `${run.runId} bar bottom ${bottom}`);
      assert.ok(Math.abs(bottom - top - 2 * bitsPerDimStdErr * Math.abs(b)) < 0.01, `${run.runId} bar length`);
      const point = s.points.find((p) => p.run === run.runId)!;
      assert.ok(Math.abs(point.cy - toY(bitsPerDim)) < 0.01, 'the point sits at its value');
    }
    assert.match(s.caption, /± 1 standard error/);
    // A taller bar for the larger error, as on screen.
    const length = (id: string) => { const x = s.bars.find((r) => r.run === id)!; return Math.abs(x.y2 - x.y1); };
    assert.ok(length(runs[0]!.runId) > length(runs[1]!.runId));
  });

  it('the Samples tab\'s SWD chart and the Noise tab\'s schedule charts label both axes', { timeout: 30_000 }, async () => {
    const plotted = (selector: string) => host.page.evaluate((sel) => [...document.querySelectorAll(sel)].map((el) => {
      const p = (el as unknown as { plotted?: PlottedCurves }).plotted;
      return p ? { x: p.xLabel, y: p.yLabel } : undefined;
    }), selector);
    await host.page.click('#tab-samples');
    await host.until(() => (document.querySelector('.swd-chart dl-curve-chart') as unknown as { plotted?: unknown } | null)?.plotted !== undefined, null, 10_000);
    assert.deepEqual(await plotted('.swd-chart dl-curve-chart'), [{ x: 'training time (s)', y: 'SWD (×10³)' }]);
    await host.page.click('#tab-noise');
    await host.until(() => [...document.querySelectorAll('dl-noise-view dl-curve-chart')].every((el) => (el as unknown as { plotted?: unknown }).plotted !== undefined), null, 10_000);
    const noise = await plotted('dl-noise-view dl-curve-chart');
    assert.equal(noise.length, 2);
    for (const axes of noise) assert.ok(axes && axes.x.length > 0 && axes.y.length > 0, JSON.stringify(axes));
  });
});
