// The Noise steps tab: x_t of one image at any t (a slider over the run's T), the forward
// strip, and the schedules of the runs shown: how much of x_0 is left (sqrt(alphaBar_t))
// and the signal-to-noise ratio, so the effect of T on the rate of diffusion is visible.
import { html, nothing } from 'lit';
import type { RunSummary } from '../../src/shared/panelMessages';
import { runColor } from '../colors';
import { cssProperty } from '../cssProperty';
import { formatNumber } from '../../src/shared/formatting';
import type { Curve } from '../chartData';
import { LightElement } from './lightElement';
import type { TileGeometry } from './tileView';
import './curveChart';
import './tileView';

export class NoiseView extends LightElement {
  static override properties = { runs: { attribute: false }, runId: { state: true }, t: { type: Number }, normalised: { state: true } };

  declare runs: RunSummary[];
  declare runId: string | undefined;
  declare t: number;
  declare normalised: boolean;

  constructor() {
    super();
    this.runs = [];
    this.runId = undefined;
    this.t = 0;
    this.normalised = false;
  }

  private get run(): RunSummary | undefined {
    return this.runs.find((r) => r.runId === this.runId) ?? this.runs.find((r) => r.forwardSteps || r.forwardStrip) ?? this.runs[0];
  }

  protected override render() {
    const run = this.run;
    if (!run) return html`<p class="empty">No run selected: pick runs in the Compare tab.</p>`;
    const T = run.schedule?.T ?? Number(run.config.timesteps ?? 0);
    const t = Math.min(this.t, Math.max(0, T - 1));
    const frames = run.forwardSteps ? { ...run.forwardSteps } : run.forwardStrip ? { ...run.forwardStrip, columns: run.forwardStrip.t.length } : undefined;
    const index = frames ? nearestIndex(frames.t, t) : -1;
    const shownT = frames ? frames.t[index]! : undefined;
    const at = run.schedule ? nearestIndex(run.schedule.t, t) : -1;
    const sqrtAb = at >= 0 ? run.schedule!.sqrtAlphaBar[at] : undefined;
    const snr = at >= 0 ? run.schedule!.snr[at] : undefined;
    const schedules = this.runs.filter((r) => r.schedule);
    const x = (r: RunSummary) => (this.normalised ? r.schedule!.t.map((v) => v / r.schedule!.T) : r.schedule!.t);
    const curves = (pick: (r: RunSummary) => number[]): Curve[] =>
      schedules.map((r) => ({ label: `${r.label} (T=${r.schedule!.T}, ${r.schedule!.name})`, color: runColor(r.colorIndex), x: x(r), y: pick(r) }));
    const marker = this.normalised ? t / Math.max(1, T) : t;
    return html`
      <div class="toolbar">
        ${this.runs.length > 1 ? html`<label class="field-label">Image of
          <vscode-dropdown .value=${run.runId} @change=${(e: Event) => (this.runId = (e.target as HTMLSelectElement).value)}>
            ${this.runs.map((r) => html`<vscode-option value=${r.runId} ?selected=${r.runId === run.runId}>${r.label}</vscode-option>`)}
          </vscode-dropdown></label>` : nothing}
        <label class="slider-label grow">t
          <input type="range" class="t-slider" min="0" max=${Math.max(0, T - 1)} step="1" .value=${String(t)} aria-valuetext="t = ${t}"
            @input=${(e: Event) => {
              this.t = Number((e.target as HTMLInputElement).value);
              this.dispatchEvent(new CustomEvent<number>('t-change', { detail: this.t })); // the panel keeps it in its view state
            }}>
          <output>${t}</output>
        </label>
      </div>
      <div class="noise-row">
        <figure class="xt">
          ${frames ? html`<dl-tile-view .image=${frames as TileGeometry} .index=${index} label="x_t at t = ${shownT}"></dl-tile-view>` : html`<div class="placeholder">No forward-diffusion image yet</div>`}
          <figcaption>
            <strong>x<sub>t</sub></strong> at t = ${shownT ?? t}${shownT !== undefined && shownT !== t ? html` <span class="muted">(nearest stored frame to ${t})</span>` : nothing} of T = ${T}<br>
            √ᾱ<sub>t</sub> = ${formatNumber(sqrtAb, 3)} of x<sub>0</sub> left · SNR = ${formatNumber(snr, 3)}
            ${!run.forwardSteps && run.forwardStrip ? html`<br><span class="muted">This run has only forward.png's ${run.forwardStrip.t.length} frames; runs trained now also store x_t at every t.</span>` : nothing}
          </figcaption>
        </figure>
        <div class="schedule-charts">
          <figure class="schedule">
            <figcaption class="chart-title">Signal left, √ᾱ<sub>t</sub></figcaption>
            <dl-curve-chart .curves=${curves((r) => r.schedule!.sqrtAlphaBar)} xLabel=${this.normalised ? 't / T' : 't'} yLabel="√ᾱₜ" fileName="sqrt-alpha-bar-by-${this.normalised ? 't-over-T' : 't'}" .marker=${marker} .legend=${false}></dl-curve-chart>
          </figure>
          <figure class="schedule">
            <figcaption class="chart-title" title="SNR = ᾱ_t / (1 − ᾱ_t)">Signal-to-noise ratio (log)</figcaption>
            <dl-curve-chart .curves=${curves((r) => r.schedule!.snr)} xLabel=${this.normalised ? 't / T' : 't'} yLabel="SNR" fileName="SNR-by-${this.normalised ? 't-over-T' : 't'}" logY .marker=${marker} .legend=${false}></dl-curve-chart>
          </figure>
          <ul class="legend compact" aria-label="Schedules">${curves((r) => r.schedule!.snr).map((c) => html`<li><span class="swatch" ${cssProperty('--swatch', c.color)}></span><span class="legend-label">${c.label}</span></li>`)}</ul>
          <vscode-checkbox ?checked=${this.normalised} @change=${(e: Event) => (this.normalised = (e.target as HTMLInputElement).checked)}>x axis as t / T (compare schedules of different T)</vscode-checkbox>
        </div>
      </div>
      ${run.forwardStrip ? html`<figure class="strip">
        <img src=${run.forwardStrip.uri} alt="Forward diffusion of one training image at t = ${run.forwardStrip.t.join(', ')}">
        <figcaption>forward.png: the same image at t = ${run.forwardStrip.t.join(', ')} (fresh noise in each frame, as in the notebook).</figcaption>
      </figure>` : nothing}`;
  }
}

function nearestIndex(values: readonly number[], v: number): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i]! - v) < Math.abs(values[best]! - v)) best = i;
  return best;
}

customElements.define('dl-noise-view', NoiseView);
