// The loss chart: uPlot, one faint raw line and one smoothed line per run, live. New points
// arrive through the store; the chart redraws once per animation frame at most and keeps
// the person's zoom (drag to zoom, double-click to reset). Legend with values under the cursor.
import { html, nothing, type PropertyValues } from 'lit';
import uPlot from 'uplot';
import type { RunSummary } from '../../src/shared/panelMessages';
import { GRID_BUCKETS, PlotTableBuilder, type ChartRun, type PlotTable, type XAxis } from '../chartData';
import { groupLossTable, type LossBand } from '../groupLoss';
import { fadedColor, runColor } from '../colors';
import { formatNumber } from '../../src/shared/formatting';
import { FINAL_LOSS, SMOOTHED_LOSS, STEP_LOSS } from '../../src/shared/lossNames';
import { RunLoss, type LossStore } from '../lossStore';
import { chartTheme, onThemeChange } from '../theme';
import { cssProperty } from '../cssProperty';
import { LightElement } from './lightElement';
import { imageStyle, uplotPng, uplotSvg, type LegendEntry } from '../chartExport';
import { chartSaveButtons } from '../chartSaveButtons';
import type { ChartImageFormat } from '../../src/shared/panelMessages';

const AXIS_LABELS: Record<XAxis, string> = { step: 'step', epoch: 'epoch', wall: 'training time (s)' };
/** The curves are the step loss and its smoothing (the legend names both). */
const Y_LABEL = 'training loss';
const DRAWN = ['runs', 'store', 'version', 'smoothing', 'xAxis', 'logY', 'groups', 'band'] as const;

/** A group drawn as one curve (its runs' mean) with a band. */
export interface ChartGroup {
  label: string;
  colorIndex: number;
  runIds: string[];
}
/** About 30 redraws a second at most (the host sends at most ten updates a second anyway). */
const MIN_DRAW_MS = 30;

export class LossChart extends LightElement {
  static override properties = {
    runs: { attribute: false },
    store: { attribute: false },
    version: { type: Number },
    smoothing: { type: Number },
    xAxis: { type: String },
    logY: { type: Boolean },
    groups: { attribute: false },
    band: { type: String },
    hoverIndex: { state: true },
  };

  declare runs: RunSummary[];
  declare store: LossStore;
  declare version: number;
  declare smoothing: number;
  declare xAxis: XAxis;
  declare logY: boolean;
  /** Draw these groups (mean and band) instead of each run; undefined: each run. */
  declare groups: ChartGroup[] | undefined;
  declare band: LossBand;
  declare hoverIndex: number | null;

  private plot: uPlot | undefined;
  private plotKey = '';
  private table: PlotTable = [[]];
  private readonly builder = new PlotTableBuilder();
  private zoomed = false;
  private painted = false;
  /** A draw has run (the table is the runs', not the initial empty one). */
  private drawn = false;
  private applyingData = false;
  private frame = 0;
  private lastDraw = -Infinity;
  private resize: ResizeObserver | undefined;
  private stopThemeWatch: (() => void) | undefined;

  constructor() {
    super();
    this.runs = [];
    this.version = 0;
    this.smoothing = 0.6;
    this.xAxis = 'step';
    this.logY = false;
    this.groups = undefined;
    this.band = 'std';
    this.hoverIndex = null;
  }

  /** What the chart currently draws: x, then raw and smoothed loss per run, or mean, band low and high per group (for tests and the bench). */
  get plotted(): Array<Array<number | null>> {
    return this.table.map((column) => Array.from(column));
  }

  /** True when what the chart draws is current: no property change waits for an update or a draw (for tests). */
  get settled(): boolean {
    return !this.isUpdatePending && !this.frame;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopThemeWatch = onThemeChange(() => this.rebuild());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopThemeWatch?.();
    this.resize?.disconnect();
    cancelAnimationFrame(this.frame);
    this.plot?.destroy();
    this.plot = undefined;
    this.plotKey = '';
  }

