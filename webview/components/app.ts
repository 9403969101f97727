// <dl-app>: the panel. Holds what the host sent (runs, loss points, notes) and the view
// (tab, selected runs, chart options), keeps the view in getState/setState and tells the
// host so that reopening the panel restores it. Each tab is its own component.
import { html, LitElement, nothing } from 'lit';
import {
  PANEL_TABS, type HostToPanelMessage, type NotesDocument, type NotesDraft, type PanelTab, type PanelTarget, type PanelViewState, type RunSummary,
  type GroupBy, type LossGroupView,
} from '../../src/shared/panelMessages';
import { isPanelViewState } from '../../src/shared/panelMessages';
import type { XAxis } from '../chartData';
import { loadViewState, onHostMessage, postToHost, saveViewState } from '../host';
import { LossStore } from '../lossStore';
import { onThemeChange } from '../theme';
import { LightElement } from './lightElement';
import './compareView';
import './lossView';
import './noiseView';
import './notesView';
import './samplesView';

const TAB_TITLES: Record<PanelTab, string> = { loss: 'Loss', noise: 'Noise steps', samples: 'Samples', compare: 'Compare', notes: 'Notes' };

export class DiffusionApp extends LightElement {
  static override properties = {
    target: { state: true },
    heading: { state: true },
    variedFields: { state: true },
    runs: { state: true },
    notes: { state: true },
    tab: { state: true },
    selected: { state: true },
    smoothing: { state: true },
    xAxis: { state: true },
    logY: { state: true },
    sampleEpoch: { state: true },
    noiseT: { state: true },
    groupBy: { state: true },
    lossGroups: { state: true },
    lossVersion: { state: true },
    notesDraft: { state: true },
    readError: { state: true },
  };

  declare target: PanelTarget | undefined;
  declare heading: string;
  declare variedFields: string[];
  declare runs: RunSummary[];
  declare notes: NotesDocument | null;
  declare tab: PanelTab;
  declare selected: string[];
  declare smoothing: number;
  declare xAxis: XAxis;
  declare logY: boolean;
  /** The Samples slider's epoch; undefined: the latest. */
  declare sampleEpoch: number | undefined;
  /** The Noise steps slider's t. */
  declare noiseT: number;
  /** The Compare tab's Group by; undefined: none. */
  declare groupBy: GroupBy | undefined;
  /** How the Loss tab draws groups. */
  declare lossGroups: LossGroupView;
  declare lossVersion: number;
  /** Typed notes not yet confirmed saved (kept with setState: hiding or reloading the panel keeps them). */
  declare notesDraft: NotesDraft | undefined;
  /** The host could not read the run directories: what it said, until a read succeeds. */
  declare readError: string | null;

  readonly store = new LossStore();
  /** The latest notes event from the host that the notes view has not handled yet. */
  notesEvent: HostToPanelMessage | undefined;

  constructor() {
    super();
    this.target = undefined;
    this.heading = '';
    this.variedFields = [];
    this.runs = [];
    this.notes = null;
    this.tab = 'loss';
    this.selected = [];
    this.smoothing = 0.6;
    this.xAxis = 'step';
    this.logY = false;
    this.sampleEpoch = undefined;
    this.noiseT = 0;
    this.groupBy = undefined;
    this.lossGroups = 'runs';
    this.lossVersion = 0;
    this.notesDraft = undefined;
    this.readError = null;
    const saved = loadViewState();
    if (isPanelViewState(saved)) {
      this.applyViewState(saved);
      this.notesDraft = saved.notesDraft;
    }
  }

  /** The page's own placeholder (panelHtml.ts: painted before this script ran) makes way for the rendering. */
  protected override createRenderRoot(): HTMLElement {
    this.replaceChildren();
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    onHostMessage((m) => this.receive(m));
    // Run colours depend on the theme (High Contrast Light has darker ones): every view draws its swatches again.
    onThemeChange(() => {
      for (const el of this.querySelectorAll('*')) if (el instanceof LitElement) el.requestUpdate();
    });
    postToHost({ type: 'ready' });
  }

  private applyViewState(s: PanelViewState): void {
    this.target = s.target;
    this.tab = s.tab;
    this.selected = s.selectedRuns;
    this.smoothing = s.smoothing;
    this.xAxis = s.xAxis;
    this.logY = s.logY;
    this.sampleEpoch = s.sampleEpoch;
    this.noiseT = s.noiseT ?? 0;
    this.groupBy = s.groupBy;
    this.lossGroups = s.lossGroups ?? 'runs';
  }

