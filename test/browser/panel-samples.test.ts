// The Samples tab on two real runs, trained here (8 px, T = 20, a preview grid of 4 after
// every epoch): one without and one with a weight average (EMA). The host's summaries are
// read from their run directories as the extension reads them; what the page shows is
// checked against metrics.jsonl and the files on disk.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readRunSummary } from '../../src/extension/panel/runSummary';
import { formatDuration, formatNumber } from '../../src/shared/formatting';
import type { HostToPanelMessage, RunSummary } from '../../src/shared/panelMessages';
import type { MetricRecord, SlicedWassersteinRecord } from '../../src/shared/runDirectory';
import { readMetrics } from '../../src/shared/runReading/runFiles';
import { trainNewRun } from '../../src/trainer/training/trainRun';
import { tinyConfig } from '../helpers/tinyRun';
import type { PlottedCurves } from '../../webview/components/curveChart';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

interface TrainedRun {
  label: string;
  dir: string;
  records: MetricRecord[];
  summary: RunSummary;
}

type SampleRecord = Extract<MetricRecord, { kind: 'sample' }>;
const swds = (r: TrainedRun) => r.records.filter((m): m is SlicedWassersteinRecord => m.kind === 'eval' && m.metric === 'swd');
/** One session: the run's wall time at a record is its own wallMs. */
const epochSamples = (r: TrainedRun) => r.records.filter((m): m is SampleRecord & { grid: string } => m.kind === 'sample' && m.grid !== undefined);
const swdAt = (r: TrainedRun, step: number, weights?: 'raw' | 'ema') => swds(r).find((s) => s.step === step && (weights === undefined || s.weights === weights))!;
const swdCaption = (s: SlicedWassersteinRecord) => `SWD ${formatNumber(s.average, 3)} (floor ${formatNumber(s.floorAverage, 3)})`;

