// Image figures as PNG: forward-diffusion strips, reverse-process strips and sample grids.
// Takes plain Float32Array NHWC data in [-1, 1] (what the model sees), so it needs no tfjs.
import sharp from 'sharp';
import { writeFileAtomic } from '../../shared/atomicFile';

/** A packed RGB picture, HWC uint8. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface LayoutOptions {
  /** Each tile is upscaled by a whole factor (nearest neighbour) until at least this wide. Default 64. */
  minTileSize?: number;
  /** Pixels between tiles and around the edge, in output pixels. Default 2. */
  gap?: number;
  /** Colour of the gaps, uint8 RGB. Default white. */
  background?: readonly [number, number, number];
}

/** One model value in [-1, 1] to a byte: (x + 1) / 2 * 255, rounded, clamped; NaN becomes 0. */
export function unitToByte(x: number): number {
  const v = Math.round(((x + 1) / 2) * 255);
  return v > 255 ? 255 : v >= 0 ? v : 0;
}

/** [-1, 1] floats (any layout) to uint8 in the same layout. */
export function imageFloatsToRgb(images: Float32Array): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = unitToByte(images[i]!);
  return out;
}

/** The whole-number factor that makes a `size` px tile at least `minTileSize` px. */
export function upscaleFactor(size: number, minTileSize = 64): number {
  return Math.max(1, Math.ceil(minTileSize / size));
}

/**
 * Lays out the first n images of NHWC [-1, 1] data (each size x size x 3) in rows of
 * `columns`, each tile upscaled by nearest neighbour, gaps between and around them.
 */
export function layoutImages(images: Float32Array, n: number, size: number, columns: number, options: LayoutOptions = {}): RgbImage {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`need a positive number of images, got ${n}`);
  if (!Number.isInteger(size) || size <= 0) throw new Error(`image size must be a positive integer, got ${size}`);
  if (!Number.isInteger(columns) || columns <= 0) throw new Error(`columns must be a positive integer, got ${columns}`);
  const perImage = size * size * 3;
  if (images.length < n * perImage) {
    throw new Error(`${n} images of ${size}x${size}x3 need ${n * perImage} values, got ${images.length}`);
  }
  const gap = options.gap ?? 2;
  const factor = upscaleFactor(size, options.minTileSize ?? 64);
  const [br, bg, bb] = options.background ?? [255, 255, 255];
  const tile = size * factor;
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const width = cols * tile + (cols + 1) * gap;
  const height = rows * tile + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 3);
  for (let o = 0; o < data.length; o += 3) {
    data[o] = br;
    data[o + 1] = bg;
    data[o + 2] = bb;
  }
  for (let k = 0; k < n; k++) {
    const left = gap + (k % cols) * (tile + gap);
    const top = gap + Math.floor(k / cols) * (tile + gap);
    const base = k * perImage;
    for (let y = 0; y < tile; y++) {
      const srcRow = base + Math.floor(y / factor) * size * 3;
      let dst = ((top + y) * width + left) * 3;
      for (let x = 0; x < tile; x++, dst += 3) {
        const src = srcRow + Math.floor(x / factor) * 3;
        data[dst] = unitToByte(images[src]!);
        data[dst + 1] = unitToByte(images[src + 1]!);
        data[dst + 2] = unitToByte(images[src + 2]!);
      }
    }
  }
  return { width, height, data };
}

export async function encodePng(image: RgbImage): Promise<Uint8Array> {
  const buffer = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** n images side by side in one row (e.g. one image at evenly spaced t). */
export async function writeImageStrip(file: string, images: Float32Array, n: number, size: number, options?: LayoutOptions): Promise<void> {
  await writeFileAtomic(file, await encodePng(layoutImages(images, n, size, n, options)));
}

/** n images in rows of `columns` (default: as square as possible). */
export async function writeImageGrid(file: string, images: Float32Array, n: number, size: number, columns?: number, options?: LayoutOptions): Promise<void> {
  const cols = columns ?? Math.ceil(Math.sqrt(n));
  await writeFileAtomic(file, await encodePng(layoutImages(images, n, size, cols, options)));
}
