import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  canRenderText, chartLayout, formatTick, renderLineChartPng, renderLineChartSvg, smoothingFor,
  type LineChartSpec,
} from '../../src/trainer/report/chartImage';
import { emaSmoothed } from '../../src/shared/smoothing';

async function decode(png: Uint8Array) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const o = (Math.floor(y) * info.width + Math.floor(x)) * info.channels; // the pixel that covers (x, y)
    return [data[o]!, data[o + 1]!, data[o + 2]!];
  };
  return { info, at };
}

const near = (rgb: number[], want: number[], tolerance = 40) => rgb.every((v, i) => Math.abs(v - want[i]!) <= tolerance);
const RED = [255, 0, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];

test('emaSmooth: weight 0 is the identity; debiased, so a constant stays constant from the first value', () => {
  assert.deepEqual(emaSmoothed([3, 1, 4], 0), [3, 1, 4]);
  for (const v of emaSmoothed([2, 2, 2, 2], 0.9)) assert.ok(Math.abs(v - 2) < 1e-12);
  const [a, b] = emaSmoothed([0, 1], 0.5);
  assert.equal(a, 0);
  // (0.5 * 0.5 * 0 + 0.5 * 1) / (1 - 0.5^2) = 0.5 / 0.75
  assert.ok(Math.abs(b! - 2 / 3) < 1e-12);
  assert.throws(() => emaSmoothed([1], 1), /\[0, 1\)/);
  assert.equal(smoothingFor(5), 0);
  assert.ok(smoothingFor(300) > 0.85 && smoothingFor(300) < 0.95);
  assert.equal(smoothingFor(1e6), 0.95);
});

test('tick labels read as numbers', () => {
  assert.equal(formatTick(0), '0');
  assert.equal(formatTick(0.30000000000000004), '0.3');
  assert.equal(formatTick(1e-4), '1e-4');
  assert.equal(formatTick(250000), '2.5e5');
  assert.equal(formatTick(12), '12');
});

test('a two-point chart draws its line where the layout says, and nothing elsewhere in the plot', async () => {
  const spec: LineChartSpec = {
    xLabel: 'step', yLabel: 'loss', smoothing: 0, drawText: false, width: 300, height: 200,
    series: [{ label: 'a', color: '#ff0000', points: [{ x: 0, y: 0 }, { x: 10, y: 1 }] }],
  };
  const layout = chartLayout(spec);
  const { info, at } = await decode((await renderLineChartPng(spec)).png);
  assert.equal(info.width, 300);
  assert.equal(info.height, 200);
  for (const f of [0.25, 0.5, 0.75]) {
    const [x, y] = layout.toPixel(10 * f, f);
    assert.ok(near(at(x, y), RED), `line pixel at ${f} of the way is ${at(x, y)}`);
  }
  // Off the line (upper left of the plot, away from grid lines): background.
  const [x, y] = layout.toPixel(1.3, 0.77);
  assert.ok(near(at(x, y), WHITE, 10), `background is ${at(x, y)}`);
  // The ends sit at the plot's corners: the domain is exactly [0, 10] x [0, 1].
  assert.deepEqual(layout.toPixel(0, 0), [layout.plot.left, layout.plot.bottom]);
  assert.deepEqual(layout.toPixel(10, 1), [layout.plot.right, layout.plot.top]);
});

test('two series in their own colours; log scale puts 0.1 .. 1 .. 10 evenly', async () => {
  const spec: LineChartSpec = {
    xLabel: 'step', yLabel: 'loss', smoothing: 0, drawText: false, width: 320, height: 220, logY: true,
    series: [
      { label: 'a', color: '#ff0000', points: [{ x: 0, y: 0.1 }, { x: 1, y: 0.1 }] },
      { label: 'b', color: '#0000ff', points: [{ x: 0, y: 10 }, { x: 1, y: 10 }] },
    ],
  };
  const layout = chartLayout(spec);
  assert.equal(layout.logY, true);
  const [, y01] = layout.toPixel(0, 0.1);
  const [, y1] = layout.toPixel(0, 1);
  const [, y10] = layout.toPixel(0, 10);
  assert.ok(Math.abs((y01 - y1) - (y1 - y10)) < 1e-9);
  const { at } = await decode((await renderLineChartPng(spec)).png);
  const xm = (layout.plot.left + layout.plot.right) / 2;
  assert.ok(near(at(xm, y01), RED), `series a at ${at(xm, y01)}`);
  assert.ok(near(at(xm, y10), BLUE), `series b at ${at(xm, y10)}`);
  // A value <= 0 cannot go on a log axis: the chart falls back to linear.
  assert.equal(chartLayout({ ...spec, series: [{ label: 'z', points: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }] }).logY, false);
});