describe('results panel: samples over training time', { skip, timeout: 180_000 }, () => {
  let host: FakeHost;
  let out: string;
  const runs: TrainedRun[] = [];
  const card = (r: TrainedRun) => host.page.locator(`section.sample-card[aria-label="Samples of ${r.label}"]`);

  before(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'dl-panel-samples-'));
    for (const [i, emaDecay] of [0, 0.9].entries()) {
      const config = tinyConfig({
        epochs: 3, timesteps: 20, sampler: 'ddpm', previewCount: 4, previewSampler: 'ddim', ddimSteps: 5, sampleCount: 4,
        toyCarsCount: 32, heldOutCount: 8, evalImages: 8, emaDecay,
      });
      const outcome = await trainNewRun(config, out, {}, `ema-${emaDecay}`);
      assert.equal(outcome.state, 'done', outcome.error);
      const records = await readMetrics(outcome.runDir);
      const place = { runId: outcome.runId, dir: outcome.runDir, colorIndex: i, varied: { emaDecay } };
      const summary = await readRunSummary(place, records, [], (file, stamp) => `file://${file}?v=${stamp}`);
      runs.push({ label: summary.label, dir: outcome.runDir, records, summary });
    }
    host = await openFakeHost({ width: 1200, height: 900 });
    const init = demoMessages()[0] as Extract<HostToPanelMessage, { type: 'init' }>;
    await host.send([{ ...init, runs: runs.map((r) => r.summary), variedFields: ['emaDecay'], tab: 'samples' }]);
    await host.page.waitForSelector('dl-samples-view section.sample-card');
    // Every image on disk has loaded (file: URIs under the panel's CSP).
    await host.until(() => {
      const imgs = [...document.querySelectorAll('dl-samples-view img')] as HTMLImageElement[];
      return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
    }, null, 10_000);
  });
  after(async () => {
    await host?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('shows each sampling epoch\'s grid, captioned with the run\'s wall time then and its SWD and floor, in time order', async () => {
    for (const r of runs) {
      const samples = epochSamples(r);
      assert.deepEqual(samples.map((s) => s.epoch), [1, 2], 'the trainer previews after every epoch but the last');
      const previews = card(r).locator('li.preview:not(.final) figure');
      assert.deepEqual(await previews.locator('figcaption').allTextContents(),
        samples.map((s) => `epoch ${s.epoch} · ${formatDuration(s.wallMs)} · ${swdCaption(swdAt(r, s.step))}`));
      const shown = await previews.locator('img').evaluateAll((imgs) => imgs.map((i) => new URL((i as HTMLImageElement).src).pathname));
      assert.deepEqual(shown, samples.map((s) => path.join(r.dir, s.grid)));
      const x = await previews.evaluateAll((figs) => figs.map((f) => f.getBoundingClientRect().x));
      assert.ok(x.every((v, i) => i === 0 || v > x[i - 1]!), `left to right in time order: ${x}`);
    }
  });

  it('shows the end\'s EMA and raw-weights grids side by side, each with its SWD; a run without EMA has one final grid', async () => {
    const [plain, ema] = runs as [TrainedRun, TrainedRun];
    const end = ema.records.filter((m) => m.kind === 'sample').at(-1)!.step;
    const finals = card(ema).locator('li.preview.final figure');
    assert.deepEqual(await finals.locator('figcaption').allTextContents(),
      [`EMA weights · ${swdCaption(swdAt(ema, end, 'ema'))}`, `raw weights · ${swdCaption(swdAt(ema, end, 'raw'))}`]);
    const finalFiles = await finals.locator('img').evaluateAll((imgs) => imgs.map((i) => new URL((i as HTMLImageElement).src).pathname));
    assert.deepEqual(finalFiles.map((f) => path.basename(f)), ['grid-final.png', 'grid-final-raw.png']);
    const [a, b] = await finals.evaluateAll((figs) => figs.map((f) => f.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, right: r.right })));
    assert.ok(a!.y === b!.y && b!.x >= a!.right, `side by side: ${JSON.stringify([a, b])}`);
    assert.match(await card(ema).locator('.final-title').textContent() ?? '', /^end of training · epoch 3 · \d+s$/);

    const plainEnd = plain.records.filter((m) => m.kind === 'sample').at(-1)!.step;
    assert.deepEqual(await card(plain).locator('li.preview.final figcaption').allTextContents(), [swdCaption(swdAt(plain, plainEnd))]);
    assert.equal(swds(plain).some((s) => s.weights !== undefined), false, 'a run without EMA labels no weights');
  });

  it('charts SWD against wall time: a line per run and its dashed floor, axes labelled with units', async () => {
    const chart = host.page.locator('.swd-chart dl-curve-chart');
    await chart.locator('canvas').waitFor();
    assert.equal(await host.page.locator('.swd-chart .chart-title').textContent(), 'SWD against wall time');
    const plotted = await chart.evaluate((el) => (el as unknown as { plotted: PlottedCurves }).plotted);
    assert.equal(plotted.xLabel, 'training time (s)');
    assert.equal(plotted.yLabel, 'SWD (×10³)');
    assert.deepEqual(plotted.series.map((s) => [s.label, s.dashed]), runs.flatMap((r) => [[r.label, false], [`${r.label}: floor`, true]]));
    for (const [i, r] of runs.entries()) {
      const at = epochSamples(r).map((s) => [s.wallMs / 1000, swdAt(r, s.step)] as const);
      assert.deepEqual(plotted.series[2 * i]!.points, at.map(([x, s]) => [x, s.average]), `${r.label}'s SWD`);
      assert.deepEqual(plotted.series[2 * i + 1]!.points, at.map(([x, s]) => [x, s.floorAverage]), `${r.label}'s floor`);
    }
    assert.deepEqual(await host.page.locator('.swd-chart .legend-label').allTextContents(), plotted.series.map((s) => s.label));
    // The first run's colour (#4e9cf5) is drawn.
    const blue = await chart.locator('canvas').evaluate((canvas) => {
      const data = (canvas as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x4e) < 12 && Math.abs(data[i + 1]! - 0x9c) < 12 && Math.abs(data[i + 2]! - 0xf5) < 12) n++;
      return n;
    });
    assert.ok(blue > 20, `the first run's line is on the canvas (${blue} pixels of its colour)`);
  });

  it('puts the t of each frame under the reverse strip, each under its frame', async () => {
    const strip = card(runs[1]!).locator('figure.reverse-strip');
    const labelsUnderFrames = () => strip.evaluate((fig) => {
      const img = fig.querySelector('img')!;
      const box = img.getBoundingClientRect();
      const frames = [...fig.querySelectorAll('.strip-t li')];
      // The trainer's strip: square tiles in one row, 2 px apart and around.
      const scale = box.height / img.naturalHeight;
      const tile = (img.naturalHeight - 4) * scale;
      return frames.map((li, k) => {
        const r = li.getBoundingClientRect();
        const left = box.x + (2 + k * (img.naturalHeight - 2)) * scale;
        return { text: li.textContent, under: r.top >= box.bottom - 1, inFrame: r.x + r.width / 2 > left && r.x + r.width / 2 < left + tile };
      });
    });
    // The end's strip (DDPM, T = 20): 10 frames, every second t.
    assert.equal(await host.page.locator('input.epoch-slider + output').textContent(), '3');
    const end = await labelsUnderFrames();
    assert.deepEqual(end.map((l) => l.text), [18, 16, 14, 12, 10, 8, 6, 4, 2, 0].map((t) => `t=${t}`));
    assert.ok(end.every((l) => l.under && l.inFrame), JSON.stringify(end));
    // After epoch 1 (the preview's DDIM, 5 of the 20 steps): one frame per step.
    await host.page.locator('input.epoch-slider').fill('0');
    // Measured once the new strip has loaded: until then the old one's size is what is laid out.
    await host.until(() => [...document.querySelectorAll('figure.reverse-strip img')].every((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).currentSrc.includes('strip-epoch-001.png')), null);
    const first = await labelsUnderFrames();
    assert.deepEqual(first.map((l) => l.text), [19, 15, 11, 7, 3].map((t) => `t=${t}`));
    assert.ok(first.every((l) => l.under && l.inFrame), JSON.stringify(first));
  });

  it('enlarges a grid on click with square pixels; Esc closes it and gives the focus back', async () => {
    const button = card(runs[0]!).locator('li.preview button.enlarge').first();
    const thumb = await button.locator('img').evaluate((i) => ({ src: (i as HTMLImageElement).src, width: i.getBoundingClientRect().width }));
    await button.click();
    const dialog = host.page.locator('dialog.image-dialog');
    await dialog.locator('img').waitFor();
    // Scaled once loaded: the caption then says by how much.
    await host.until(() => document.querySelector('dialog.image-dialog[open] figcaption')?.textContent?.includes('(×'), null);
    const big = await dialog.locator('img').evaluate((i) => ({
      src: (i as HTMLImageElement).src, width: i.getBoundingClientRect().width, natural: (i as HTMLImageElement).naturalWidth, rendering: getComputedStyle(i).imageRendering,
    }));
    assert.equal(big.src, thumb.src);
    assert.ok(big.width > thumb.width * 1.5, `enlarged from ${thumb.width} to ${big.width} px`);
    assert.equal(big.width % big.natural, 0, 'a whole number of screen pixels per image pixel');
    assert.equal(big.rendering, 'pixelated');
    const k = Math.round(big.width / big.natural);
    assert.match(await dialog.locator('figcaption').textContent() ?? '', new RegExp(`^${runs[0]!.label}: epoch 1 · .* \\(×${k}\\)$`));
    await host.page.keyboard.press('Escape');
    await host.until(() => !document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    assert.equal(await button.evaluate((b) => b === document.activeElement), true, 'the focus is back on the image that was enlarged');
  });

  it('opens a strip with the keyboard and closes it with the close button, or a click beside it', async () => {
    const button = card(runs[1]!).locator('figure.reverse-strip button.enlarge');
    await button.focus();
    await host.page.keyboard.press('Enter');
    await host.until(() => document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    assert.equal(await host.page.evaluate(() => document.activeElement?.classList.contains('close')), true, 'the focus moves into the dialog');
    assert.match(await host.page.locator('dialog.image-dialog img').getAttribute('src') ?? '', /strip-epoch-001\.png/);
    await host.page.locator('dialog.image-dialog button.close').click();
    await host.until(() => !document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    await button.click();
    await host.until(() => document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    await host.page.locator('dialog.image-dialog img').click(); // on the image: stays open
    assert.equal(await host.page.locator('dialog.image-dialog[open]').count(), 1);
    await host.page.mouse.click(5, 5);
    await host.until(() => !document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
  });

  it('logs no errors (CSP included)', () => {
    assert.deepEqual(host.errors(), []);
  });
});
