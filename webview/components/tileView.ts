// Shows one tile of a tiled PNG (a frame of forward-steps.png or forward.png), scaled up
// with crisp pixels. The image loads once; moving the t slider only redraws the canvas.
import { html, type PropertyValues } from 'lit';
import { LightElement } from './lightElement';

export interface TileGeometry {
  uri: string;
  /** Tile size in image pixels. */
  tile: number;
  gap: number;
  columns: number;
}

export class TileView extends LightElement {
  static override properties = { image: { attribute: false }, index: { type: Number }, label: { type: String } };

  declare image: TileGeometry | undefined;
  declare index: number;
  declare label: string;

  private loaded: HTMLImageElement | undefined;

  constructor() {
    super();
    this.image = undefined;
    this.index = 0;
    this.label = '';
  }

  protected override render() {
    return html`<canvas class="tile" width="256" height="256" role="img" aria-label=${this.label}></canvas>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('image') && this.image && this.loaded?.src !== this.image.uri) {
      const img = new Image();
      img.onload = () => {
        this.loaded = img;
        this.paint();
      };
      img.src = this.image.uri;
      return;
    }
    this.paint();
  }

  private paint(): void {
    const canvas = this.querySelector('canvas');
    const g = this.image;
    if (!canvas || !g || !this.loaded) return;
    const ctx = canvas.getContext('2d')!;
    const col = this.index % g.columns;
    const row = Math.floor(this.index / g.columns);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(this.loaded, g.gap + col * (g.tile + g.gap), g.gap + row * (g.tile + g.gap), g.tile, g.tile, 0, 0, canvas.width, canvas.height);
  }
}

customElements.define('dl-tile-view', TileView);
