// Save PNG / Save SVG of the panel's charts, in Chromium behind the fake host: the page posts
// a save-image message the host accepts (message and image checks), whose PNG decodes (sharp, an independent decoder) to
// the chart's size with its legend, and whose SVG parses and holds one path per curve.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chartImageFile } from '../../src/extension/panel/savedChartImage';
import { isPanelToHostMessage, PNG_DATA_URL_PREFIX, type HostToPanelMessage, type PanelToHostMessage } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
type SaveImage = Extract<PanelToHostMessage, { type: 'save-image' }>;

describe('results panel: save a chart as PNG or SVG', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;

  before(async () => {
    host = await openFakeHost({ width: 1000, height: 900 });
    await host.send(messages);
    await host.page.waitForSelector('dl-loss-chart .chart-save vscode-button');
  });
  after(() => host?.close());

  /** Clicks (or presses Enter on) a button and returns the save-image message it posted. */
  async function save(selector: string, how: 'click' | 'enter' = 'click'): Promise<SaveImage> {
    const before = (await host.sent()).length;
    if (how === 'click') await host.page.click(selector);
    else {
      await host.page.focus(selector);
      await host.page.keyboard.press('Enter');
    }
    await host.until((n) => (window as unknown as { __sent: Array<{ type: string }> }).__sent.slice(n).some((m) => m.type === 'save-image'), before, 10_000);
    const m = (await host.sent()).slice(before).find((x) => x.type === 'save-image') as SaveImage;
    assert.ok(isPanelToHostMessage(m), 'the host accepts the message');
    assert.equal(chartImageFile(m.format, m.suggestedName, m.data).name, m.suggestedName, 'and the image it would write');
    return m;
  }

  const decodePng = async (m: SaveImage) => {
    assert.equal(m.format, 'png');
    assert.ok(m.data.startsWith(PNG_DATA_URL_PREFIX));
    const bytes = Buffer.from(m.data.slice(PNG_DATA_URL_PREFIX.length), 'base64');
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    const meta = await sharp(bytes).metadata();
    const stats = await sharp(bytes).stats();
    return { width: meta.width!, height: meta.height!, format: meta.format, distinct: stats.channels.some((c) => c.max - c.min > 50) };
  };

  /** The SVG parsed by the page's DOMParser: parse errors, paths by series, texts. */
  const parseSvg = (text: string) => host.page.evaluate((svgText) => {
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      root: root.localName, namespace: root.namespaceURI, width: Number(root.getAttribute('width')), height: Number(root.getAttribute('height')),
      series: [...doc.querySelectorAll('path.series')].map((p) => ({ label: p.getAttribute('data-series'), d: p.getAttribute('d') ?? '' })),
      circles: doc.querySelectorAll('circle').length,
      texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
      scripts: doc.querySelectorAll('script').length,
    };
  }, text);

  it('loss chart, Save PNG: the canvas as drawn, with the legend under it', async () => {
    const m = await save('dl-loss-chart .save-png');
    assert.equal(m.suggestedName, 'loss-chart.png');
    const canvas = await host.page.evaluate(() => {
      const c = document.querySelector('dl-loss-chart canvas') as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    const png = await decodePng(m);
    assert.equal(png.format, 'png');
    assert.equal(png.width, canvas.width);
    assert.ok(png.height > canvas.height, `the legend adds rows under the chart (${png.height} > ${canvas.height})`);
    assert.ok(png.distinct, 'the image is not blank');
  });

  it('loss chart, Save SVG (by keyboard): a document with the axes, a path per curve and the legend', async () => {
    const m = await save('dl-loss-chart .save-svg', 'enter');
    assert.equal(m.format, 'svg');
    assert.equal(m.suggestedName, 'loss-chart.svg');
    const svg = await parseSvg(m.data);
    assert.equal(svg.error, null);
    assert.equal(svg.root, 'svg');
    assert.equal(svg.namespace, 'http://www.w3.org/2000/svg');
    assert.equal(svg.scripts, 0);
    // A raw and a smoothed curve per run, in the chart's order.
    assert.deepEqual(svg.series.map((s) => s.label), init.runs.flatMap((r) => [`${r.label} (raw)`, r.label]));
    for (const s of svg.series) {
      const coords = [...s.d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((x) => [Number(x[1]), Number(x[2])] as const);
      assert.equal(coords.length, 30, `${s.label}: one vertex per step`);
      assert.ok(coords.every(([x, y]) => x >= 0 && x <= svg.width && y >= 0 && y <= svg.height), `${s.label} lies inside the image`);
      assert.ok(coords.every(([x], k) => k === 0 || x > coords[k - 1]![0]), `${s.label} goes left to right as the steps do`);
    }
    for (const label of ['step', 'training loss', ...init.runs.map((r) => r.label)]) assert.ok(svg.texts.includes(label), `text "${label}"`);
    assert.ok(svg.texts.some((t) => /^\d+$/.test(t ?? '')), 'tick labels');
  });

  it('Compare tab\'s metric plot: SVG with a point per run, PNG at twice its size', async () => {
    await host.page.click('#tab-compare');
    await host.page.waitForSelector('.metric-plot .chart-save vscode-button');
    const svgMessage = await save('.metric-plot .save-svg');
    assert.equal(svgMessage.suggestedName, 'finalLoss-by-T.svg');
    const svg = await parseSvg(svgMessage.data);
    assert.equal(svg.error, null);
    assert.equal(svg.circles, init.runs.length);
    assert.ok(svg.texts.includes('250') && svg.texts.includes('350'), 'the x ticks are the T values');
    const png = await decodePng(await save('.metric-plot .save-png'));
    assert.equal(png.width, 960);
    assert.equal(png.height, 520);
    assert.ok(png.distinct);
  });

  it('the Noise steps charts have their own Save buttons', async () => {
    await host.page.click('#tab-noise');
    await host.page.waitForSelector('dl-noise-view dl-curve-chart canvas');
    const names: string[] = [];
    for (const nth of [1, 2]) {
      const m = await save(`dl-noise-view figure.schedule:nth-of-type(${nth}) dl-curve-chart .save-svg`);
      const svg = await parseSvg(m.data);
      assert.equal(svg.error, null);
      assert.equal(svg.series.length, init.runs.length, 'one schedule curve per run');
      names.push(m.suggestedName);
    }
    // Named for what they plot (the √ᾱₜ label alone would make no file name).
    assert.deepEqual(names, ['sqrt-alpha-bar-by-t.svg', 'SNR-by-t.svg']);
  });

  it('logs no error (CSP included)', () => {
    assert.deepEqual(host.errors(), []);
  });
});
