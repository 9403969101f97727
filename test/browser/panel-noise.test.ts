// The Noise steps tab's x_t frame, pixel by pixel: the fake host serves forward-steps strips
// whose tiles are distinct solid colours (over HTTP, so one image can be made to load slowly),
// and the test reads the colour the page shows for each position of the t slider.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { ForwardStepsImage, HostToPanelMessage, RunSummary } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

type Rgb = [number, number, number];

interface Strip {
  T: number;
  t: number[];
  tile: number;
  columns: number;
  gap: number;
  /** Colour of frame i. */
  color: (i: number) => Rgb;
}

// Two runs with different T, tile sizes, gaps and columns, and colours no frame of the other has.
const A: Strip = { T: 100, t: [...Array.from({ length: 20 }, (_, i) => i * 5), 99], tile: 4, columns: 5, gap: 1, color: (i) => [30 + 9 * i, 230 - 9 * i, 200] };
const B: Strip = { T: 60, t: [...Array.from({ length: 20 }, (_, i) => i * 3), 59], tile: 6, columns: 7, gap: 2, color: (i) => [230 - 9 * i, 30 + 9 * i, 40] };

/** The strip as the trainer lays out forward-steps.png: tiles left to right then down, `gap` px apart and around, white between. */
async function stripPng(s: Strip): Promise<Buffer> {
  const rows = Math.ceil(s.t.length / s.columns);
  const width = s.columns * s.tile + (s.columns + 1) * s.gap;
  const height = rows * s.tile + (rows + 1) * s.gap;
  const data = Buffer.alloc(width * height * 3, 255);
  s.t.forEach((_, i) => {
    const left = s.gap + (i % s.columns) * (s.tile + s.gap);
    const top = s.gap + Math.floor(i / s.columns) * (s.tile + s.gap);
    for (let y = 0; y < s.tile; y++) {
      for (let x = 0; x < s.tile; x++) data.set(s.color(i), ((top + y) * width + left + x) * 3);
    }
  });
  return sharp(data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

function linearSchedule(T: number): NonNullable<RunSummary['schedule']> {
  const t = Array.from({ length: T }, (_, i) => i);
  let alphaBar = 1;
  const sqrtAlphaBar: number[] = [];
  const snr: number[] = [];
  for (const i of t) {
    alphaBar *= 1 - (1e-4 + ((0.02 - 1e-4) * i) / Math.max(1, T - 1));
    sqrtAlphaBar.push(Math.sqrt(alphaBar));
    snr.push(alphaBar / (1 - alphaBar));
  }
  return { name: 'linear', T, t, sqrtAlphaBar, snr };
}

function nearestIndex(values: readonly number[], v: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]! - v) < Math.abs(values[best]! - v)) best = i;
  return best;
}

