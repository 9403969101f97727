// Decodes image files into one packed uint8 RGB buffer with sharp: EXIF orientation applied,
// alpha composited on black, any colour space or bit depth to 8-bit sRGB, resized to
// imgSize x imgSize. Several files are in flight at once (sharp works on libuv's thread
// pool); a file that fails is skipped and reported, never fatal on its own.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import type { ImageFit } from '../../shared/runConfig';
import { imageByteLength } from './dataset';
import type { ImageFile, SkippedImage } from './findImages';

/**
 * Bump whenever a change here changes any decoded pixel; cache entries made by another
 * version (or another libvips) are not reused.
 */
export const DECODER_VERSION = `decode-1/sharp-${sharp.versions.sharp}/vips-${sharp.versions.vips}`;

export interface DecodeProgress {
  done: number;
  total: number;
  imagesPerSec: number;
  etaMs: number;
  skipped: number;
}

export interface DecodeOptions {
  imgSize: number;
  fit: ImageFit;
  /** Files decoded at once; default twice the cores, so file reads overlap decoding. */
  concurrency?: number;
  onProgress?: (p: DecodeProgress) => void;
  /** Least time between two progress reports (the last one is always sent). */
  progressEveryMs?: number;
}

export interface DecodedImages {
  /** kept.length images back to back, in the order of `kept`. */
  pixels: Uint8Array;
  /** Indices into the input files of the images in `pixels`, ascending. */
  kept: number[];
  skipped: SkippedImage[];
  /** Images smaller than imgSize on either side, so enlarged rather than reduced. */
  enlarged: number;
}

/** The sharp pipeline for one image, from encoded bytes to imgSize x imgSize 8-bit RGB. */
function imagePipeline(input: string | Buffer, imgSize: number, fit: ImageFit): sharp.Sharp {
  // failOn 'error' rejects truncated files but tolerates harmless warnings in old JPEGs.
  return sharp(input, { failOn: 'error' })
    .rotate()
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .resize(imgSize, imgSize, { fit: fit === 'cover' ? 'cover' : 'fill', position: 'centre' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' });
}

/**
 * Decodes one file into `out` (imgSize * imgSize * 3 bytes). Throws with a short reason
 * when the file cannot be used; returns whether the source was smaller than the target.
 */
export async function decodeImage(file: ImageFile, imgSize: number, fit: ImageFit, out: Uint8Array): Promise<{ enlarged: boolean }> {
  // Read once in JS: libvips then parses the header and the pixels from memory, not the disk twice.
  let encoded: Buffer;
  try {
    encoded = await readFile(file.path);
  } catch (err) {
    throw new Error(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (encoded.length === 0) throw new Error('empty file (0 bytes)');
  const pipeline = imagePipeline(encoded, imgSize, fit);
  let meta: sharp.Metadata;
  try {
    meta = await pipeline.metadata();
  } catch (err) {
    throw new Error(describeSharpError(err));
  }
  let data: Buffer;
  let channels: number;
  try {
    ({ data, info: { channels } } = await pipeline.toBuffer({ resolveWithObject: true }));
  } catch (err) {
    throw new Error(describeSharpError(err, meta.format));
  }
  const expected = imageByteLength(imgSize);
  if (channels !== 3 || data.length !== expected) {
    throw new Error(`decoded to ${data.length} bytes in ${channels} channels, expected ${expected} bytes of RGB`);
  }
  out.set(data);
  return { enlarged: (meta.width ?? 0) < imgSize || (meta.height ?? 0) < imgSize };
}

/** Turns libvips' wording into a reason a person can act on. */
function describeSharpError(err: unknown, format?: string): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  if (/unsupported image format/i.test(message)) return 'not an image file sharp can read (unrecognised content)';
  if (/premature end|truncated|unexpected end/i.test(message)) return `truncated ${format ?? 'image'} file (${message})`;
  return format ? `cannot decode ${format}: ${message}` : message;
}

/** Decodes every file; the result holds only the usable ones, still in input order. */
export async function decodeImages(files: readonly ImageFile[], options: DecodeOptions): Promise<DecodedImages> {
  const { imgSize, fit, onProgress } = options;
  const concurrency = Math.max(1, options.concurrency ?? 2 * availableParallelism());
  const progressEveryMs = options.progressEveryMs ?? 250;
  const bytes = imageByteLength(imgSize);
  const pixels = new Uint8Array(files.length * bytes);
  const ok = new Uint8Array(files.length);
  const failed: number[] = [];
  const failures: Array<SkippedImage & { index: number }> = [];
  let skippedSoFar = 0;
  let enlarged = 0;
  let done = 0;
  const start = performance.now();
  let lastReport = -Infinity;
  const report = (force: boolean) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - lastReport < progressEveryMs) return;
    lastReport = now;
    const seconds = (now - start) / 1000;
    const imagesPerSec = seconds > 0 ? done / seconds : 0;
    const etaMs = imagesPerSec > 0 ? ((files.length - done) / imagesPerSec) * 1000 : Infinity;
    onProgress({ done, total: files.length, imagesPerSec, etaMs, skipped: skippedSoFar });
  };

  const attempt = async (i: number): Promise<string | null> => {
    try {
      const result = await decodeImage(files[i]!, imgSize, fit, pixels.subarray(i * bytes, (i + 1) * bytes));
      ok[i] = 1;
      if (result.enlarged) enlarged++;
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < files.length; i = next++) {
      if ((await attempt(i)) !== null) {
        failed.push(i);
        skippedSoFar++;
      }
      done++;
      report(false);
    }
  };
  report(true);
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  // libvips keeps one error buffer for all threads, so a failure amid others may read
  // "Unknown error"; one more try alone gives its real reason (and outlasts transient errors).
  for (const i of failed.sort((a, b) => a - b)) {
    const reason = await attempt(i);
    if (reason !== null) failures.push({ index: i, name: files[i]!.name, reason });
  }
  skippedSoFar = failures.length;
  report(true);

  // Close the gaps the skipped files left; kept indices ascend, so every copy moves data down.
  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) {
    if (!ok[i]) continue;
    if (kept.length !== i) pixels.copyWithin(kept.length * bytes, i * bytes, (i + 1) * bytes);
    kept.push(i);
  }
  // A view keeps the whole allocation alive; worth a copy only when much of it is unused.
  const used = kept.length * bytes;
  return {
    pixels: used < pixels.length * 0.9 ? pixels.slice(0, used) : pixels.subarray(0, used),
    kept,
    skipped: failures.map(({ name, reason }) => ({ name, reason })),
    enlarged,
  };
}
