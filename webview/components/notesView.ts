// The Notes tab: notes.md in a plain editor beside its sanitised preview. Saves half a
// second after typing stops (the host writes atomically), at once when the page is hidden
// or goes away, and keeps the typing in the webview's state meanwhile (the draft), so a
// panel hidden or reloaded before the save restores and saves it. If the file changes on
// disk meanwhile, the person's typing is kept and they choose which text wins.
import { html, nothing, type PropertyValues } from 'lit';
import type { HostToPanelMessage, NotesDocument, NotesDraft, PanelTarget, RunSummary } from '../../src/shared/panelMessages';
import { comparisonMarkdown } from '../compareColumns';
import { postToHost } from '../host';
import { renderMarkdown } from '../markdown';
import { LightElement } from './lightElement';

const SAVE_DELAY_MS = 500;

interface Figure {
  label: string;
  markdown: string;
}

export class NotesView extends LightElement {
  static override properties = {
    doc: { attribute: false }, draft: { attribute: false }, runs: { attribute: false }, allRuns: { attribute: false }, variedFields: { attribute: false }, target: { attribute: false },
    text: { state: true }, status: { state: true }, conflict: { state: true }, figure: { state: true },
  };

  declare doc: NotesDocument | null;
  /** Unsaved typing of an earlier page (its state), restored over `doc` when first shown. */
  declare draft: NotesDraft | undefined;
  declare runs: RunSummary[];
  declare allRuns: RunSummary[];
  declare variedFields: string[];
  declare target: PanelTarget;
  declare text: string;
  declare status: string;
  declare conflict: NotesDocument | undefined;
  declare figure: number;

  private baseVersion = '';
  private dirty = false;
  /** The text of the save in flight: typing after it keeps the notes dirty. */
  private savingText: string | undefined;
  private saveTimer = 0;
  private loadedFrom: NotesDocument | null = null;
  /** The last preview, kept while the text is unchanged: a new one on every render would reload its images. */
  private preview: { text: string; baseUri: string | undefined; nodes: HTMLDivElement } | undefined;

  constructor() {
    super();
    this.doc = null;
    this.runs = [];
    this.allRuns = [];
    this.variedFields = [];
    this.text = '';
    this.status = '';
    this.conflict = undefined;
    this.figure = 0;
    this.addEventListener('host-notes', (e) => this.onHost((e as CustomEvent<HostToPanelMessage>).detail));
  }

