// What every image source offers the trainer: a fixed number of square RGB images of one
// size, held as uint8 (a quarter of float32's memory), plus a fingerprint that names the
// exact content so a run can record which data it saw.
import { createHash } from 'node:crypto';

export interface ImageDataset {
  /** `toy-cars`, a folder name, `stanford-cars`, ... */
  readonly name: string;
  readonly count: number;
  /** Width and height in pixels; every image is square. */
  readonly imgSize: number;
  /** Changes whenever the pixels could change (source, version, size, seed, ...). */
  readonly fingerprint: string;
  /** uint8 RGB pixels of image i, HWC, imgSize*imgSize*3 bytes. A view: do not write to it. */
  pixels(i: number): Uint8Array;
  /** A stable name for image i (a file path relative to the dataset root), when it has one. */
  imageName?(i: number): string;
}

/** Bytes of one RGB image of this size. */
export function imageByteLength(imgSize: number): number {
  return imgSize * imgSize * 3;
}

/**
 * A dataset over one contiguous buffer of `count` images back to back, the layout both the
 * toy-cars renderer and a uint8 cache file produce; pixels(i) is a view, never a copy.
 */
export class PackedImageDataset implements ImageDataset {
  readonly count: number;
  private readonly bytesPerImage: number;

  constructor(
    readonly name: string,
    readonly imgSize: number,
    readonly fingerprint: string,
    readonly data: Uint8Array,
  ) {
    if (!Number.isInteger(imgSize) || imgSize <= 0) throw new Error(`${name}: image size must be a positive integer, got ${imgSize}`);
    this.bytesPerImage = imageByteLength(imgSize);
    if (data.length % this.bytesPerImage !== 0) {
      throw new Error(`${name}: ${data.length} bytes is not a whole number of ${imgSize}x${imgSize} RGB images (${this.bytesPerImage} bytes each)`);
    }
    this.count = data.length / this.bytesPerImage;
  }

  pixels(i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new RangeError(`${this.name}: image index ${i} is outside 0..${this.count - 1}`);
    }
    return this.data.subarray(i * this.bytesPerImage, (i + 1) * this.bytesPerImage);
  }
}

/** A short stable hash of the things that determine a dataset's pixels. */
export function datasetFingerprint(parts: ReadonlyArray<string | number>): string {
  return createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex').slice(0, 16);
}
