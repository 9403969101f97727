// Shows one tile of a tiled PNG (a frame of forward-steps.png or forward.png), scaled up
// with crisp pixels. The image loads once; moving the t slider only redraws the canvas.
import { html, type PropertyValues } from 'lit';
import { cssProperty } from '../cssProperty';
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
  /** The uri of `loaded`, or of the image being loaded: img.src reads back resolved, so it cannot be compared. */
  private wanted: string | undefined;
  private loadedUri: string | undefined;

  constructor() {
    super();
    this.image = undefined;
    this.index = 0;
    this.label = '';
  }

  protected override render() {
    // At most 8 screen pixels per image pixel: blown up further, a 16 px x_t reads as pure noise
    // even while most of the image is left (the eye stops seeing the picture for the blocks).
    const size = this.image ? Math.min(256, this.image.tile * 8) : 256;
    return html`<canvas class="tile" width="256" height="256" role="img" aria-label=${this.label} ${cssProperty('--tile-size', `${size}px`)}></canvas>`;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('image') && this.image && this.wanted !== this.image.uri) {
      const uri = this.image.uri;
      this.wanted = uri;
      // Until it is there, an empty frame: not another run's (or an older file's) x_t under this caption.
      const canvas = this.querySelector('canvas');
      canvas?.getContext('2d')!.clearRect(0, 0, canvas.width, canvas.height);
      const img = new Image();
      img.onload = () => {
        // Loads can finish out of order: only the latest one asked for may be painted.
        if (this.wanted !== uri) return;
        this.loaded = img;
        this.loadedUri = uri;
        this.paint();
      };
      img.src = uri;
      return;
    }
    this.paint();
  }

  private paint(): void {
    const canvas = this.querySelector('canvas');
    const g = this.image;
    // Never cut one image with another's geometry while the new one loads.
    if (!canvas || !g || !this.loaded || this.loadedUri !== g.uri) return;
    const ctx = canvas.getContext('2d')!;
    const col = this.index % g.columns;
    const row = Math.floor(this.index / g.columns);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(this.loaded, g.gap + col * (g.tile + g.gap), g.gap + row * (g.tile + g.gap), g.tile, g.tile, 0, 0, canvas.width, canvas.height);
  }
}

customElements.define('dl-tile-view', TileView);
