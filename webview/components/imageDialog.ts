// <dl-image-dialog>: one sample image enlarged over the panel, by a whole factor so that
// its pixels stay square and sharp. A modal <dialog>: Esc, the close button or a click
// beside the image close it, and the focus goes back to what opened it.
import { html, nothing } from 'lit';
import { LightElement } from './lightElement';

export interface EnlargedImage {
  src: string;
  alt: string;
  caption: string;
}

export class ImageDialog extends LightElement {
  static override properties = { image: { state: true }, scale: { state: true } };

  declare image: EnlargedImage | undefined;
  /** Screen pixels per image pixel, once the image has loaded. */
  declare scale: number | undefined;

  private opener: HTMLElement | null = null;

  constructor() {
    super();
    this.image = undefined;
    this.scale = undefined;
  }

  /** Opens `image`; `opener` gets the focus back on closing. */
  async show(image: EnlargedImage, opener: HTMLElement | null): Promise<void> {
    this.opener = opener;
    this.image = image;
    this.scale = undefined;
    await this.updateComplete;
    const dialog = this.querySelector('dialog')!;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('.close')?.focus();
  }

  /** Closes it and gives the focus back at once (the dialog's close event comes a task later). */
  close(): void {
    const dialog = this.querySelector('dialog');
    if (!dialog?.open) return;
    dialog.close();
    const opener = this.opener;
    this.opener = null;
    if (opener?.isConnected) opener.focus();
  }

  protected override render() {
    const image = this.image;
    return html`<dialog class="image-dialog" aria-label=${image?.alt ?? 'Enlarged image'}
      @cancel=${(e: Event) => {
        e.preventDefault(); // Esc: closed here, like the button
        this.close();
      }}
      @close=${(e: Event) => {
        if (!(e.currentTarget as HTMLDialogElement).open) this.image = undefined; // not when opened again meanwhile
      }}
      @click=${(e: MouseEvent) => {
        // A click on the backdrop lands on the dialog itself, outside its box.
        const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
        if (e.target === e.currentTarget && (e.clientX < box.left || e.clientX > box.right || e.clientY < box.top || e.clientY > box.bottom)) this.close();
      }}>
      ${image ? html`<figure>
        <img class="pixelated enlarged" src=${image.src} alt=${image.alt} @load=${(e: Event) => this.fit(e.target as HTMLImageElement)}>
        <figcaption>${image.caption}${this.scale ? html` <span class="muted">(×${this.scale})</span>` : nothing}</figcaption>
      </figure>` : nothing}
      <button class="close" aria-label="Close" title="Close (Esc)" @click=${() => this.close()}>✕</button>
    </dialog>`;
  }

  /** The largest whole factor at which the image fits the window (at least 1: larger ones scroll). */
  private fit(img: HTMLImageElement): void {
    const { naturalWidth: w, naturalHeight: h } = img;
    if (!w || !h) return;
    const k = Math.max(1, Math.floor(Math.min((window.innerWidth * 0.9) / w, (window.innerHeight * 0.8) / h)));
    img.width = w * k;
    img.height = h * k;
    this.scale = k;
  }
}

customElements.define('dl-image-dialog', ImageDialog);