  protected override render() {
    const idx = this.hoverIndex;
    const x = idx === null ? undefined : this.table[0][idx];
    // Before the first draw nothing is known yet: no "no loss" message for a frame.
    const empty = this.drawn && this.table[0].length === 0;
    const waiting = this.runs.some((r) => r.state === 'running' || r.state === 'queued' || r.state === 'not started');
    return html`
      <div class="chart-frame">
        <div class="chart-area" role="img" aria-label="Training loss of ${this.runs.length} run${this.runs.length === 1 ? '' : 's'} by ${AXIS_LABELS[this.xAxis]}"></div>
        ${empty ? html`<p class="chart-empty">${waiting
          ? 'No loss yet: the curves appear with the first training steps.'
          : this.xAxis === 'epoch' ? 'No run here has finished an epoch.' : 'These runs recorded no loss.'}</p>` : nothing}
      </div>
      <ul class="legend" aria-label="Runs on the chart">
        ${x === undefined ? nothing : html`<li class="legend-x">${AXIS_LABELS[this.xAxis]} ${formatNumber(x, 6)}</li>`}
        ${this.groups ? this.groups.map((g, i) => {
          const [mean, lo, hi] = this.groupValuesOf(i, idx);
          return html`<li class="legend-group">
            <span class="swatch" ${cssProperty('--swatch', runColor(g.colorIndex))}></span>
            <span class="legend-label" title=${g.runIds.join(', ')}>${g.label}</span>
            <span class="legend-value">mean ${formatNumber(mean)} of ${g.runIds.length} run${g.runIds.length === 1 ? '' : 's'}${lo === undefined || hi === undefined ? '' : ` · ${this.band === 'std' ? '± std' : 'min–max'} ${formatNumber(lo)} – ${formatNumber(hi)}`}</span>
          </li>`;
        }) : this.runs.map((run, i) => {
          const [raw, smooth] = this.valuesOf(i, idx);
          return html`<li>
            <span class="swatch" ${cssProperty('--swatch', runColor(run.colorIndex))}></span>
            <span class="legend-label" title=${run.runId}>${run.starred ? '★ ' : ''}${run.label}</span>
            <span class="legend-value"><span class="smoothed" title="${SMOOTHED_LOSS.label}: ${SMOOTHED_LOSS.definition}">smoothed ${formatNumber(smooth)}</span>${raw === undefined ? '' : html` · <span class="raw" title="${STEP_LOSS.label}: ${STEP_LOSS.definition}${idx === null ? '' : ' (at the cursor; the mean of the steps a pixel holds when the chart has more steps than pixels)'}">step ${formatNumber(raw)}</span>`}</span>
            ${run.measures.finalLoss === undefined ? nothing : html`<span class="legend-final" title="${FINAL_LOSS.label}: ${FINAL_LOSS.definition}">${FINAL_LOSS.label} ${formatNumber(run.measures.finalLoss)}</span>`}
          </li>`;
        })}
      </ul>
      ${this.plot ? chartSaveButtons('loss-chart', (format) => this.image(format)) : nothing}`;
  }

  /** The chart as drawn (zoom, smoothing, axes), with a legend of its runs. */
  image(format: ChartImageFormat): string {
    if (!this.plot) throw new Error('the loss chart is not drawn yet');
    const legend: LegendEntry[] = this.groups
      ? this.groups.map((g) => ({ label: `${g.label} (mean, ${this.band === 'std' ? '± std' : 'min–max'})`, color: runColor(g.colorIndex) }))
      : this.runs.map((r) => ({ label: r.label, color: runColor(r.colorIndex) }));
    return format === 'png' ? uplotPng(this.plot, legend, imageStyle()) : uplotSvg(this.plot, legend, imageStyle());
  }

  /** Mean, band low and band high of group i at the cursor, or its latest ones. */
  private groupValuesOf(i: number, idx: number | null): [number | undefined, number | undefined, number | undefined] {
    const [mean, lo, hi] = [1, 2, 3].map((k) => this.table[3 * i + k]);
    if (!mean || !lo || !hi) return [undefined, undefined, undefined];
    const at = (k: number): [number | undefined, number | undefined, number | undefined] => [mean[k] ?? undefined, lo[k] ?? undefined, hi[k] ?? undefined];
    if (idx !== null) return at(idx);
    for (let k = mean.length - 1; k >= 0; k--) if (mean[k] != null) return at(k);
    return [undefined, undefined, undefined];
  }

  /** Raw and smoothed values of run i at the cursor, or its latest ones. */
  private valuesOf(i: number, idx: number | null): [number | undefined, number | undefined] {
    const raw = this.table[1 + 2 * i];
    const smooth = this.table[2 + 2 * i];
    if (!raw || !smooth) return [undefined, undefined];
    if (idx !== null) return [raw[idx] ?? undefined, smooth[idx] ?? undefined];
    for (let k = smooth.length - 1; k >= 0; k--) if (smooth[k] != null) return [raw[k] ?? undefined, smooth[k]!];
    return [undefined, undefined];
  }

  protected override updated(changed: PropertyValues<this>): void {
    // Only what the chart draws; not the legend's own updates (hover, the latest values after a draw),
    // which would otherwise redraw the chart on every frame.
    if (!DRAWN.some((p) => changed.has(p))) return;
    this.scheduleDraw();
  }

  /**
   * One draw per animation frame at most, and while points stream in, at most one every
   * MIN_DRAW_MS: a redraw (table, uPlot, canvas raster) costs more than a frame's share on a
   * slow machine, and the page stays smooth (hover, zoom) between redraws.
   */
  private scheduleDraw(): void {
    if (this.frame) return;
    // The first one a frame later: the panel (header, tabs, options, legend) paints first, then
    // the chart (creating uPlot with two series a run is the costliest part of opening the panel).
    let first = !this.plot;
    const tick = (now: number) => {
      if (first) {
        first = false;
        this.frame = requestAnimationFrame(tick);
        return;
      }
      if (now - this.lastDraw < MIN_DRAW_MS) {
        this.frame = requestAnimationFrame(tick);
        return;
      }
      this.frame = 0;
      this.lastDraw = now;
      this.draw();
    };
    this.frame = requestAnimationFrame(tick);
  }

