// The Samples tab: for the chosen epoch (a slider over the epochs that have samples), each
// shown run's reverse-process strip (noise to image) and, at the end of training, its grid.
import { html, nothing } from 'lit';
import type { RunSummary } from '../../src/shared/panelMessages';
import { runColor } from '../colors';
import { cssProperty } from '../cssProperty';
import { LightElement } from './lightElement';

export class SamplesView extends LightElement {
  static override properties = { runs: { attribute: false }, position: { state: true } };

  declare runs: RunSummary[];
  /** Index into the epochs list; -1: the latest. */
  declare position: number;

  constructor() {
    super();
    this.runs = [];
    this.position = -1;
  }

  protected override render() {
    const epochs = [...new Set(this.runs.flatMap((r) => r.samples.map((s) => s.epoch)))].sort((a, b) => a - b);
    if (epochs.length === 0) return html`<p class="empty">No samples yet: reverse-process strips are saved every few epochs (sampleEvery) and a grid at the end of training.</p>`;
    const pos = this.position < 0 || this.position >= epochs.length ? epochs.length - 1 : this.position;
    const epoch = epochs[pos]!;
    return html`
      <div class="toolbar">
        <label class="slider-label grow">Epoch
          <input type="range" class="epoch-slider" min="0" max=${epochs.length - 1} step="1" .value=${String(pos)} aria-valuetext="epoch ${epoch}"
            @input=${(e: Event) => (this.position = Number((e.target as HTMLInputElement).value))}>
          <output>${epoch}</output>
        </label>
      </div>
      <div class="sample-cards">
        ${this.runs.map((r) => {
          const s = r.samples.find((x) => x.epoch === epoch);
          return html`<section class="sample-card" aria-label="Samples of ${r.label}">
            <h3><span class="swatch" ${cssProperty('--swatch', runColor(r.colorIndex))}></span>${r.label}</h3>
            ${s?.strip ? html`<figure><img class="pixelated" src=${s.strip} alt="Reverse process of ${r.label} after epoch ${epoch}"><figcaption>reverse process, noise → image</figcaption></figure>` : html`<p class="muted">no strip at epoch ${epoch}</p>`}
            ${s?.grid ? html`<figure><img class="pixelated grid" src=${s.grid} alt="Generated images of ${r.label}"><figcaption>generated samples</figcaption></figure>` : nothing}
          </section>`;
        })}
      </div>`;
  }
}

customElements.define('dl-samples-view', SamplesView);