  /** Hidden (another editor tab, a minimised window) or unloading: save now, do not wait for the delay. */
  private readonly flushOnHide = (e: Event) => {
    if (this.saveTimer && (e.type === 'pagehide' || document.visibilityState === 'hidden')) this.saveNow();
  };

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.flushOnHide);
    window.addEventListener('pagehide', this.flushOnHide);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.flushOnHide);
    window.removeEventListener('pagehide', this.flushOnHide);
    if (this.saveTimer) this.saveNow(); // leaving the tab: do not hold typing back
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('doc') && this.doc && this.doc !== this.loadedFrom && !this.dirty) {
      const first = this.loadedFrom === null;
      this.loadedFrom = this.doc;
      this.text = this.doc.text;
      this.baseVersion = this.doc.version;
      if (first && this.draft && this.draft.text !== this.doc.text) this.restoreDraft(this.draft, this.doc);
    }
  }

  /** Typing an earlier page did not get saved: shown again, and saved unless notes.md changed on disk since. */
  private restoreDraft(draft: NotesDraft, disk: NotesDocument): void {
    this.text = draft.text;
    this.dirty = true;
    if (draft.baseVersion === disk.version) {
      this.status = 'Unsaved changes';
      this.saveTimer = window.setTimeout(() => this.saveNow(), 0);
    } else {
      this.baseVersion = draft.baseVersion;
      this.conflict = disk;
      this.status = 'Not saved: notes.md changed on disk';
    }
  }

  private onHost(m: HostToPanelMessage): void {
    switch (m.type) {
      case 'notes':
        if (m.doc.text === this.text) {
          this.baseVersion = m.doc.version;
          this.dirty = false;
          this.publishDraft(null);
        } else if (!this.dirty) {
          this.replaceText(m.doc.text);
          this.baseVersion = m.doc.version;
          this.status = 'Reloaded: notes.md changed on disk';
        } else {
          this.conflict = m.doc;
        }
        this.publish(m.doc);
        return;
      case 'notes-saved':
        this.baseVersion = m.version;
        if (this.savingText === this.text) {
          this.dirty = false;
          this.status = `Saved ${new Date().toLocaleTimeString()}`;
          this.publishDraft(null);
        } else if (this.dirty) {
          this.publishDraft({ text: this.text, baseVersion: m.version }); // typed on top of what was just saved
        }
        if (this.savingText !== undefined) this.publish({ ...(this.doc ?? { file: '' }), text: this.savingText, version: m.version });
        this.savingText = undefined;
        return;
      case 'notes-conflict':
        this.savingText = undefined;
        this.conflict = m.disk;
        this.status = 'Not saved: notes.md changed on disk';
        return;
      case 'notes-error':
        this.savingText = undefined;
        this.status = m.message;
        return;
      default:
        return;
    }
  }

  /** Keeps <dl-app>'s copy current, so switching tabs and back shows the latest text. */
  private publish(doc: NotesDocument): void {
    this.loadedFrom = doc;
    this.dispatchEvent(new CustomEvent('notes-doc', { detail: doc }));
  }

  /** Tells <dl-app> what is typed but not saved yet (null: nothing), which keeps it in the page's state. */
  private publishDraft(draft: NotesDraft | null): void {
    this.dispatchEvent(new CustomEvent('notes-draft', { detail: draft }));
  }

  private edited(text: string): void {
    this.text = text;
    this.dirty = true;
    this.publishDraft({ text, baseVersion: this.baseVersion });
    this.status = 'Unsaved changes';
    clearTimeout(this.saveTimer);
    this.saveTimer = window.setTimeout(() => this.saveNow(), SAVE_DELAY_MS);
  }

  private saveNow(force = false): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = 0;
    if (this.conflict && !force) return; // the person decides first
    this.savingText = this.text;
    this.status = 'Saving…';
    postToHost({ type: 'save-notes', text: this.text, baseVersion: this.baseVersion, ...(force ? { force } : {}) });
  }

  private keepMine(): void {
    const disk = this.conflict!;
    this.conflict = undefined;
    this.baseVersion = disk.version;
    this.publishDraft({ text: this.text, baseVersion: disk.version });
    this.saveNow(true);
  }

  private takeDisk(): void {
    const disk = this.conflict!;
    this.conflict = undefined;
    this.dirty = false;
    this.publishDraft(null);
    this.replaceText(disk.text);
    this.baseVersion = disk.version;
    this.status = 'Showing the version on disk';
    this.publish(disk);
  }

  /** Replaces the editor's text keeping the caret where it was (as far as the text allows). */
  private replaceText(text: string): void {
    const area = this.querySelector('textarea');
    const caret = area ? [area.selectionStart, area.selectionEnd] : undefined;
    this.text = text;
    if (area && caret) {
      void this.updateComplete.then(() => area.setSelectionRange(Math.min(caret[0]!, text.length), Math.min(caret[1]!, text.length)));
    }
  }

  private insert(snippet: string): void {
    const area = this.querySelector('textarea');
    const at = area ? area.selectionStart : this.text.length;
    const end = area ? area.selectionEnd : at;
    const before = this.text.slice(0, at);
    const block = `${before && !before.endsWith('\n\n') ? (before.endsWith('\n') ? '\n' : '\n\n') : ''}${snippet}\n\n`;
    this.edited(before + block + this.text.slice(end));
    void this.updateComplete.then(() => {
      area?.focus();
      area?.setSelectionRange(at + block.length, at + block.length);
    });
  }

  private figures(): Figure[] {
    const out: Figure[] = [];
    for (const r of this.runs) {
      const add = (what: string, uri: string | undefined) => {
        const rel = uri && this.relativePath(r.runId, uri);
        if (rel) out.push({ label: `${r.label}: ${what}`, markdown: `![${r.label}: ${what}](${rel})` });
      };
      add('forward diffusion', r.forwardStrip?.uri);
      const last = [...r.samples].reverse();
      add(`reverse process, epoch ${last.find((s) => s.strip)?.epoch ?? ''}`, last.find((s) => s.strip)?.strip);
      add('samples', last.find((s) => s.grid)?.grid);
    }
    return out;
  }

  /** A run file's path relative to the notes file, from its webview URI (…/runs/<id>/file?v=…). */
  private relativePath(runId: string, uri: string): string | undefined {
    const path = decodeURIComponent(uri.split('?')[0]!);
    const marker = `/runs/${runId}/`;
    const at = path.lastIndexOf(marker);
    if (at < 0) return undefined;
    const inRun = path.slice(at + marker.length);
    return this.target.kind === 'run' ? inRun : `../../runs/${runId}/${inRun}`;
  }

  private previewOf(text: string, baseUri: string | undefined): HTMLDivElement {
    if (this.preview?.text !== text || this.preview.baseUri !== baseUri) this.preview = { text, baseUri, nodes: renderMarkdown(text, baseUri) };
    return this.preview.nodes;
  }

  protected override render() {
    if (!this.doc) return html`<p class="empty">Reading notes.md…</p>`;
    const figures = this.figures();
    const figure = figures[Math.min(this.figure, figures.length - 1)];
    return html`
      <div class="toolbar" role="toolbar" aria-label="Notes">
        <vscode-button appearance="secondary" class="insert-table" @click=${() => this.insert(comparisonMarkdown(this.runs.length ? this.runs : this.allRuns, this.variedFields))}>Insert comparison table</vscode-button>
        ${figures.length ? html`
          <vscode-dropdown class="figure-pick" aria-label="Figure" @change=${(e: Event) => (this.figure = Number((e.target as HTMLSelectElement).value))}>
            ${figures.map((f, i) => html`<vscode-option value=${String(i)} ?selected=${f === figure}>${f.label}</vscode-option>`)}
          </vscode-dropdown>
          <vscode-button appearance="secondary" class="insert-figure" @click=${() => figure && this.insert(figure.markdown)}>Insert figure</vscode-button>` : nothing}
        <span class="notes-status" role="status" aria-live="polite">${this.status}</span>
      </div>
      ${this.conflict ? html`<div class="banner" role="alert">
        <span>${this.doc.file.split(/[\\/]/).slice(-2).join('/')} was changed on disk while you were typing.</span>
        <vscode-button class="keep-mine" @click=${() => this.keepMine()}>Keep my text</vscode-button>
        <vscode-button appearance="secondary" class="take-disk" @click=${() => this.takeDisk()}>Use the disk version</vscode-button>
      </div>` : nothing}
      <div class="notes-split">
        <textarea class="notes-editor" spellcheck="true" aria-label="notes.md (markdown)" .value=${this.text}
          placeholder=${`Your analysis of this ${this.target.kind}, in Markdown: what you changed, what you saw, what you conclude.\n\nInsert comparison table adds the runs' numbers; Insert figure, an image of a run.`}
          @input=${(e: Event) => this.edited((e.target as HTMLTextAreaElement).value)}
          @keydown=${(e: KeyboardEvent) => {
            if ((e.ctrlKey || e.metaKey) && e.key === 's') {
              e.preventDefault();
              this.saveNow();
            }
          }}></textarea>
        <article class="notes-preview markdown-body" aria-label="Preview">${this.text.trim()
          ? this.previewOf(this.text, this.doc.baseUri)
          : html`<p class="empty">The preview of your notes appears here.</p>`}</article>
      </div>
      <p class="hint">${this.doc.file} · saved automatically · Ctrl+S saves now</p>`;
  }
}

customElements.define('dl-notes-view', NotesView);