  private rebuild(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.plotKey = '';
    this.draw();
  }

  private draw(): void {
    const area = this.querySelector<HTMLElement>('.chart-area');
    if (!area || !this.store) return;
    const chartRuns: ChartRun[] = this.runs.map((r) => ({
      runId: r.runId, loss: this.store.get(r.runId) ?? EMPTY_LOSS(),
      ...(r.stepsPerEpoch ? { stepsPerEpoch: r.stepsPerEpoch } : {}),
    }));
    // Two buckets per pixel of width at most: more would not show.
    const buckets = Math.min(GRID_BUCKETS, Math.max(500, 2 * Math.round(this.plot?.width ?? area.clientWidth)));
    const byId = new Map(this.runs.map((r, i) => [r.runId, chartRuns[i]!]));
    this.table = this.groups
      ? groupLossTable(this.groups.map((g) => ({ runs: g.runIds.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])) })), this.xAxis, this.smoothing, this.band)
      : this.builder.build(chartRuns, this.xAxis, this.smoothing, buckets);
    this.drawn = true;
    const shape = this.groups ? `groups:${this.band}:${this.groups.map((g) => `${g.runIds.join(',')}:${g.colorIndex}`).join('|')}` : this.runs.map((r) => `${r.runId}:${r.colorIndex}`).join('|');
    const key = `${shape}/${this.xAxis}/${this.logY}`;
    if (!this.plot || key !== this.plotKey) {
      this.plot?.destroy();
      this.plotKey = key;
      this.zoomed = false;
      this.plot = new uPlot(this.options(area), this.table as uPlot.AlignedData, area);
      this.resize ??= new ResizeObserver(() => this.plot?.setSize(sizeOf(area)));
      this.resize.observe(area);
    } else {
      this.applyingData = true;
      this.plot.setData(this.table as uPlot.AlignedData, !this.zoomed);
      this.applyingData = false;
    }
    this.requestUpdate(); // the legend's latest values
    if (!this.painted && this.table[0].length > 0) {
      this.painted = true;
      // A frame after the first draw with points: the chart is on screen (bench/ and the UI tests read it).
      requestAnimationFrame(() => performance.mark('diffusion:chart-painted'));
    }
  }

  private options(area: HTMLElement): uPlot.Options {
    const theme = chartTheme();
    const axis = (label: string): uPlot.Axis => ({
      label, stroke: theme.foreground, font: theme.font, labelFont: theme.font,
      grid: { stroke: theme.grid, width: 1, ...(theme.gridDash ? { dash: theme.gridDash } : {}) }, ticks: { stroke: theme.grid, width: 1 },
    });
    return {
      ...sizeOf(area),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true }, points: { show: false } },
      scales: { x: { time: false }, y: this.logY ? { distr: 3 } : {} },
      axes: [axis(AXIS_LABELS[this.xAxis]), { ...axis(Y_LABEL), size: 56 }],
      ...(this.groups ? { bands: this.groups.map((_, g): uPlot.Band => ({ series: [3 + 3 * g, 2 + 3 * g], fill: fadedColor(runColor(this.groups![g]!.colorIndex), 0.18) })) } : {}),
      series: [
        {},
        ...this.groups ? this.groups.flatMap((g): uPlot.Series[] => [
          { label: `${g.label} (mean)`, stroke: runColor(g.colorIndex), width: 2, spanGaps: true, points: { show: false } },
          { label: `${g.label} (band low)`, stroke: fadedColor(runColor(g.colorIndex)), width: 1, spanGaps: true, points: { show: false } },
          { label: `${g.label} (band high)`, stroke: fadedColor(runColor(g.colorIndex)), width: 1, spanGaps: true, points: { show: false } },
        ]) : this.runs.flatMap((r): uPlot.Series[] => [
          { label: `${r.label} (raw)`, stroke: fadedColor(runColor(r.colorIndex)), width: 1, spanGaps: true, points: { show: false } },
          { label: r.label, stroke: runColor(r.colorIndex), width: 2, spanGaps: true, points: { show: false } },
        ]),
      ],
      hooks: {
        setCursor: [(u) => {
          this.hoverIndex = u.cursor.idx ?? null;
        }],
        setScale: [(u, key) => {
          if (key !== 'x' || this.applyingData) return;
          const xs = this.table[0];
          const { min, max } = u.scales.x;
          this.zoomed = xs.length > 1 && min !== undefined && max !== undefined && (min > xs[0]! || max < xs[xs.length - 1]!);
        }],
      },
    };
  }
}

function sizeOf(area: HTMLElement): { width: number; height: number } {
  const width = Math.max(200, Math.floor(area.clientWidth));
  return { width, height: Math.max(180, Math.min(420, Math.round(width * 0.5))) };
}

/** A run listed before any point of it arrived: an empty series keeps its colour and legend row. */
const EMPTY_LOSS = () => new RunLoss();

customElements.define('dl-loss-chart', LossChart);
