// A chart of the panel as a file: PNG from what is on screen (uPlot's canvas, which holds the
// axes, ticks and curves, with the legend drawn under it; the Compare scatter's SVG rasterised)
// and SVG built from the same geometry (uPlot's scales and ticks, the curves as polylines).
// The page's own CSS does not travel with a file, so colours and fonts are written inline.
import type uPlot from 'uplot';

/** A legend row under a chart: what the component's own (HTML) legend shows. */
export interface LegendEntry {
  label: string;
  color: string;
  dashed?: boolean;
}

/** Colours and font of the saved image: the panel's theme, so that the file looks as the chart did. */
export interface ImageStyle {
  background: string;
  foreground: string;
  /** CSS font shorthand, e.g. `12px system-ui`. */
  font: string;
}

const LEGEND_ROW = 18;
/** Longest polyline per series in an SVG: more points than pixels do not show. */
const MAX_SVG_POINTS = 4000;

export function imageStyle(): ImageStyle {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const size = parseFloat(v('--vscode-font-size', '13px')) - 1 || 12;
  return { background: v('--vscode-editor-background', '#ffffff'), foreground: v('--vscode-foreground', '#333333'), font: `${size}px ${v('--vscode-font-family', 'sans-serif')}` };
}

/** Legend rows that fit across `width` (a rough width per character: no text is measured for the SVG). */
function legendLayout(entries: readonly LegendEntry[], width: number, fontPx: number): Array<{ entry: LegendEntry; x: number; y: number }> {
  const out: Array<{ entry: LegendEntry; x: number; y: number }> = [];
  let x = 8;
  let y = LEGEND_ROW / 2 + 4;
  for (const entry of entries) {
    const w = 30 + Math.min(entry.label.length, 40) * fontPx * 0.6 + 18;
    if (x > 8 && x + w > width) {
      x = 8;
      y += LEGEND_ROW;
    }
    out.push({ entry, x, y });
    x += w;
  }
  return out;
}

function legendHeight(entries: readonly LegendEntry[], width: number, fontPx: number): number {
  const rows = legendLayout(entries, width, fontPx);
  return rows.length === 0 ? 0 : rows[rows.length - 1]!.y + LEGEND_ROW / 2 + 4;
}

const fontPxOf = (font: string) => parseFloat(font) || 12;
const shortLabel = (label: string) => (label.length > 40 ? `${label.slice(0, 39)}…` : label);

