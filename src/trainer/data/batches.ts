// Training batches the way the reference notebook makes them: a fresh shuffle every epoch,
// the last incomplete batch dropped, a random horizontal flip per image, uint8 [0, 255]
// scaled to float [-1, 1]. Only one batch is ever held as float32.
import { Random } from '../random';
import { imageByteLength, type ImageDataset } from './dataset';

/** byte -> [-1, 1]: 0 -> -1, 255 -> 1 exactly. */
const BYTE_TO_UNIT = new Float32Array(256).map((_, v) => v / 127.5 - 1);

/** What epoch e does: which image goes where, and which are mirrored. */
export interface EpochPlan {
  /** Dataset indices in training order; only the first batchesPerEpoch * batchSize are used. */
  order: Int32Array;
  /** flips[k] = 1 when order[k] is mirrored left-right. */
  flips: Uint8Array;
}

export class TrainingBatches {
  readonly batchesPerEpoch: number;
  /** Floats in one batch: batchSize * imgSize * imgSize * 3. */
  readonly batchLength: number;
  private readonly indices: Int32Array;
  private readonly buffer: Float32Array;

  /**
   * @param indices the images to train on (default all), e.g. the dataset minus a held-out set.
   */
  constructor(readonly dataset: ImageDataset, readonly batchSize: number, readonly seed: number, indices?: ArrayLike<number>) {
    if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
    this.indices = indices ? Int32Array.from(indices) : Int32Array.from({ length: dataset.count }, (_, i) => i);
    const available = this.indices.length;
    if (available < batchSize) {
      throw new Error(`dataset ${dataset.name} has ${available} training images, fewer than one batch of ${batchSize}; use a smaller batch size or more images`);
    }
    this.batchesPerEpoch = Math.floor(available / batchSize);
    this.batchLength = batchSize * imageByteLength(dataset.imgSize);
    this.buffer = new Float32Array(this.batchLength);
  }

  /** Depends only on (seed, epoch), so a resumed run replays the same epochs. */
  plan(epoch: number): EpochPlan {
    const permutation = Random.derive(this.seed, `batches/shuffle/${epoch}`).permutation(this.indices.length);
    const order = permutation.map((k) => this.indices[k]!);
    const flipRng = Random.derive(this.seed, `batches/flip/${epoch}`);
    const flips = Uint8Array.from({ length: order.length }, () => (flipRng.uniform() < 0.5 ? 1 : 0));
    return { order, flips };
  }

  /**
   * Yields the epoch's batches, NHWC float32 in [-1, 1], from batch `startBatch` on (to resume
   * mid-epoch). Every yield is the same reused buffer: consume it (e.g. copy into a tensor)
   * before asking for the next.
   */
  *epoch(epoch: number, startBatch = 0): Generator<Float32Array, void, undefined> {
    const { order, flips } = this.plan(epoch);
    for (let b = startBatch; b < this.batchesPerEpoch; b++) {
      this.fillBatch(order, flips, b * this.batchSize);
      yield this.buffer;
    }
  }

  private fillBatch(order: Int32Array, flips: Uint8Array, first: number): void {
    const size = this.dataset.imgSize;
    const perImage = imageByteLength(size);
    for (let k = 0; k < this.batchSize; k++) {
      writeScaledImage(this.dataset.pixels(order[first + k]!), size, flips[first + k] === 1, this.buffer, k * perImage);
    }
  }
}

/** Copies one uint8 HWC image into `out` at `offset` as [-1, 1] floats, mirrored if asked. */
export function writeScaledImage(pixels: Uint8Array, size: number, mirror: boolean, out: Float32Array, offset: number): void {
  const row = size * 3;
  if (!mirror) {
    for (let i = 0; i < row * size; i++) out[offset + i] = BYTE_TO_UNIT[pixels[i]!]!;
    return;
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const src = y * row + x * 3;
      const dst = offset + y * row + (size - 1 - x) * 3;
      out[dst] = BYTE_TO_UNIT[pixels[src]!]!;
      out[dst + 1] = BYTE_TO_UNIT[pixels[src + 1]!]!;
      out[dst + 2] = BYTE_TO_UNIT[pixels[src + 2]!]!;
    }
  }
}

/** Images at `indices`, unflipped, as one NHWC [-1, 1] array (for small sets: held-out, previews). */
export function scaledImages(dataset: ImageDataset, indices: ArrayLike<number>): Float32Array {
  const perImage = imageByteLength(dataset.imgSize);
  const out = new Float32Array(indices.length * perImage);
  for (let k = 0; k < indices.length; k++) writeScaledImage(dataset.pixels(indices[k]!), dataset.imgSize, false, out, k * perImage);
  return out;
}