  private receive(m: HostToPanelMessage): void {
    switch (m.type) {
      case 'init': {
        performance.mark('diffusion:init'); // timings for bench/ and the UI tests (performance.getEntriesByType('mark'))
        const restored = isPanelViewState(loadViewState());
        this.target = m.target;
        this.heading = m.title;
        this.variedFields = m.variedFields;
        this.runs = sortRuns(m.runs);
        this.notes = m.notes;
        // This page's own state (hidden and shown again) wins over what the host kept.
        if (!restored && m.viewState) this.applyViewState(m.viewState);
        else if (!restored && m.lastSmoothing !== undefined) this.smoothing = m.lastSmoothing;
        const known = new Set(this.runs.map((r) => r.runId));
        this.selected = this.selected.filter((id) => known.has(id));
        if (this.selected.length === 0) this.selected = this.runs.map((r) => r.runId);
        if (m.tab) this.tab = m.tab;
        this.store.clear();
        if (this.notesDraft && (!m.notes || m.notes.text === this.notesDraft.text)) this.notesDraft = undefined;
        this.saveView();
        // Typing that was not saved when the page went away: the Notes tab restores it; elsewhere it is saved from here.
        if (this.notesDraft) postToHost({ type: 'notes-draft', draft: this.notesDraft });
        if (this.notesDraft && this.tab !== 'notes' && this.notesDraft.baseVersion === m.notes?.version) {
          postToHost({ type: 'save-notes', text: this.notesDraft.text, baseVersion: this.notesDraft.baseVersion });
        }
        return;
      }
      case 'runs': {
        const byId = new Map(this.runs.map((r) => [r.runId, r]));
        const added = m.runs.filter((r) => !byId.has(r.runId)).map((r) => r.runId);
        for (const r of m.runs) byId.set(r.runId, r);
        this.runs = sortRuns([...byId.values()]);
        if (m.variedFields) this.variedFields = m.variedFields;
        // New runs of a sweep join the charts as they appear.
        if (added.length > 0) {
          this.selected = [...this.selected, ...added];
          this.saveView();
        }
        return;
      }
      case 'points':
        this.store.append(m.series);
        this.lossVersion = this.store.version;
        return;
      case 'show-tab':
        this.setTab(m.tab);
        return;
      case 'read-error':
        this.readError = m.message;
        return;
      case 'notes':
      case 'notes-saved':
      case 'notes-conflict':
      case 'notes-error':
        this.notesEvent = m;
        if (this.querySelector('dl-notes-view')) {
          this.querySelector('dl-notes-view')!.dispatchEvent(new CustomEvent('host-notes', { detail: m }));
          return;
        }
        // No Notes tab on screen: the answer to a save it (or init) sent on leaving, or a change on disk.
        if (m.type === 'notes') this.notes = m.doc;
        else if (m.type === 'notes-saved' && this.notesDraft) {
          if (this.notes) this.notes = { ...this.notes, text: this.notesDraft.text, version: m.version };
          this.setNotesDraft(undefined);
        } else if (m.type === 'notes-conflict') this.notes = m.disk; // the draft stays: the Notes tab asks which text wins
        return;
    }
  }

  private setTab(tab: PanelTab): void {
    if (tab === this.tab) return;
    this.tab = tab;
    this.saveView();
  }

  private saveView(): void {
    const state = this.viewState();
    if (!state) return;
    saveViewState(this.notesDraft ? { ...state, notesDraft: this.notesDraft } : state);
    postToHost({ type: 'view-state', state });
  }

  /** The draft goes into this page's state at once (no message to the host: it changes with every key). */
  private setNotesDraft(draft: NotesDraft | undefined): void {
    this.notesDraft = draft;
    const state = this.viewState();
    if (state) saveViewState(draft ? { ...state, notesDraft: draft } : state);
    // The host too: closing the panel drops this page and its state at once, and the host then writes it.
    postToHost({ type: 'notes-draft', draft: draft ?? null });
  }

  private viewState(): PanelViewState | undefined {
    if (!this.target) return undefined;
    return {
      target: this.target, tab: this.tab, selectedRuns: this.selected, smoothing: this.smoothing, xAxis: this.xAxis, logY: this.logY,
      ...(this.sampleEpoch === undefined ? {} : { sampleEpoch: this.sampleEpoch }), noiseT: this.noiseT,
      ...(this.groupBy === undefined ? {} : { groupBy: this.groupBy }), ...(this.lossGroups === 'runs' ? {} : { lossGroups: this.lossGroups }),
    };
  }

