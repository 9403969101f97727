// The panel follows VS Code's theme while open: switching to High Contrast Light (VS Code
// changes the webview body's classes) gives the runs darker colours that stand out on white,
// in the chart and in its legend, and dashed grid lines.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

/** Pixels of the loss chart's canvas within a few levels of `hex`. */
function countColor(host: FakeHost, hex: string): Promise<number> {
  return host.page.evaluate((h) => {
    const want = [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const canvas = document.querySelector('dl-loss-chart canvas') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] === 255 && want.every((v, j) => Math.abs(data[i + j]! - v) < 8)) n++;
    return n;
  }, hex);
}

describe('results panel themes', { skip }, () => {
  let host: FakeHost;

  before(async () => {
    host = await openFakeHost({ theme: 'light' });
    await host.send(demoMessages());
    await host.page.waitForSelector('dl-loss-chart canvas');
    await host.until(() => (document.querySelector('dl-loss-chart') as unknown as { plotted: unknown[][] }).plotted[0]!.length > 0, null);
  });
  after(() => host?.close());

  const swatch = () => host.page.locator('dl-loss-chart .legend .swatch').first().evaluate((el) => getComputedStyle(el).backgroundColor);

  it('switches the runs to colours with 3:1 contrast on white in High Contrast Light, and back', async () => {
    assert.equal(await swatch(), 'rgb(78, 156, 245)'); // #4e9cf5
    assert.ok(await countColor(host, '#4e9cf5') > 50);
    await host.page.evaluate(() => {
      document.body.className = 'vscode-high-contrast vscode-high-contrast-light';
    });
    await host.until(() => getComputedStyle(document.querySelector('dl-loss-chart .legend .swatch')!).backgroundColor === 'rgb(64, 129, 204)', null);
    await host.until(() => {
      const canvas = document.querySelector('dl-loss-chart canvas') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x40) < 8 && Math.abs(data[i + 1]! - 0x81) < 8 && Math.abs(data[i + 2]! - 0xcc) < 8) n++;
      return n > 50;
    }, null);
    assert.equal(await countColor(host, '#4e9cf5'), 0, 'no line left in the old colour');
    await host.page.click('#tab-compare');
    await host.page.waitForSelector('svg.scatter circle');
    assert.equal(await host.page.locator('svg.scatter circle').first().getAttribute('fill'), '#4081cc');
    assert.equal(await host.page.locator('table.compare tbody .swatch').first().evaluate((el) => getComputedStyle(el).backgroundColor), 'rgb(64, 129, 204)');
    assert.equal(await host.page.locator('svg.scatter line.grid').first().evaluate((el) => getComputedStyle(el).strokeDasharray), '2px, 4px');
    await host.page.evaluate(() => {
      document.body.className = 'vscode-light';
    });
    await host.until(() => document.querySelector('svg.scatter circle')?.getAttribute('fill') === '#4e9cf5', null);
  });
});
