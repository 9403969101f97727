// A small uPlot line chart of a few curves with their own x values (the schedule curves of
// runs with different T, the SWD of runs sampled at different times), a legend, and an
// optional vertical marker (the chosen t).
import { html, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import { formatNumber } from '../../src/shared/formatting';
import type { Curve } from '../chartData';
import { chartTheme, onThemeChange } from '../theme';
import { cssProperty } from '../cssProperty';
import { LightElement } from './lightElement';
import { imageStyle, uplotPng, uplotSvg, type LegendEntry } from '../chartExport';
import { chartSaveButtons } from '../chartSaveButtons';
import type { ChartImageFormat } from '../../src/shared/panelMessages';

/** What the chart has handed to uPlot, read back from it (for tests). */
export interface PlottedCurves {
  xLabel: string;
  yLabel: string;
  series: Array<{ label: string; dashed: boolean; points: Array<[number, number]> }>;
}

export class CurveChart extends LightElement {
  static override properties = {
    curves: { attribute: false }, xLabel: { type: String }, yLabel: { type: String },
    logY: { type: Boolean }, marker: { type: Number }, legend: { type: Boolean }, fileName: { type: String },
  };

  declare curves: Curve[];
  declare xLabel: string;
  declare yLabel: string;
  declare logY: boolean;
  declare marker: number | undefined;
  declare legend: boolean;
  /** What Save PNG / Save SVG call the file; empty: "<yLabel> by <xLabel>" (a label of symbols only, like √ᾱₜ, needs one). */
  declare fileName: string;

  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;
  private stopThemeWatch: (() => void) | undefined;

  constructor() {
    super();
    this.curves = [];
    this.xLabel = '';
    this.yLabel = '';
    this.logY = false;
    this.marker = undefined;
    this.legend = true;
    this.fileName = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopThemeWatch = onThemeChange(() => this.draw());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopThemeWatch?.();
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }

  get plotted(): PlottedCurves | undefined {
    const u = this.plot;
    if (!u) return undefined;
    const x = u.data[0] as ArrayLike<number>;
    return {
      xLabel: String(u.axes[0]?.label ?? ''), yLabel: String(u.axes[1]?.label ?? ''),
      series: u.series.slice(1).map((s, i) => {
        const y = u.data[i + 1]! as ArrayLike<number | null>;
        const points: Array<[number, number]> = [];
        for (let k = 0; k < x.length; k++) if (y[k] != null) points.push([x[k]!, y[k]!]);
        return { label: String(s.label ?? ''), dashed: (s.dash?.length ?? 0) > 0, points };
      }),
    };
  }

  protected override render() {
    return html`<div class="chart-area small" role="img" aria-label="${this.yLabel} by ${this.xLabel}"></div>
      ${!this.legend ? '' : html`<ul class="legend compact">${this.curves.map((c) => html`<li><span class="swatch${c.dash ? ' dashed' : ''}" ${cssProperty('--swatch', c.color)}></span><span class="legend-label">${c.label}</span></li>`)}</ul>`}
      ${chartSaveButtons(this.fileName || `${this.yLabel} by ${this.xLabel}`, (format) => this.image(format))}`;
  }

  /** The chart as drawn, with the legend of its curves. */
  image(format: ChartImageFormat): string {
    if (!this.plot) throw new Error('the chart is not drawn yet');
    const legend: LegendEntry[] = this.curves.map((c) => ({ label: c.label, color: c.color, dashed: (c.dash?.length ?? 0) > 0 }));
    return format === 'png' ? uplotPng(this.plot, legend, imageStyle()) : uplotSvg(this.plot, legend, imageStyle());
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.size === 1 && changed.has('marker') && this.plot) {
      this.plot.redraw(false, false);
      return;
    }
    this.draw();
  }

  private draw(): void {
    const area = this.querySelector<HTMLElement>('.chart-area');
    if (!area) return;
    this.plot?.destroy();
    const xs = [...new Set(this.curves.flatMap((c) => c.x))].sort((a, b) => a - b);
    const index = new Map(xs.map((v, i) => [v, i]));
    const data: uPlot.AlignedData = [xs, ...this.curves.map((c) => {
      const col: Array<number | null> = new Array(xs.length).fill(null);
      c.x.forEach((x, i) => {
        col[index.get(x)!] = this.logY && !(c.y[i]! > 0) ? null : c.y[i]!;
      });
      return col;
    })];
    const theme = chartTheme();
    // Log axes: ticks, grid and labels at powers of ten only (uPlot adds 2..9 in between), and on a
    // short chart only every second or third of them, so that the labels do not overlap.
    const decades = (u: uPlot, splits: number[]) => {
      let last = -Infinity;
      return splits.map((v) => {
        if (!isPowerOfTen(v)) return null;
        const pos = u.valToPos(v, 'y');
        if (Math.abs(pos - last) < 16) return null;
        last = pos;
        return v;
      });
    };
    const axis = (label: string, log = false): uPlot.Axis => ({
      ...(label ? { label } : {}), stroke: theme.foreground, font: theme.font, labelFont: theme.font,
      grid: { stroke: theme.grid, width: 1, ...(theme.gridDash ? { dash: theme.gridDash } : {}), ...(log ? { filter: decades } : {}) },
      ticks: { stroke: theme.grid, width: 1, ...(log ? { filter: decades } : {}) },
      ...(log ? { filter: decades } : {}),
    });
    const width = Math.max(180, area.clientWidth);
    this.plot = new uPlot({
      width, height: chartHeight(width),
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false }, y: this.logY ? { distr: 3 } : {} },
      axes: [axis(this.xLabel), {
        ...axis(this.yLabel, this.logY), size: 56,
        values: (_u, ticks) => ticks.map((t) => (t == null ? '' : this.logY ? powerLabel(t) : formatNumber(t, 3))),
      }],
      series: [{}, ...this.curves.map((c): uPlot.Series => ({
        label: c.label, stroke: c.color, width: 2, spanGaps: true, ...(c.dash ? { dash: c.dash } : {}),
        points: c.points ? { show: true, size: 6, fill: c.color } : { show: false },
      }))],
      hooks: {
        draw: [(u) => {
          if (this.marker === undefined) return;
          const x = Math.round(u.valToPos(this.marker, 'x', true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = theme.foreground;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }],
      },
    }, data, area);
    this.resize ??= new ResizeObserver(() => {
      const w = Math.max(180, area.clientWidth);
      this.plot?.setSize({ width: w, height: chartHeight(w) });
    });
    this.resize.observe(area);
  }
}

function chartHeight(width: number): number {
  return Math.max(190, Math.min(260, Math.round(width * 0.6)));
}

function isPowerOfTen(v: number): boolean {
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-9;
}

function powerLabel(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -2 && e <= 3 ? String(10 ** e) : `1e${e}`;
}

customElements.define('dl-curve-chart', CurveChart);