  private get selectedRuns(): RunSummary[] {
    const chosen = new Set(this.selected);
    return this.runs.filter((r) => chosen.has(r.runId));
  }

  protected override render() {
    if (!this.target) return html`<div class="loading"><vscode-progress-ring></vscode-progress-ring> Reading the run directory…</div>`;
    const shown = this.selectedRuns;
    const running = this.runs.filter((r) => r.state === 'running').length;
    return html`
      <header class="app-header">
        <h1>${this.heading}</h1>
        <span class="summary">${this.target.kind === 'sweep' ? `${this.runs.length} runs` : 'single run'}${running ? html` · <span class="live">${running} training</span>` : nothing}${this.target.kind === 'sweep' && shown.length !== this.runs.length ? ` · ${shown.length} shown` : ''}</span>
      </header>
      ${this.readError ? html`<div class="banner read-error" role="alert"><span>${this.readError}</span></div>` : nothing}
      <vscode-panels activeid="tab-${this.tab}" aria-label="Results views" @change=${(e: Event) => {
        const id = (e.target as HTMLElement & { activeid?: string }).activeid ?? '';
        const tab = id.replace(/^tab-/, '') as PanelTab;
        if ((PANEL_TABS as readonly string[]).includes(tab)) this.setTab(tab);
      }}>
        ${PANEL_TABS.map((t) => html`<vscode-panel-tab id="tab-${t}">${TAB_TITLES[t]}</vscode-panel-tab>`)}
        ${PANEL_TABS.map((t) => html`<vscode-panel-view id="view-${t}">${t === this.tab ? this.renderTab(t, shown) : nothing}</vscode-panel-view>`)}
      </vscode-panels>`;
  }

  private renderTab(tab: PanelTab, shown: RunSummary[]) {
    switch (tab) {
      case 'loss':
        return html`<dl-loss-view .runs=${shown} .store=${this.store} .version=${this.lossVersion} .smoothing=${this.smoothing} .xAxis=${this.xAxis} .logY=${this.logY}
          .groupBy=${this.groupBy} .variedFields=${this.variedFields} .lossGroups=${this.lossGroups}
          @options=${(e: CustomEvent<{ smoothing?: number; xAxis?: XAxis; logY?: boolean; lossGroups?: LossGroupView }>) => {
            Object.assign(this, e.detail);
            this.saveView();
          }}></dl-loss-view>`;
      case 'noise':
        return html`<dl-noise-view .runs=${shown} .t=${this.noiseT} @t-change=${(e: CustomEvent<number>) => {
          this.noiseT = e.detail;
          this.saveView();
        }}></dl-noise-view>`;
      case 'samples':
        return html`<dl-samples-view .runs=${shown} .epoch=${this.sampleEpoch} @epoch-change=${(e: CustomEvent<{ epoch?: number }>) => {
          this.sampleEpoch = e.detail.epoch;
          this.saveView();
        }}></dl-samples-view>`;
      case 'compare':
        return html`<dl-compare-view .runs=${this.runs} .variedFields=${this.variedFields} .selected=${this.selected} .groupBy=${this.groupBy}
          @group-by=${(e: CustomEvent<GroupBy | undefined>) => {
            this.groupBy = e.detail;
            this.saveView();
          }}
          @select=${(e: CustomEvent<string[]>) => {
            this.selected = e.detail;
            this.saveView();
          }}></dl-compare-view>`;
      case 'notes':
        return html`<dl-notes-view .doc=${this.notes} .draft=${this.notesDraft} .runs=${shown} .allRuns=${this.runs} .variedFields=${this.variedFields} .target=${this.target}
          @notes-doc=${(e: CustomEvent<NotesDocument>) => {
            this.notes = e.detail;
          }}
          @notes-draft=${(e: CustomEvent<NotesDraft | null>) => this.setNotesDraft(e.detail ?? undefined)}></dl-notes-view>`;
    }
  }
}

function sortRuns(runs: RunSummary[]): RunSummary[] {
  return [...runs].sort((a, b) => a.colorIndex - b.colorIndex || a.runId.localeCompare(b.runId));
}

customElements.define('dl-app', DiffusionApp);