/** The chart's canvas (axes, ticks, curves) with the legend under it, as a PNG data URL. */
export function uplotPng(u: uPlot, legend: readonly LegendEntry[], style: ImageStyle): string {
  const source = u.ctx.canvas;
  const ratio = source.width / u.width;
  const fontPx = fontPxOf(style.font);
  const legendH = legendHeight(legend, u.width, fontPx);
  const canvas = document.createElement('canvas');
  canvas.width = source.width;
  canvas.height = source.height + Math.ceil(legendH * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = style.background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(source, 0, 0);
  ctx.scale(ratio, ratio);
  ctx.translate(0, source.height / ratio);
  ctx.font = style.font;
  ctx.textBaseline = 'middle';
  for (const { entry, x, y } of legendLayout(legend, u.width, fontPx)) {
    ctx.strokeStyle = entry.color;
    ctx.lineWidth = 3;
    ctx.setLineDash(entry.dashed ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(x, y);
    ctx.lineTo(x + 22, y);
    ctx.stroke();
    ctx.fillStyle = style.foreground;
    ctx.fillText(shortLabel(entry.label), x + 28, y);
  }
  return canvas.toDataURL('image/png');
}

/** uPlot's own computed ticks of an axis (internal fields of uPlot 1.6: `_splits`, `_values`). */
function axisTicks(axis: uPlot.Axis): Array<{ value: number; text: string }> {
  const { _splits: splits, _values: values } = axis as uPlot.Axis & { _splits?: Array<number | null>; _values?: Array<string | number | null> };
  if (!splits || !values) return [];
  const ticks: Array<{ value: number; text: string }> = [];
  splits.forEach((v, i) => {
    const text = values[i];
    if (v != null && text != null && text !== '') ticks.push({ value: v, text: String(text) });
  });
  return ticks;
}

/** A series' stroke colour: uPlot turns the option into a function of (plot, series index). */
function strokeOf(u: uPlot, i: number): string {
  const stroke = u.series[i]!.stroke as unknown;
  const value = typeof stroke === 'function' ? (stroke as (u: uPlot, i: number) => unknown)(u, i) : stroke;
  return typeof value === 'string' ? value : '#888888';
}

export function escapeXmlText(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

const n = (v: number) => String(Math.round(v * 10) / 10);

/** The chart as an SVG document: background, grid, ticks and labels, one path per series, the legend. */
export function uplotSvg(u: uPlot, legend: readonly LegendEntry[], style: ImageStyle): string {
  const ratio = u.ctx.canvas.width / u.width;
  const box = { left: u.bbox.left / ratio, top: u.bbox.top / ratio, width: u.bbox.width / ratio, height: u.bbox.height / ratio };
  const fontPx = fontPxOf(style.font);
  const legendH = legendHeight(legend, u.width, fontPx);
  const width = u.width;
  const height = u.height + legendH;
  const family = escapeXmlText(style.font.replace(/^[\d.]+px\s*/, ''));
  const text = (x: number, y: number, content: string, attrs = '') =>
    `<text x="${n(x)}" y="${n(y)}" fill="${escapeXmlText(style.foreground)}" font-size="${fontPx}" font-family="${family}"${attrs ? ` ${attrs}` : ''}>${escapeXmlText(content)}</text>`;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${n(height)}" viewBox="0 0 ${width} ${n(height)}">`,
    `<rect width="100%" height="100%" fill="${escapeXmlText(style.background)}"/>`,
    `<defs><clipPath id="plot"><rect x="${n(box.left)}" y="${n(box.top)}" width="${n(box.width)}" height="${n(box.height)}"/></clipPath></defs>`,
  ];
  const [xAxis, yAxis] = [u.axes[0], u.axes[1]];
  const xScale = u.series[0]?.scale ?? 'x';
  const yScale = u.series[1]?.scale ?? 'y';
  const grid = (a: uPlot.Axis | undefined) => {
    const stroke = (a?.grid as { stroke?: unknown } | undefined)?.stroke;
    return typeof stroke === 'string' ? stroke : 'rgba(128,128,128,0.3)';
  };
  if (xAxis) {
    for (const t of axisTicks(xAxis)) {
      const x = box.left + u.valToPos(t.value, xScale);
      parts.push(`<line class="grid" x1="${n(x)}" x2="${n(x)}" y1="${n(box.top)}" y2="${n(box.top + box.height)}" stroke="${escapeXmlText(grid(xAxis))}"/>`);
      parts.push(text(x, box.top + box.height + fontPx + 6, t.text, 'text-anchor="middle" class="tick x-tick"'));
    }
    if (xAxis.label) parts.push(text(box.left + box.width / 2, u.height - 6, String(xAxis.label), 'text-anchor="middle" class="axis-label"'));
  }
  if (yAxis) {
    for (const t of axisTicks(yAxis)) {
      const y = box.top + u.valToPos(t.value, yScale);
      parts.push(`<line class="grid" x1="${n(box.left)}" x2="${n(box.left + box.width)}" y1="${n(y)}" y2="${n(y)}" stroke="${escapeXmlText(grid(yAxis))}"/>`);
      parts.push(text(box.left - 8, y + fontPx / 3, t.text, 'text-anchor="end" class="tick y-tick"'));
    }
    if (yAxis.label) {
      const cy = box.top + box.height / 2;
      parts.push(text(fontPx, cy, String(yAxis.label), `text-anchor="middle" class="axis-label" transform="rotate(-90 ${fontPx} ${n(cy)})"`));
    }
  }
  parts.push('<g clip-path="url(#plot)">');
  const xs = u.data[0] as ArrayLike<number>;
  for (let i = 1; i < u.series.length; i++) {
    const s = u.series[i]!;
    if (s.show === false) continue;
    const ys = u.data[i] as ArrayLike<number | null | undefined>;
    const points: Array<[number, number]> = [];
    for (let k = 0; k < xs.length; k++) {
      const y = ys[k];
      if (y == null || !Number.isFinite(y)) continue;
      points.push([box.left + u.valToPos(xs[k]!, xScale), box.top + u.valToPos(y, s.scale ?? 'y')]);
    }
    const stride = Math.ceil(points.length / MAX_SVG_POINTS);
    const drawn = stride > 1 ? points.filter((_, k) => k % stride === 0 || k === points.length - 1) : points;
    const color = escapeXmlText(strokeOf(u, i));
    const label = escapeXmlText(String(s.label ?? ''));
    const dash = s.dash && s.dash.length > 0 ? ` stroke-dasharray="${s.dash.join(' ')}"` : '';
    if (drawn.length > 1) {
      const d = drawn.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${n(x)} ${n(y)}`).join('');
      parts.push(`<path class="series" data-series="${label}" d="${d}" fill="none" stroke="${color}" stroke-width="${s.width ?? 1}" stroke-linejoin="round"${dash}/>`);
    }
    const dots = (s.points as { show?: unknown } | undefined)?.show === true || drawn.length === 1;
    if (dots) parts.push(`<g class="series-points" data-series="${label}" fill="${color}">${drawn.map(([x, y]) => `<circle cx="${n(x)}" cy="${n(y)}" r="3"/>`).join('')}</g>`);
  }
  parts.push('</g>');
  parts.push(`<rect x="${n(box.left)}" y="${n(box.top)}" width="${n(box.width)}" height="${n(box.height)}" fill="none" stroke="${escapeXmlText(grid(yAxis))}"/>`);
  parts.push(`<g class="legend" transform="translate(0 ${u.height})">`);
  for (const { entry, x, y } of legendLayout(legend, u.width, fontPx)) {
    parts.push(`<line x1="${n(x)}" x2="${n(x + 22)}" y1="${n(y)}" y2="${n(y)}" stroke="${escapeXmlText(entry.color)}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(text(x + 28, y + fontPx / 3, shortLabel(entry.label)));
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}

/** The style properties an SVG drawn by the page's CSS needs to look the same as a file (each has a presentation attribute). */
const INLINED = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity', 'font-size', 'font-family', 'font-weight'] as const;

/** An SVG element of the page as a standalone document: computed styles inline, a background, a size. */
export function svgElementText(element: SVGSVGElement, style: ImageStyle): string {
  const copy = element.cloneNode(true) as SVGSVGElement;
  const originals = [element, ...element.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((el, i) => {
    const computed = getComputedStyle(el);
    const target = copies[i] as SVGElement;
    // Presentation attributes, not a style attribute: the panel's CSP refuses inline styles.
    for (const p of INLINED) {
      const value = computed.getPropertyValue(p);
      if (value && value !== 'none' || p === 'fill' || p === 'stroke') target.setAttribute(p, value || 'none');
    }
    target.removeAttribute('class');
  });
  const box = element.viewBox.baseVal;
  const [w, h] = box && box.width > 0 ? [box.width, box.height] : [element.clientWidth, element.clientHeight];
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(w));
  copy.setAttribute('height', String(h));
  copy.removeAttribute('role');
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  background.setAttribute('x', String(box?.x ?? 0));
  background.setAttribute('y', String(box?.y ?? 0));
  background.setAttribute('width', String(w));
  background.setAttribute('height', String(h));
  background.setAttribute('fill', style.background);
  copy.insertBefore(background, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

/** An SVG document drawn into a canvas at `scale` times its size, as a PNG data URL (a data: image: the CSP allows it). */
export async function rasterizeSvg(svgText: string, scale = 2): Promise<string> {
  const image = new Image();
  let binary = '';
  for (const byte of new TextEncoder().encode(svgText)) binary += String.fromCharCode(byte);
  image.src = `data:image/svg+xml;base64,${btoa(binary)}`;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(image.naturalWidth * scale);
  canvas.height = Math.round(image.naturalHeight * scale);
  canvas.getContext('2d')!.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}