test('smoothed series: faint raw dots under the smoothed line', async () => {
  const points = Array.from({ length: 60 }, (_, i) => ({ x: i, y: i % 2 === 0 ? 0 : 1 }));
  const spec: LineChartSpec = {
    xLabel: 'step', yLabel: 'loss', smoothing: 0.9, drawText: false, width: 400, height: 240,
    series: [{ label: 'zigzag', color: '#0000ff', points }],
  };
  const layout = chartLayout(spec);
  const { at } = await decode((await renderLineChartPng(spec)).png);
  // A raw dot at (31, 1): faint blue, lighter than the line colour, not white.
  const [x, y] = layout.toPixel(31, 1);
  const dot = at(x, y);
  assert.ok(dot[2]! > 200 && dot[0]! < 240 && dot[0]! > 120, `faint dot is ${dot}`);
  // The smoothed line runs near 0.5 in the middle of the curve.
  const [xm, ym] = layout.toPixel(40, 0.5);
  const column = Array.from({ length: 21 }, (_, k) => at(xm, ym - 10 + k));
  assert.ok(column.some((c) => near(c, BLUE, 60)), 'smoothed line near y = 0.5');
  const svg = renderLineChartSvg(spec);
  assert.equal((svg.match(/<circle /g) ?? []).length, 60);
});

test('titles, ticks and legend are drawn as text when a font renders', async (t) => {
  if (!(await canRenderText())) {
    t.skip('no font renders SVG text on this machine (install fonts-dejavu-core); charts are drawn without text and captions carry the legend');
    return;
  }
  const spec: LineChartSpec = {
    title: 'Loss & <friends>', xLabel: 'epoch', yLabel: 'loss', smoothing: 0, width: 400, height: 240,
    series: [{ label: 'T=300 (base)', points: [{ x: 0, y: 1 }, { x: 1, y: 0.5 }] }],
  };
  const svg = renderLineChartSvg(spec);
  assert.match(svg, /Loss &amp; &lt;friends&gt;/);
  const layout = chartLayout(spec);
  assert.ok(layout.legend, 'a legend beside the plot');
  const { info, at } = await decode((await renderLineChartPng(spec)).png);
  // Ink in the legend's label area and in the title row.
  const dark = (x0: number, y0: number, w: number, h: number) => {
    let n = 0;
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) if (at(x, y)[0]! < 128) n++;
    return n;
  };
  assert.ok(dark(layout.legend!.x + 26, layout.legend!.y, Math.min(80, info.width - layout.legend!.x - 27), 18) > 10);
  assert.ok(dark(layout.plot.left, 8, 100, 18) > 10);
});

test('a dashed series leaves gaps along its line; markers put a dot on each point', { timeout: 10_000 }, async () => {
  const spec: LineChartSpec = {
    xLabel: 'training time (s)', yLabel: 'SWD', smoothing: 0, drawText: false, width: 400, height: 240,
    series: [
      { label: 'run', color: '#0000ff', markers: true, points: [{ x: 0, y: 1 }, { x: 5, y: 0.8 }, { x: 10, y: 0.1 }] },
      { label: 'floor', color: '#ff0000', dashed: true, hideInLegend: true, points: [{ x: 0, y: 0.3 }, { x: 10, y: 0.3 }] },
    ],
  };
  const layout = chartLayout(spec);
  const { at } = await decode((await renderLineChartPng(spec)).png);
  const [x0, y] = layout.toPixel(1, 0.3);
  const [x1] = layout.toPixel(6, 0.3);
  const along = Array.from({ length: Math.floor(x1 - x0) }, (_, k) => at(x0 + k, y));
  const red = along.filter((c) => near(c, RED)).length;
  const white = along.filter((c) => near(c, WHITE, 30)).length;
  assert.ok(red > along.length * 0.4 && white > along.length * 0.2, `dashed: ${red} red and ${white} white of ${along.length} pixels`);
  // The solid series is unbroken between its points, with a dot on each.
  const [sx0, sy0] = layout.toPixel(0.5, 0.98);
  assert.ok(near(at(sx0, sy0), BLUE), `solid line at ${at(sx0, sy0)}`);
  const svg = renderLineChartSvg(spec);
  assert.equal((svg.match(/<circle /g) ?? []).length, 3);
  assert.equal((svg.match(/stroke-dasharray/g) ?? []).length, 1, 'only the floor is dashed (it is not in the legend)');
});