describe('noise steps: the t slider shows x_t of the chosen t', { skip }, () => {
  let host: FakeHost;
  let server: Server;
  /** Milliseconds the server waits before answering for each strip. */
  const delay: Record<string, number> = { a: 0, b: 0 };
  /** Responses sent per strip. */
  const responses: Record<string, number> = { a: 0, b: 0 };
  const pngs: Record<string, Buffer> = {};
  let base = '';

  const run = (id: 'a' | 'b', s: Strip, colorIndex: number, version = 1): RunSummary => {
    const template = (demoMessages()[0] as Extract<HostToPanelMessage, { type: 'init' }>).runs[0]!;
    const { forwardStrip: _strip, ...rest } = template;
    const forwardSteps: ForwardStepsImage = { uri: `${base}/${id}.png?v=${version}`, t: s.t, tile: s.tile, columns: s.columns, gap: s.gap };
    return {
      ...rest, runId: `T${s.T}-${id}`, label: `T=${s.T}`, colorIndex, varied: { timesteps: s.T }, config: { ...rest.config, timesteps: s.T },
      schedule: linearSchedule(s.T), forwardSteps,
    };
  };

  before(async () => {
    pngs.a = await stripPng(A);
    pngs.b = await stripPng(B);
    server = createServer((req, res) => {
      const id = /^\/([ab])\.png/.exec(req.url ?? '')?.[1];
      if (!id) {
        res.writeHead(404).end();
        return;
      }
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(pngs[id]);
        responses[id]!++;
      }, delay[id]);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    host = await openFakeHost({ imgSrc: base, width: 1000, height: 900 });
    const init = demoMessages()[0] as Extract<HostToPanelMessage, { type: 'init' }>;
    await host.send([{ ...init, runs: [run('a', A, 0), run('b', B, 1)], variedFields: ['timesteps'], tab: 'noise' }]);
    await host.page.waitForSelector('dl-tile-view canvas');
  });
  after(async () => {
    await host?.close();
    server?.close();
  });

  /** The colour at the middle of the x_t frame, as the page shows it. */
  async function shownColor(): Promise<Rgb> {
    const png = await host.page.locator('dl-tile-view canvas').screenshot();
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 3;
    return [data[at]!, data[at + 1]!, data[at + 2]!];
  }

  /** The page's background behind the frame, as the screenshot shows it. */
  function background(): Promise<string> {
    return host.page.evaluate(() => getComputedStyle(document.body).backgroundColor.replace(/^rgba?\(|\)$/g, ''));
  }

  /** Which frame of which strip a colour is ('a 7'), or what it is. */
  function describeColor(c: Rgb): string {
    for (const [name, s] of [['a', A], ['b', B]] as const) {
      const i = s.t.findIndex((_, k) => s.color(k).every((v, j) => Math.abs(v - c[j]!) <= 3));
      if (i >= 0) return `run ${name}'s frame at t = ${s.t[i]}`;
    }
    return `rgb(${c.join(', ')}), no frame`;
  }

  /** Waits until the frame shows strip `s` at slider position t (the nearest stored frame), and the caption says so. */
  async function expectFrame(s: Strip, t: number, timeoutMs = 3000): Promise<void> {
    const i = nearestIndex(s.t, t);
    const want = s.color(i);
    const end = Date.now() + timeoutMs;
    let got: Rgb = [0, 0, 0];
    for (;;) {
      got = await shownColor();
      if (got.every((v, j) => Math.abs(v - want[j]!) <= 3)) break;
      if (Date.now() > end) assert.fail(`slider at t = ${t} (T = ${s.T}): expected the frame at t = ${s.t[i]}, the page shows ${describeColor(got)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(await host.page.locator('.xt figcaption').innerText(), new RegExp(`at t = ${s.t[i]}\\b.* of T = ${s.T}`));
  }

  async function chooseRun(label: string): Promise<void> {
    await host.page.locator('dl-noise-view vscode-dropdown').click();
    await host.page.locator('dl-noise-view vscode-option', { hasText: label }).click();
  }

  it('shows the stored frame nearest to each t the slider is moved to', async () => {
    await expectFrame(A, 0);
    const slider = host.page.locator('input.t-slider');
    for (const t of [35, 99, 7, 52, 3, 0, 61]) {
      await slider.fill(String(t));
      await expectFrame(A, t);
    }
  });

  it('shows the last t of a quick run of slider moves (pointer and keys)', async () => {
    // Several input events within one frame, as a fast drag sends them.
    await host.page.locator('input.t-slider').evaluate((el) => {
      for (const v of ['10', '80', '45', '90', '20', '73']) {
        (el as HTMLInputElement).value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
    });
    await expectFrame(A, 73);
    await host.page.locator('input.t-slider').focus();
    await host.page.keyboard.press('Home');
    for (let k = 0; k < 12; k++) await host.page.keyboard.press('ArrowRight');
    await expectFrame(A, 12);
    await host.page.keyboard.press('End');
    await expectFrame(A, 99);
  });

  it('shows the chosen run\'s frame when another run\'s image finishes loading after it (out of order)', async () => {
    await host.page.locator('input.t-slider').fill('40');
    await chooseRun('T=60');
    await expectFrame(B, 40);
    // T 100's forward-steps.png is rewritten (a new ?v=) and now takes a second to arrive.
    delay.a = 1000;
    await host.send([{ type: 'runs', runs: [run('a', A, 0, 2), run('b', B, 1)] }]);
    const served = responses.a;
    await chooseRun('T=100');
    // Until it is there, no frame at all rather than the other run's.
    await host.page.waitForTimeout(100);
    assert.equal(describeColor(await shownColor()), `rgb(${await background()}), no frame`);
    await chooseRun('T=60'); // before T=100's image arrived
    await expectFrame(B, 40);
    while (responses.a === served) await new Promise((r) => setTimeout(r, 50));
    await host.page.waitForTimeout(300);
    await expectFrame(B, 40, 0); // T 100's late image did not replace it
    await host.page.locator('input.t-slider').fill('17');
    await expectFrame(B, 17);
    await chooseRun('T=100');
    await expectFrame(A, 17, 4000);
    delay.a = 0;
  });

  it('logs no errors', () => {
    assert.deepEqual(host.errors(), []);
  });
});
