// The Loss tab: chart options (smoothing, x axis, log scale) over the loss chart.
import { html, nothing } from 'lit';
import { LOSS_GROUP_VIEWS, type GroupBy, type LossGroupView, type RunSummary } from '../../src/shared/panelMessages';
import { activeGroupFields, groupSummaries } from '../compareGroups';
import type { ChartGroup } from './lossChart';
import type { XAxis } from '../chartData';
import type { LossStore } from '../lossStore';
import { FINAL_LOSS, SMOOTHED_LOSS, STEP_LOSS } from '../../src/shared/lossNames';
import { LightElement } from './lightElement';
import './lossChart';

const LOSS_GROUP_TITLES: Record<LossGroupView, string> = { 'runs': 'each run', 'mean-std': 'mean ± std', 'mean-range': 'mean, min–max' };

export class LossView extends LightElement {
  static override properties = {
    runs: { attribute: false }, store: { attribute: false }, version: { type: Number },
    smoothing: { type: Number }, xAxis: { type: String }, logY: { type: Boolean },
    groupBy: { attribute: false }, variedFields: { attribute: false }, lossGroups: { type: String },
  };

  declare runs: RunSummary[];
  declare store: LossStore;
  declare version: number;
  declare smoothing: number;
  declare xAxis: XAxis;
  declare logY: boolean;
  /** The Compare tab's Group by: with it, groups can be drawn as their mean and a band. */
  declare groupBy: GroupBy | undefined;
  declare variedFields: string[];
  declare lossGroups: LossGroupView;

  constructor() {
    super();
    this.groupBy = undefined;
    this.variedFields = [];
    this.lossGroups = 'runs';
  }

  private change(detail: { smoothing?: number; xAxis?: XAxis; logY?: boolean; lossGroups?: LossGroupView }): void {
    this.dispatchEvent(new CustomEvent('options', { detail }));
  }

  protected override render() {
    const noEpochs = this.xAxis === 'epoch' && this.runs.some((r) => !r.stepsPerEpoch);
    const fields = activeGroupFields(this.groupBy, this.variedFields);
    const groups: ChartGroup[] | undefined = fields.length > 0 && this.lossGroups !== 'runs'
      ? groupSummaries(this.runs, fields).map((g) => ({ label: g.label, colorIndex: g.colorIndex, runIds: g.runs.map((r) => r.runId) }))
      : undefined;
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
        ${fields.length === 0 ? nothing : html`<label class="field-label" title="Groups of the Compare tab's Group by (${fields.join(', ')})">groups
          <vscode-dropdown class="loss-groups" .value=${this.lossGroups} @change=${(e: Event) => this.change({ lossGroups: (e.target as HTMLSelectElement).value as LossGroupView })}>
            ${LOSS_GROUP_VIEWS.map((v) => html`<vscode-option value=${v} ?selected=${this.lossGroups === v}>${LOSS_GROUP_TITLES[v]}</vscode-option>`)}
          </vscode-dropdown>
        </label>`}
      </div>
      ${this.runs.length === 0 ? html`<p class="empty">No run selected: pick runs in the Compare tab.</p>` : html`
        <dl-loss-chart .runs=${this.runs} .store=${this.store} .version=${this.version} .smoothing=${this.smoothing} .xAxis=${this.xAxis} .logY=${this.logY}
          .groups=${groups} .band=${this.lossGroups === 'mean-range' ? 'range' : 'std'}></dl-loss-chart>
        <p class="hint">Drag across the chart to zoom, double-click to zoom out. Faint: the ${STEP_LOSS.label} (each step's minibatch); solid: the ${SMOOTHED_LOSS.label} (TensorBoard's debiased moving average). The ${FINAL_LOSS.label} is the ${FINAL_LOSS.definition.replace(/ \(.*\)$/, '')}, as in the Compare tab.${noEpochs ? ' Runs that have not finished an epoch yet are not on the epoch axis.' : ''}${groups
          ? ` A group's line is the mean of its runs' smoothed loss at each step, up to the last step all of them have; the band is ${this.lossGroups === 'mean-std' ? '± one sample standard deviation' : 'from the lowest to the highest run'}.`
          : ''}</p>`}`;
  }
}

customElements.define('dl-loss-view', LossView);
