// The Compare tab: the runs in a table (sortable, filterable); ticking rows chooses the runs
// the other tabs show. Below, one measure plotted against one parameter.
import { html, nothing, svg } from 'lit';
import type { RunSummary } from '../../src/shared/panelMessages';
import { runColor } from '../colors';
import { compareColumns, MEASURE_COLUMNS, parameterColumns, type Column } from '../compareColumns';
import { formatNumber, formatValue, shortFieldName } from '../../src/shared/formatting';
import { tickDomain } from '../axisTicks';
import { cssProperty } from '../cssProperty';
import { LightElement } from './lightElement';
import { postToHost } from '../host';
import { runMatchesFilter } from '../runFilter';
import { imageStyle, rasterizeSvg, svgElementText } from '../chartExport';
import { chartSaveButtons } from '../chartSaveButtons';
import type { ChartImageFormat, GroupBy } from '../../src/shared/panelMessages';
import { COMPARE_MEASURES } from '../../src/shared/compareMeasures';
import { meanStdText } from '../../src/shared/runGroups';
import { activeGroupFields, groupByChoices, groupByOfValue, groupByValue, groupSummaries, type SummaryGroup } from '../compareGroups';

export class CompareView extends LightElement {
  static override properties = {
    runs: { attribute: false }, variedFields: { attribute: false }, selected: { attribute: false },
    groupBy: { attribute: false },
    sortBy: { state: true }, descending: { state: true }, filter: { state: true }, metric: { state: true }, parameter: { state: true },
  };

