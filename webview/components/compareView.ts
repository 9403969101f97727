// The Compare tab: the runs in a table (sortable, filterable); ticking rows chooses the runs
// the other tabs show. Below, one measure plotted against one parameter.
import { html, nothing, svg } from 'lit';
import type { RunSummary } from '../../src/shared/panelMessages';
import { runColor } from '../colors';
import { compareColumns, MEASURE_COLUMNS, parameterColumns, type Column } from '../compareColumns';
import { formatNumber } from '../../src/shared/formatting';
import { tickDomain } from '../axisTicks';
import { cssProperty } from '../cssProperty';
import { LightElement } from './lightElement';

export class CompareView extends LightElement {
  static override properties = {
    runs: { attribute: false }, variedFields: { attribute: false }, selected: { attribute: false },
    sortBy: { state: true }, descending: { state: true }, filter: { state: true }, metric: { state: true }, parameter: { state: true },
  };

  declare runs: RunSummary[];
  declare variedFields: string[];
  declare selected: string[];
  declare sortBy: string;
  declare descending: boolean;
  declare filter: string;
  declare metric: string;
  declare parameter: string;

  constructor() {
    super();
    this.runs = [];
    this.variedFields = [];
    this.selected = [];
    this.sortBy = '';
    this.descending = false;
    this.filter = '';
    this.metric = 'finalLoss';
    this.parameter = '';
  }

  private select(ids: string[]): void {
    this.dispatchEvent(new CustomEvent('select', { detail: ids }));
  }

