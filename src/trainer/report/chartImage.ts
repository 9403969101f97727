// Line charts as SVG, rendered to PNG with sharp (librsvg): loss curves drawn as an
// EMA-smoothed line over the faint raw points, one colour per series, dashed reference
// lines, a legend, an optional log-scaled y axis. chartLayout() is exported so that tests
// (and callers) know where a value lands in pixels.
import sharp from 'sharp';
import { emaSmoothed } from '../../shared/smoothing';
import { runColor } from '../../shared/runColors';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  label: string;
  points: readonly ChartPoint[];
  /** CSS colour; default: seriesColor of its position. */
  color?: string;
  /** Leave out of the legend (another series of the same colour stands for it). */
  hideInLegend?: boolean;
  /** A dashed line: a reference level (an SWD floor) rather than data. */
  dashed?: boolean;
  /** A dot at each point: for few, discrete measurements. */
  markers?: boolean;
}

export interface LineChartSpec {
  title?: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Log-scaled y axis; ignored (linear) when a value is zero or negative. */
  logY?: boolean;
  /** EMA weight in [0, 1): 0 draws the raw values; default from the number of points (smoothingFor). */
  smoothing?: number;
  /** Draw the raw values as faint dots under the line. Default true. */
  showRawPoints?: boolean;
  /** Draw titles, tick labels and the legend; false where no font renders. Default true. */
  drawText?: boolean;
  width?: number;
  height?: number;
}

/** Series `index`'s colour when the spec names none: run `index`'s, as the panel colours it on its default theme. */
export function seriesColor(index: number): string {
  return runColor(index);
}

const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';
const FONT_SIZE = 12;
/** Rough width of one character at FONT_SIZE, to size the legend without measuring text. */
const CHAR_WIDTH = 7;
const LEGEND_ROW = 18;
const MAX_DRAWN_POINTS = 1500;
/** Dash and gap lengths of a dashed series, in pixels. */
const DASH = '6 4';

/**
 * No smoothing for up to 20 points; beyond, a window of about a thirtieth of the curve
 * (short enough not to lag visibly), at most 0.95 (about 20 points).
 */
export function smoothingFor(pointCount: number): number {
  if (pointCount <= 20) return 0;
  return Math.min(0.95, 1 - 30 / pointCount);
}

export interface ChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** Whether the y axis is log-scaled (requested and every value positive). */
  logY: boolean;
  xDomain: [number, number];
  /** In plotted units: log10 of the value when logY. */
  yDomain: [number, number];
  xTicks: number[];
  /** Values (not logs). */
  yTicks: number[];
  legend: { x: number; y: number; rows: number } | null;
  toPixel(x: number, y: number): [number, number];
}

function finitePoints(series: ChartSeries, logY: boolean): ChartPoint[] {
  return series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!logY || p.y > 0));
}