  declare runs: RunSummary[];
  declare variedFields: string[];
  declare selected: string[];
  /** Group by (the view state's); undefined: each run its own row. */
  declare groupBy: GroupBy | undefined;
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
    this.groupBy = undefined;
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
    const rows = this.runs.filter((r) => runMatchesFilter(r, this.filter, columns.map((c) => c.format(r))));
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
    const fields = activeGroupFields(this.groupBy, this.variedFields);
    const choices = groupByChoices(this.variedFields);
    const grouped = fields.length > 0 ? groupSummaries(rows, fields) : undefined;
    return html`
      <div class="toolbar">
        <vscode-text-field class="filter" placeholder="Filter runs (e.g. silu 32, a label, is:starred)" aria-label="Filter runs" .value=${this.filter} @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}></vscode-text-field>
        <vscode-button appearance="secondary" @click=${() => this.select(this.runs.map((r) => r.runId))}>Show all</vscode-button>
        <vscode-button appearance="secondary" @click=${() => this.select(rows.map((r) => r.runId))} ?disabled=${rows.length === this.runs.length}>Show filtered</vscode-button>
        ${this.variedFields.length === 0 ? nothing : html`<label class="field-label">Group by
          <vscode-dropdown class="group-by" @change=${(e: Event) => this.dispatchEvent(new CustomEvent('group-by', { detail: groupByOfValue((e.target as HTMLSelectElement).value) }))}>
            ${choices.map((c) => html`<vscode-option value=${c.value} ?selected=${c.value === groupByValue(fields.length > 0 ? this.groupBy : undefined)}>${c.title}</vscode-option>`)}
          </vscode-dropdown></label>`}
        <vscode-button appearance="secondary" class="export-csv" title="Save the listed runs (or groups) as CSV: every varied field and measure, unrounded"
          @click=${() => postToHost({ type: 'export-csv', runIds: rows.map((r) => r.runId), ...(fields.length > 0 ? { groupBy: this.groupBy! } : {}) })}>Export CSV</vscode-button>
      </div>
      <div class="table-scroll">
        ${grouped ? this.renderGroups(grouped, fields) : html`<table class="compare">
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
              <th scope="row" title=${r.runId}>${this.renderRunName(r)}${r.error ? html` <span class="error" title=${r.error}>⚠</span>` : nothing}</th>
              ${columns.map((c) => html`<td class=${c.numeric ? 'num' : ''}>${c.format(r)}</td>`)}
            </tr>`)}
          </tbody>
        </table>`}
        ${rows.length === 0 ? html`<p class="empty">No run matches “${this.filter}”.</p>` : nothing}
      </div>
      ${this.renderPlot()}`;
  }

  /** One row per group: its values, n (finished of all) and mean ± std of each measure; its checkbox shows or hides all its runs. */
  private renderGroups(groups: SummaryGroup[], fields: string[]) {
    const measures = COMPARE_MEASURES.filter((m) => groups.some((g) => g.stats[m.id].n > 0));
    const chosen = new Set(this.selected);
    return html`<table class="compare grouped">
      <thead><tr>
        <th scope="col"></th>
        ${fields.map((f) => html`<th scope="col" title=${f}>${shortFieldName(f)}</th>`)}
        <th scope="col" class="num" title="finished runs of the group (its statistics are theirs), of all its runs">n</th>
        ${measures.map((m) => html`<th scope="col" class="num" title="${m.help}: mean ± sample standard deviation over the group's finished runs">${m.title}</th>`)}
      </tr></thead>
      <tbody>
        ${groups.map((g) => {
          const ids = g.runs.map((r) => r.runId);
          return html`<tr data-group=${g.key} class=${ids.every((id) => chosen.has(id)) ? 'chosen' : ''}>
            <td><input type="checkbox" aria-label="Show the runs of ${g.label}" .checked=${ids.every((id) => chosen.has(id))} @change=${(e: Event) => {
              const on = (e.target as HTMLInputElement).checked;
              this.select(on ? [...new Set([...this.selected, ...ids])] : this.selected.filter((id) => !ids.includes(id)));
            }}></td>
            ${fields.map((f) => html`<th scope="row"><span class="swatch" ${cssProperty('--swatch', runColor(g.colorIndex))}></span>${formatValue(g.values[f])}</th>`)}
            <td class="num n">${g.finished.length === g.runs.length ? g.runs.length : `${g.finished.length} of ${g.runs.length}`}</td>
            ${measures.map((m) => {
              const st = g.stats[m.id];
              return html`<td class="num" data-measure=${m.id} title=${st.n > 0 ? `n ${st.n}, min ${formatNumber(st.min)}, max ${formatNumber(st.max)}` : 'no finished run has it'}>${meanStdText(st, m.kind)}${st.n > 0 && st.n !== g.finished.length ? html` <span class="hint">(n ${st.n})</span>` : nothing}</td>`;
            })}
          </tr>`;
        })}
      </tbody>
    </table>`;
  }

  /** The metric plot as on screen (its SVG, styles inline), or rasterised at twice its size. */
  plotImage(format: ChartImageFormat): string | Promise<string> {
    const plot = this.querySelector<SVGSVGElement>('svg.scatter');
    if (!plot) throw new Error('the metric plot is not drawn');
    const svgText = svgElementText(plot, imageStyle());
    return format === 'svg' ? svgText : rasterizeSvg(svgText, 2);
  }

  /** The star (a toggle), the name, the labels as tags, and buttons that ask VS Code for a new name or labels. */
  private renderRunName(r: RunSummary) {
    const annotate = (action: 'star' | 'unstar' | 'rename' | 'edit-labels') => postToHost({ type: 'annotate-run', runId: r.runId, action });
    return html`<span class="run-name">
      <button class="star icon-button${r.starred ? ' on' : ''}" aria-pressed=${r.starred ? 'true' : 'false'} title=${r.starred ? 'Unstar' : 'Star'}
        aria-label="${r.starred ? 'Unstar' : 'Star'} ${r.label}" @click=${() => annotate(r.starred ? 'unstar' : 'star')}>${r.starred ? '★' : '☆'}</button>
      <span class="swatch" ${cssProperty('--swatch', runColor(r.colorIndex))}></span><span class="run-label">${r.label}</span>
      ${(r.labels ?? []).map((l) => html` <span class="tag" title="label">${l}</span>`)}
      <button class="icon-button edit" title="Rename…" aria-label="Rename ${r.label}" @click=${() => annotate('rename')}>✎</button>
      <button class="icon-button edit" title="Edit labels…" aria-label="Edit labels of ${r.label}" @click=${() => annotate('edit-labels')}>#</button>
    </span>`;
  }

  private renderPlot() {
    const params = parameterColumns(this.variedFields);
    const measures = MEASURE_COLUMNS.filter((c) => this.runs.some((r) => c.value(r) !== undefined));
    if (measures.length === 0 || params.length === 0) return nothing;
    const metric = measures.find((c) => c.id === this.metric) ?? measures[0]!;
    const param = params.find((c) => c.id === this.parameter) ?? params[0]!;
    const fields = activeGroupFields(this.groupBy, this.variedFields);
    const points = fields.length > 0 ? groupPoints(this.runs, [...new Set([param.id.slice('param:'.length), ...fields])], param, metric) : this.runs.filter((r) => typeof metric.value(r) === 'number' && param.value(r) !== undefined)
      .map((r): PlotPoint => {
        const se = metric.stdErr?.(r);
        return { id: r.runId, label: r.label, colorIndex: r.colorIndex, x: param.value(r)!, y: metric.value(r) as number, text: metric.format(r), ...(se !== undefined && Number.isFinite(se) && se > 0 ? { bar: se } : {}) };
      });
    const categories = [...new Set(points.map((p) => p.x))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true })));
    const W = 480;
    const H = 260;
    const pad = { l: 72, r: 16, t: 12, b: 40 };
    // The domain holds the error bars too, widened by a margin, then to whole tick steps.
    const lows = points.map((p) => p.y - (p.bar ?? 0));
    const highs = points.map((p) => p.y + (p.bar ?? 0));
    let lo = Math.min(...lows);
    let hi = Math.max(...highs);
    const margin = hi > lo ? (hi - lo) * 0.08 : 0;
    const axis = tickDomain(lo - margin, hi + margin, 5);
    [lo, hi] = [axis.lo, axis.hi];
    const px = (x: string | number) => pad.l + ((categories.indexOf(x) + 0.5) / Math.max(1, categories.length)) * (W - pad.l - pad.r);
    const py = (y: number) => pad.t + (1 - (y - lo) / (hi - lo)) * (H - pad.t - pad.b);
    const tickText = (v: number) => (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? formatNumber(v, 3) : v.toFixed(axis.decimals));
    const withBars = points.some((p) => p.bar !== undefined);
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
          ${points.length === 0 ? nothing : chartSaveButtons(`${metric.id} by ${param.title}`, (format) => this.plotImage(format))}
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
            const se = p.bar;
            if (se === undefined) return nothing;
            const x = px(p.x);
            return svg`<g class=${fields.length > 0 ? 'error-bar group-bar' : 'error-bar'} data-run=${p.id} stroke=${runColor(p.colorIndex)}>
              <line x1=${x} x2=${x} y1=${py(p.y + se)} y2=${py(p.y - se)}></line>
              <line x1=${x - 4} x2=${x + 4} y1=${py(p.y + se)} y2=${py(p.y + se)}></line>
              <line x1=${x - 4} x2=${x + 4} y1=${py(p.y - se)} y2=${py(p.y - se)}></line>
            </g>`;
          })}
          ${points.map((p) => svg`<circle cx=${px(p.x)} cy=${py(p.y)} r="5" fill=${runColor(p.colorIndex)} data-run=${p.id}><title>${p.label}: ${p.text}${p.bar === undefined || fields.length > 0 ? '' : ` ± ${formatNumber(p.bar, 2)}`}</title></circle>`)}
          ${points.map((p) => {
            const side = labelSide(p.x);
            return svg`<text class="point-label" data-run=${p.id} x=${px(p.x) + (side === 'start' ? 9 : -9)} y=${py(p.y) + 4} text-anchor=${side}>${p.label}</text>`;
          })}
        </svg>
        ${fields.length > 0
          ? html`<figcaption class="hint">A point per group: the mean of ${metric.title} over its finished runs; bars: ± 1 sample standard deviation (groups of one run have none).</figcaption>`
          : withBars ? html`<figcaption class="hint">Bars: ± 1 standard error of ${metric.title}.</figcaption>` : nothing}
        </figure>`}
      </section>`;
  }
}

/** A point of the metric plot: a run, or a group (its mean, with ±std as its bar). */
interface PlotPoint {
  /** Run id, or the group's key. */
  id: string;
  label: string;
  colorIndex: number;
  x: string | number;
  y: number;
  /** The value as the tooltip says it. */
  text: string;
  /** Half the error bar. */
  bar?: number;
}

/** The runs grouped by the plotted field and the Group by fields: a point per group with finished runs that have the measure. */
function groupPoints(runs: readonly RunSummary[], fields: string[], param: Column, metric: Column): PlotPoint[] {
  const measure = COMPARE_MEASURES.find((m) => m.id === metric.id);
  if (!measure) return [];
  return groupSummaries(runs, fields).flatMap((g): PlotPoint[] => {
    const st = g.stats[measure.id];
    const x = param.value(g.runs[0]!.summary);
    if (st.mean === undefined || x === undefined) return [];
    return [{ id: g.key, label: g.label, colorIndex: g.colorIndex, x, y: st.mean, text: `${meanStdText(st, measure.kind)} (n ${st.n})`, ...(st.std !== undefined && st.std > 0 ? { bar: st.std } : {}) }];
  });
}

customElements.define('dl-compare-view', CompareView);