  private visibleRuns(columns: Column[]): RunSummary[] {
    const words = this.filter.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = this.runs.filter((r) => {
      const text = [r.runId, r.label, r.state, ...columns.map((c) => c.format(r))].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    });
    const column = columns.find((c) => c.id === this.sortBy);
    if (!column) return rows;
    const sign = this.descending ? -1 : 1;
    return [...rows].sort((a, b) => {
      const va = column.value(a);
      const vb = column.value(b);
      // Runs without the value go last whichever way the column is sorted.
      if (va === undefined || vb === undefined) return va === vb ? 0 : va === undefined ? 1 : -1;
      return sign * (typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true }));
    });
  }

  private sort(id: string): void {
    if (this.sortBy === id) this.descending = !this.descending;
    else [this.sortBy, this.descending] = [id, false];
  }

  protected override render() {
    const columns = compareColumns(this.variedFields).filter((c) => !c.numeric || this.runs.some((r) => c.value(r) !== undefined));
    const rows = this.visibleRuns(columns);
    const chosen = new Set(this.selected);
    const all = rows.length > 0 && rows.every((r) => chosen.has(r.runId));
    return html`
      <div class="toolbar">
        <vscode-text-field class="filter" placeholder="Filter runs (e.g. silu 32)" aria-label="Filter runs" .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}></vscode-text-field>
        <vscode-button appearance="secondary" @click=${() => this.select(this.runs.map((r) => r.runId))}>Show all</vscode-button>
        <vscode-button appearance="secondary" @click=${() => this.select(rows.map((r) => r.runId))} ?disabled=${rows.length === this.runs.length}>Show filtered</vscode-button>
      </div>
      <div class="table-scroll">
        <table class="compare">
          <thead><tr>
            <th scope="col"><input type="checkbox" aria-label="Show all listed runs" .checked=${all} @change=${(e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              const ids = new Set(rows.map((r) => r.runId));
              this.select(on ? [...new Set([...this.selected, ...ids])] : this.selected.filter((id) => !ids.has(id)));
            }}></th>
            <th scope="col">run</th>
            ${columns.map((c) => html`<th scope="col" class=${c.numeric ? 'num' : ''} aria-sort=${this.sortBy === c.id ? (this.descending ? 'descending' : 'ascending') : 'none'}>
              <button class="sort" title=${c.help ?? c.title} data-column=${c.id} @click=${() => this.sort(c.id)}>${c.title}<span class="sort-mark" aria-hidden="true">${this.sortBy === c.id ? (this.descending ? '▼' : '▲') : ''}</span></button>
            </th>`)}
          </tr></thead>
          <tbody>
            ${rows.map((r) => html`<tr class=${chosen.has(r.runId) ? 'chosen' : ''} data-run=${r.runId}>
              <td><input type="checkbox" aria-label="Show ${r.label}" .checked=${chosen.has(r.runId)} @change=${(e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                this.select(on ? [...this.selected, r.runId] : this.selected.filter((id) => id !== r.runId));
              }}></td>
              <th scope="row" title=${r.runId}><span class="swatch" ${cssProperty('--swatch', runColor(r.colorIndex))}></span>${r.label}${r.error ? html` <span class="error" title=${r.error}>⚠</span>` : nothing}</th>
              ${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.format(r)}</td>`)}
            </tr>`)}
          </tbody>
        </table>
        ${rows.length === 0 ? html`<p class="empty">No run matches “${this.filter}”.</p>` : nothing}
      </div>
      ${this.renderPlot()}`;
  }

  private renderPlot() {
    const params = parameterColumns(this.variedFields);
    const measures = MEASURE_COLUMNS.filter((c) => this.runs.some((r) => c.value(r) !== undefined));
    if (measures.length === 0 || params.length === 0) return nothing;
    const metric = measures.find((c) => c.id === this.metric) ?? measures[0]!;
    const param = params.find((c) => c.id === this.parameter) ?? params[0]!;
    const points = this.runs.filter((r) => typeof metric.value(r) === 'number' && param.value(r) !== undefined)
      .map((r) => ({ run: r, x: param.value(r)!, y: metric.value(r) as number }));
    const categories = [...new Set(points.map((p) => p.x))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true })));
    const W = 480;
    const H = 260;
    const pad = { l: 72, r: 16, t: 12, b: 40 };
    const stdErr = (r: RunSummary) => {
      const se = metric.stdErr?.(r);
      return se !== undefined && Number.isFinite(se) && se > 0 ? se : undefined;
    };
    // The domain holds the error bars too, widened by a margin, then to whole tick steps.
    const lows = points.map((p) => p.y - (stdErr(p.run) ?? 0));
    const highs = points.map((p) => p.y + (stdErr(p.run) ?? 0));
    let lo = Math.min(...lows);
    let hi = Math.max(...highs);
    const margin = hi > lo ? (hi - lo) * 0.08 : 0;
    const axis = tickDomain(lo - margin, hi + margin, 5);
    [lo, hi] = [axis.lo, axis.hi];
    const px = (x: string | number) => pad.l + ((categories.indexOf(x) + 0.5) / Math.max(1, categories.length)) * (W - pad.l - pad.r);
    const py = (y: number) => pad.t + (1 - (y - lo) / (hi - lo)) * (H - pad.t - pad.b);
    const tickText = (v: number) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? formatNumber(v, 3) : v.toFixed(axis.decimals));
    const withBars = points.some((p) => stdErr(p.run) !== undefined);
    // Point labels beside their point, on the side with room (the last column's to the left).
    const labelSide = (x: string | number) => (categories.indexOf(x) === categories.length - 1 && categories.length > 1 ? 'end' : 'start');
    const plotMid = (pad.t + H - pad.b) / 2;
    return html`
      <section class="metric-plot" aria-label="${metric.title} by ${param.title}">
        <div class="toolbar">
          <label class="field-label">Plot
            <vscode-dropdown @change=${(e: Event) => (this.metric = (e.target as HTMLSelectElement).value)}>
              ${measures.map((c) => html`<vscode-option value=${c.id} ?selected=${c.id === metric.id}>${c.title}</vscode-option>`)}
            </vscode-dropdown></label>
          <label class="field-label">against
            <vscode-dropdown @change=${(e: Event) => (this.parameter = (e.target as HTMLSelectElement).value)}>
              ${params.map((c) => html`<vscode-option value=${c.id} ?selected=${c.id === param.id}>${c.title}</vscode-option>`)}
            </vscode-dropdown></label>
        </div>
        ${points.length === 0 ? html`<p class="empty">No run has ${metric.title} yet.</p>` : html`
        <figure class="scatter-figure">
        <svg viewBox="0 0 ${W} ${H}" class="scatter" role="img" aria-label="${metric.title} by ${param.title} for ${points.length} runs">
          ${axis.values.map((v) => svg`<line class="grid" x1=${pad.l} x2=${W - pad.r} y1=${py(v)} y2=${py(v)} data-value=${v}></line>
            <text class="tick y-tick" x=${pad.l - 6} y=${py(v) + 4} text-anchor="end">${tickText(v)}</text>`)}
          ${categories.map((c) => svg`<text class="tick x-tick" x=${px(c)} y=${H - pad.b + 16} text-anchor="middle">${String(c)}</text>`)}
          <text class="axis-label x-label" x=${(W + pad.l) / 2} y=${H - 6} text-anchor="middle">${param.title}</text>
          <text class="axis-label y-label" x="14" y=${plotMid} text-anchor="middle" transform="rotate(-90 14 ${plotMid})"><title>${metric.help ?? metric.title}</title>${metric.title}</text>
          ${points.map((p) => {
            const se = stdErr(p.run);
            if (se === undefined) return nothing;
            const x = px(p.x);
            return svg`<g class="error-bar" data-run=${p.run.runId} stroke=${runColor(p.run.colorIndex)}>
              <line x1=${x} x2=${x} y1=${py(p.y + se)} y2=${py(p.y - se)}></line>
              <line x1=${x - 4} x2=${x + 4} y1=${py(p.y + se)} y2=${py(p.y + se)}></line>
              <line x1=${x - 4} x2=${x + 4} y1=${py(p.y - se)} y2=${py(p.y - se)}></line>
            </g>`;
          })}
          ${points.map((p) => svg`<circle cx=${px(p.x)} cy=${py(p.y)} r="5" fill=${runColor(p.run.colorIndex)} data-run=${p.run.runId}><title>${p.run.label}: ${metric.format(p.run)}${stdErr(p.run) === undefined ? '' : ` ± ${formatNumber(stdErr(p.run)!, 2)}`}</title></circle>`)}
          ${points.map((p) => {
            const side = labelSide(p.x);
            return svg`<text class="point-label" data-run=${p.run.runId} x=${px(p.x) + (side === 'start' ? 9 : -9)} y=${py(p.y) + 4} text-anchor=${side}>${p.run.label}</text>`;
          })}
        </svg>
        ${withBars ? html`<figcaption class="hint">Bars: ± 1 standard error of ${metric.title}.</figcaption>` : nothing}
        </figure>`}
      </section>`;
  }
}

customElements.define('dl-compare-view', CompareView);