/** Where everything goes: plot rectangle, domains, ticks, legend position. */
export function chartLayout(spec: LineChartSpec): ChartLayout {
  const width = spec.width ?? 760;
  const height = spec.height ?? 420;
  const drawText = spec.drawText ?? true;
  const all = spec.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const logY = (spec.logY ?? false) && all.length > 0 && all.every((p) => p.y > 0);

  const xs = all.map((p) => p.x);
  const ys = all.map((p) => (logY ? Math.log10(p.y) : p.y));
  const [x0, x1, xTicks] = niceDomain(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1);
  let yDomain: [number, number];
  let yTicks: number[];
  if (logY) {
    ({ domain: yDomain, ticks: yTicks } = logDomain(Math.min(...ys), Math.max(...ys)));
  } else {
    const [y0, y1, ticks] = niceDomain(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
    yDomain = [y0, y1];
    yTicks = ticks;
  }

  const inLegend = spec.series.filter((s) => !s.hideInLegend);
  const legendChars = Math.max(0, ...inLegend.map((s) => s.label.length));
  const legendWidth = drawText && inLegend.length > 0 ? Math.min(280, 34 + Math.min(legendChars, 34) * CHAR_WIDTH) : 0;
  const plot = {
    left: drawText ? 72 : 16,
    top: drawText && spec.title ? 34 : 14,
    right: width - (legendWidth > 0 ? legendWidth + 16 : 16),
    bottom: height - (drawText ? 46 : 14),
  };
  if (plot.right - plot.left < 80 || plot.bottom - plot.top < 60) {
    throw new Error(`chart ${width}x${height} is too small for its axes and legend`);
  }
  const toPixel = (x: number, y: number): [number, number] => {
    const ty = logY ? Math.log10(y) : y;
    return [
      plot.left + ((x - x0) / (x1 - x0)) * (plot.right - plot.left),
      plot.bottom - ((ty - yDomain[0]) / (yDomain[1] - yDomain[0])) * (plot.bottom - plot.top),
    ];
  };
  const legendRows = Math.min(inLegend.length, Math.floor((plot.bottom - plot.top) / LEGEND_ROW));
  return {
    width, height, plot, logY, xDomain: [x0, x1], yDomain, xTicks, yTicks,
    legend: legendWidth > 0 ? { x: plot.right + 16, y: plot.top, rows: legendRows } : null,
    toPixel,
  };
}

/** A 1-2-5 step giving about `target` intervals over `span`. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const n = raw / magnitude;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * magnitude;
}

/** Domain widened to whole steps, and the ticks on it. */
function niceDomain(min: number, max: number, target = 5): [number, number, number[]] {
  if (min === max) {
    const pad = Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(max - min, target);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let k = Math.round(lo / step); k <= Math.round(hi / step); k++) ticks.push(roundTick(k * step));
  return [lo, hi, ticks];
}

/** Log10 domain padded by 3%, ticks at 1, 2, 5 (or every digit, or decades only) times powers of ten. */
function logDomain(minLog: number, maxLog: number): { domain: [number, number]; ticks: number[] } {
  if (maxLog - minLog < 1e-9) {
    minLog -= 0.05;
    maxLog += 0.05;
  }
  const pad = (maxLog - minLog) * 0.03;
  const domain: [number, number] = [minLog - pad, maxLog + pad];
  const span = domain[1] - domain[0];
  const mantissas = span > 4 ? [1] : span > 1.2 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ticks: number[] = [];
  for (let d = Math.floor(domain[0]); d <= Math.ceil(domain[1]); d++) {
    for (const m of mantissas) {
      const v = roundTick(m * 10 ** d);
      const l = Math.log10(v);
      if (l >= domain[0] && l <= domain[1]) ticks.push(v);
    }
  }
  if (ticks.length < 2) {
    // Less than a digit's range: evenly spaced values, placed on the log scale.
    const [, , linear] = niceDomain(10 ** domain[0], 10 ** domain[1], 4);
    return { domain, ticks: linear.filter((v) => v > 0 && Math.log10(v) >= domain[0] && Math.log10(v) <= domain[1]) };
  }
  return { domain, ticks };
}

/** Removes floating-point dust (0.30000000000000004). */
function roundTick(v: number): number {
  return Number(v.toPrecision(12));
}

export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential().split('e');
    return `${Number(Number(m).toPrecision(3))}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(6)));
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Every `stride`-th point and the last, so that at most `max` remain. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const out = points.filter((_, i) => i % stride === 0);
  if ((points.length - 1) % stride !== 0) out.push(points[points.length - 1]!);
  return out;
}

const px = (v: number) => String(Math.round(v * 10) / 10);

export function renderLineChartSvg(spec: LineChartSpec): string {
  const layout = chartLayout(spec);
  const { width, height, plot, logY } = layout;
  const drawText = spec.drawText ?? true;
  const showRaw = spec.showRawPoints ?? true;
  const text = (x: number, y: number, content: string, attrs = '', size = FONT_SIZE) =>
    `<text x="${px(x)}" y="${px(y)}" font-family="${FONT_FAMILY}" font-size="${size}" fill="#333"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    '<defs><clipPath id="plot-area">',
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}"/>`,
    '</clipPath></defs>',
  ];

  // Grid lines and ticks.
  for (const t of layout.xTicks) {
    const [x] = layout.toPixel(t, logY ? 10 ** layout.yDomain[0] : layout.yDomain[0]);
    parts.push(`<line x1="${px(x)}" y1="${plot.top}" x2="${px(x)}" y2="${plot.bottom}" stroke="#ececec" stroke-width="1"/>`);
    if (drawText) parts.push(text(x, plot.bottom + 16, formatTick(t), 'text-anchor="middle"'));
  }
  for (const t of layout.yTicks) {
    const [, y] = layout.toPixel(layout.xDomain[0], t);
    parts.push(`<line x1="${plot.left}" y1="${px(y)}" x2="${plot.right}" y2="${px(y)}" stroke="#ececec" stroke-width="1"/>`);
    if (drawText) parts.push(text(plot.left - 6, y + 4, formatTick(t), 'text-anchor="end"'));
  }
  parts.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#999" stroke-width="1"/>`);
  if (drawText) {
    if (spec.title) parts.push(text(plot.left, 22, spec.title, 'font-weight="bold"', 14));
    parts.push(text((plot.left + plot.right) / 2, height - 10, spec.xLabel, 'text-anchor="middle"'));
    const yLabel = spec.yLabel + (logY ? ' (log scale)' : '');
    const cy = (plot.top + plot.bottom) / 2;
    parts.push(text(18, cy, yLabel, `text-anchor="middle" transform="rotate(-90 18 ${px(cy)})"`));
  }

  // Data: every series' raw dots first, then the lines, so no dot covers a line.
  const drawn = spec.series.map((s, i) => {
    const color = s.color ?? seriesColor(i);
    const points = finitePoints(s, logY);
    const weight = spec.smoothing ?? smoothingFor(points.length);
    const plotted = points.map((p) => (logY ? Math.log10(p.y) : p.y));
    const smoothed = emaSmoothed(plotted, weight).map((v) => (logY ? 10 ** v : v));
    return { color, points, line: points.map((p, k) => ({ x: p.x, y: smoothed[k]! })), smoothed: weight > 0, dashed: s.dashed ?? false, markers: s.markers ?? false };
  });
  parts.push('<g clip-path="url(#plot-area)">');
  if (showRaw) {
    for (const d of drawn) {
      // Markers are drawn over the lines; an unsmoothed line goes through every raw point already.
      if (d.markers || (!d.smoothed && d.points.length > 1)) continue;
      const dots = thin(d.points, MAX_DRAWN_POINTS).map((p) => {
        const [x, y] = layout.toPixel(p.x, p.y);
        return `<circle cx="${px(x)}" cy="${px(y)}" r="${d.points.length === 1 ? 3 : 1.6}"/>`;
      });
      parts.push(`<g fill="${d.color}" fill-opacity="${d.points.length === 1 ? 1 : 0.25}">${dots.join('')}</g>`);
    }
  }
  for (const d of drawn) {
    if (d.line.length < 2) continue;
    const coords = thin(d.line, MAX_DRAWN_POINTS).map((p) => layout.toPixel(p.x, p.y).map(px).join(',')).join(' ');
    const dash = d.dashed ? ` stroke-dasharray="${DASH}"` : '';
    parts.push(`<polyline points="${coords}" fill="none" stroke="${d.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dash}/>`);
  }
  for (const d of drawn.filter((d) => d.markers)) {
    const dots = thin(d.points, MAX_DRAWN_POINTS).map((p) => {
      const [x, y] = layout.toPixel(p.x, p.y);
      return `<circle cx="${px(x)}" cy="${px(y)}" r="3.5"/>`;
    });
    parts.push(`<g fill="${d.color}">${dots.join('')}</g>`);
  }
  parts.push('</g>');

  if (layout.legend) {
    const { x, y, rows } = layout.legend;
    const entries = drawn.map((d, i) => ({ ...spec.series[i]!, color: d.color })).filter((s) => !s.hideInLegend);
    const hidden = entries.length - rows;
    const shown = hidden > 0 ? rows - 1 : rows;
    entries.slice(0, shown).forEach((s, i) => {
      const cy = y + 10 + i * LEGEND_ROW;
      parts.push(`<line x1="${x}" y1="${cy}" x2="${x + 20}" y2="${cy}" stroke="${s.color}" stroke-width="3"${s.dashed ? ` stroke-dasharray="${DASH}"` : ''}/>`);
      const label = s.label.length > 34 ? s.label.slice(0, 33) + '…' : s.label;
      parts.push(text(x + 26, cy + 4, label));
    });
    if (hidden > 0) parts.push(text(x + 26, y + 14 + shown * LEGEND_ROW, `+ ${hidden + 1} more`));
  }
  parts.push('</svg>');
  return parts.join('\n');
}

export interface RenderedPng {
  png: Uint8Array;
  width: number;
  height: number;
}

/** SVG to PNG at one pixel per SVG unit. */
export async function svgToPng(svg: string): Promise<RenderedPng> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 })
    .flatten({ background: '#ffffff' })
    .png({ compressionLevel: 9 })
    .toBuffer({ resolveWithObject: true });
  return { png: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

export async function renderLineChartPng(spec: LineChartSpec): Promise<RenderedPng> {
  return svgToPng(renderLineChartSvg(spec));
}

let textProbe: Promise<boolean> | undefined;

/**
 * Whether SVG text comes out as pixels here: librsvg draws nothing for text when no font
 * is installed. Renders a word once and looks for ink.
 */
export function canRenderText(): Promise<boolean> {
  textProbe ??= (async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="48"><rect width="120" height="48" fill="#fff"/>` +
      `<text x="4" y="38" font-family="${FONT_FAMILY}" font-size="36" fill="#000">Wg8</text></svg>`;
    try {
      const { data, info } = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
      let ink = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i]! < 128) ink++;
      return ink > 100;
    } catch {
      return false; // sharp cannot draw the probe: then it cannot draw the labels either
    }
  })();
  return textProbe;
}
