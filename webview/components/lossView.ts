// The Loss tab: chart options (smoothing, x axis, log scale) over the loss chart.
import { html } from 'lit';
import type { RunSummary } from '../../src/shared/panelMessages';
import type { XAxis } from '../chartData';
import type { LossStore } from '../lossStore';
import { FINAL_LOSS, SMOOTHED_LOSS, STEP_LOSS } from '../../src/shared/lossNames';
import { LightElement } from './lightElement';
import './lossChart';

export class LossView extends LightElement {
  static override properties = {
    runs: { attribute: false }, store: { attribute: false }, version: { type: Number },
    smoothing: { type: Number }, xAxis: { type: String }, logY: { type: Boolean },
  };

  declare runs: RunSummary[];
  declare store: LossStore;
  declare version: number;
  declare smoothing: number;
  declare xAxis: XAxis;
  declare logY: boolean;

  private change(detail: { smoothing?: number; xAxis?: XAxis; logY?: boolean }): void {
    this.dispatchEvent(new CustomEvent('options', { detail }));
  }

  protected override render() {
    const noEpochs = this.xAxis === 'epoch' && this.runs.some((r) => !r.stepsPerEpoch);
    return html`
      <div class="toolbar" role="toolbar" aria-label="Chart options">
        <label class="slider-label">Smoothing
          <input type="range" class="smoothing" min="0" max="0.999" step="0.001" .value=${String(this.smoothing)}
            aria-valuetext=${this.smoothing.toFixed(3)}
            @input=${(e: Event) => this.change({ smoothing: Number((e.target as HTMLInputElement).value) })}>
          <output>${this.smoothing.toFixed(3)}</output>
        </label>
        <label class="field-label">x axis
          <vscode-dropdown class="x-axis" .value=${this.xAxis} @change=${(e: Event) => this.change({ xAxis: (e.target as HTMLSelectElement).value as XAxis })}>
            <vscode-option value="step" ?selected=${this.xAxis === 'step'}>step</vscode-option>
            <vscode-option value="epoch" ?selected=${this.xAxis === 'epoch'}>epoch</vscode-option>
            <vscode-option value="wall" ?selected=${this.xAxis === 'wall'}>wall time</vscode-option>
          </vscode-dropdown>
        </label>
        <vscode-checkbox class="log-y" ?checked=${this.logY} @change=${(e: Event) => this.change({ logY: (e.target as HTMLInputElement).checked })}>log scale</vscode-checkbox>
      </div>
      ${this.runs.length === 0 ? html`<p class="empty">No run selected: pick runs in the Compare tab.</p>` : html`
        <dl-loss-chart .runs=${this.runs} .store=${this.store} .version=${this.version} .smoothing=${this.smoothing} .xAxis=${this.xAxis} .logY=${this.logY}></dl-loss-chart>
        <p class="hint">Drag across the chart to zoom, double-click to zoom out. Faint: the ${STEP_LOSS.label} (each step's minibatch); solid: the ${SMOOTHED_LOSS.label} (TensorBoard's debiased moving average). The ${FINAL_LOSS.label} is the ${FINAL_LOSS.definition.replace(/ \(.*\)$/, '')}, as in the Compare tab.${noEpochs ? ' Runs that have not finished an epoch yet are not on the epoch axis.' : ''}</p>`}`;
  }
}

customElements.define('dl-loss-view', LossView);
