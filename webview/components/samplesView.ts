// The Samples tab: quality over training time. Per shown run one row: the preview grid of
// each sampling epoch captioned with its wall time and SWD, then the end's grid (with a
// weight average: its grid and the raw weights' side by side). Above, the SWD of every run
// against wall time; in each row, the reverse-process strip of the epoch the slider picks,
// with the t of each frame. Any image opens enlarged.
import { html, nothing } from 'lit';
import type { FinalSamples, RunSummary, SampleImages } from '../../src/shared/panelMessages';
import { formatDuration } from '../../src/shared/formatting';
import { fadedColor, runColor } from '../colors';
import { cssProperty } from '../cssProperty';
import { epochCaption, epochGrids, swdChart, swdText } from '../sampleTimeline';
import type { ImageDialog } from './imageDialog';
import { LightElement } from './lightElement';
import './curveChart';
import './imageDialog';

export class SamplesView extends LightElement {
  static override properties = { runs: { attribute: false }, epoch: { attribute: false } };

  declare runs: RunSummary[];
  /** The epoch the slider shows (the panel keeps it in its view state); undefined: the latest, as training goes on. */
  declare epoch: number | undefined;

  constructor() {
    super();
    this.runs = [];
    this.epoch = undefined;
  }

  /** The slider moved: the panel keeps the epoch (undefined at the right end, to follow new epochs). */
  private choose(epochs: number[], pos: number): void {
    const epoch = pos >= epochs.length - 1 ? undefined : epochs[pos];
    this.epoch = epoch;
    // In an object: a CustomEvent turns an undefined detail into null.
    this.dispatchEvent(new CustomEvent<{ epoch?: number }>('epoch-change', { detail: epoch === undefined ? {} : { epoch } }));
  }

  protected override render() {
    const runs = this.runs;
    if (!runs.some((r) => r.samples.length > 0 || r.final)) return html`<p class="empty">No samples yet: preview grids and reverse-process strips are saved every few epochs (sampleEvery), and a grid at the end of training.</p>`;
    const epochs = [...new Set(runs.flatMap((r) => r.samples.filter((s) => s.strip).map((s) => s.epoch)))].sort((a, b) => a - b);
    const chosen = this.epoch === undefined ? -1 : epochs.indexOf(this.epoch);
    const pos = chosen < 0 ? epochs.length - 1 : chosen;
    const epoch = epochs[pos];
    return html`
      ${epoch === undefined ? nothing : html`<div class="toolbar">
        <label class="slider-label grow">Reverse process after epoch
          <input type="range" class="epoch-slider" min="0" max=${epochs.length - 1} step="1" .value=${String(pos)} aria-valuetext="epoch ${epoch}"
            @input=${(e: Event) => this.choose(epochs, Number((e.target as HTMLInputElement).value))}>
          <output>${epoch}</output>
        </label>
      </div>`}
      ${this.renderSwdChart(runs)}
      <div class="sample-runs">
        ${runs.map((r) => html`<section class="sample-card" aria-label="Samples of ${r.label}">
          <h3><span class="swatch" ${cssProperty('--swatch', runColor(r.colorIndex))}></span>${r.label}</h3>
          ${r.samples.length === 0 && !r.final ? html`<p class="muted">no samples yet</p>` : html`
            ${this.renderTimeline(r)}
            ${epoch === undefined ? nothing : this.renderStrip(r, epoch)}`}
        </section>`)}
      </div>
      <dl-image-dialog></dl-image-dialog>`;
  }

  private renderSwdChart(runs: RunSummary[]) {
    const chart = swdChart(runs, (r) => runColor(r.colorIndex), (r) => fadedColor(runColor(r.colorIndex), 0.7));
    if (!chart) return nothing;
    const n = chart.images === undefined ? 'the' : `the ${chart.images}`;
    return html`<figure class="swd-chart">
      <figcaption class="chart-title">SWD against wall time</figcaption>
      <dl-curve-chart .curves=${chart.curves} xLabel=${chart.xLabel} yLabel=${chart.yLabel}></dl-curve-chart>
      <p class="hint">Each dot: sliced Wasserstein distance of ${n} preview images sampled after an epoch against held-out images (lower is better). Dashed: the floor, two sets of real images of the same size: what “as good as real” scores.</p>
    </figure>`;
  }

  /** The epoch grids in the order they were sampled, then the end's. */
  private renderTimeline(r: RunSummary) {
    const grids = epochGrids(r);
    if (grids.length === 0 && !r.final?.grid && !r.final?.rawGrid) return nothing;
    return html`<ol class="preview-row" aria-label="Samples of ${r.label} over training time">
      ${grids.map((s) => html`<li class="preview">${this.figure(r, s.grid, epochCaption(s))}</li>`)}
      ${r.final ? html`<li class="preview final">${this.renderFinal(r, r.final)}</li>` : nothing}
    </ol>`;
  }

  private renderFinal(r: RunSummary, f: FinalSamples) {
    const when = [`end of training · epoch ${f.epoch}`, f.atMs === undefined ? undefined : formatDuration(f.atMs)].filter(Boolean).join(' · ');
    const swd = (label: string | undefined, score: FinalSamples['swd']) => [label, swdText(score)].filter(Boolean).join(' · ');
    return html`<p class="final-title">${f.later ? 'sampled later from the checkpoint' : when}</p>
      <div class="final-grids">
        ${f.grid ? this.figure(r, f.grid, swd(f.ema ? 'EMA weights' : undefined, f.swd) || 'final samples') : nothing}
        ${f.rawGrid ? this.figure(r, f.rawGrid, swd('raw weights', f.swdRaw)) : nothing}
      </div>`;
  }

  private renderStrip(r: RunSummary, epoch: number) {
    const s: SampleImages | undefined = r.samples.find((x) => x.epoch === epoch);
    if (!s?.strip) return html`<p class="muted">no reverse-process strip at epoch ${epoch}</p>`;
    const caption = `reverse process after epoch ${epoch}: noise → image`;
    return html`<figure class="reverse-strip">
      <div class="strip-frames" ${cssProperty('--frames', String(s.stripT?.length ?? 1))}>
        ${this.enlargeButton(s.strip, `${r.label}: ${caption}`, 'strip')}
        ${s.stripT ? html`<ol class="strip-t" aria-label="t of each frame">${s.stripT.map((t) => html`<li>t=${t}</li>`)}</ol>` : nothing}
      </div>
      <figcaption>${caption}${s.stripT ? ', each frame after the denoising step at its t' : ''}</figcaption>
    </figure>`;
  }

  private figure(r: RunSummary, src: string, caption: string) {
    return html`<figure>${this.enlargeButton(src, `${r.label}: ${caption}`, 'grid')}<figcaption>${caption}</figcaption></figure>`;
  }

  private enlargeButton(src: string, alt: string, kind: 'grid' | 'strip') {
    return html`<button class="enlarge" title="Enlarge" @click=${(e: Event) => {
      void this.querySelector<ImageDialog>('dl-image-dialog')?.show({ src, alt, caption: alt }, e.currentTarget as HTMLElement);
    }}><img class="pixelated ${kind}" src=${src} alt=${alt}></button>`;
  }
}

customElements.define('dl-samples-view', SamplesView);
