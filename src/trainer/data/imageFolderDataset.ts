// A folder of images (or Stanford Cars) as an ImageDataset: listed, decoded once per
// (size, fit) into one uint8 buffer, cached, and served as views into that buffer.
import * as path from 'node:path';
import type { DatasetSplit, ImageFit } from '../../shared/runConfig';
import { PackedImageDataset, datasetFingerprint } from './dataset';
import { decodeImages, type DecodeProgress } from './decodeImages';
import { EXAMPLES_NAMED, IMAGE_EXTENSIONS, findImages, type DatasetLayout, type ImageListing, type SkippedImage } from './findImages';
import { readImageCache, sha256Hex, writeImageCache, type ImageCacheKey } from './imageCache';

/** What loading found out: enough for a log line, the run's metrics and config.json. */
export interface DatasetLoadReport {
  /** The folder read (absolute), or `toy-cars`. */
  source: string;
  layout: DatasetLayout | 'toy-cars';
  split: DatasetSplit;
  fit: ImageFit;
  /** Usable images. */
  images: number;
  /** Image files that could not be used (corrupt, empty, unsupported, unopenable). */
  skipped: number;
  /** The first few skipped files, with the reason. */
  skippedExamples: SkippedImage[];
  /** Images smaller than the target size on a side, enlarged rather than reduced. */
  enlarged: number;
  /** `hit`: read from the cache; `written`: decoded and cached; `off`: no cache dir given. */
  cache: 'hit' | 'written' | 'off' | 'write-failed';
  /** Why the cache was not used or not written, when it was not. */
  cacheNote?: string;
  cacheFile?: string;
  ms: number;
  notes: string[];
}

export interface ImageFolderOptions {
  path: string;
  imgSize: number;
  split?: DatasetSplit;
  fit?: ImageFit;
  /** Where decoded images are cached; no caching when absent. */
  cacheDir?: string;
  onProgress?: (p: DecodeProgress) => void;
  /** Files decoded at once (default twice the cores). */
  concurrency?: number;
}

export class ImageFolderDataset extends PackedImageDataset {
  constructor(
    name: string,
    imgSize: number,
    fingerprint: string,
    data: Uint8Array,
    /** Name (path relative to the dataset root) of each image, in index order. */
    readonly imageNames: readonly string[],
    readonly report: DatasetLoadReport,
  ) {
    super(name, imgSize, fingerprint, data);
    if (imageNames.length !== this.count) throw new Error(`${name}: ${imageNames.length} names for ${this.count} images`);
  }

  imageName(i: number): string {
    const name = this.imageNames[i];
    if (name === undefined) throw new RangeError(`${this.name}: image index ${i} is outside 0..${this.count - 1}`);
    return name;
  }
}

/** Names the pixels exactly: same images, same order, same size and fit, same fingerprint. */
export function imageFolderFingerprint(pixelsSha256: string, imgSize: number, fit: ImageFit): string {
  return datasetFingerprint(['image-folder', pixelsSha256, imgSize, fit]);
}

export async function loadImageFolder(options: ImageFolderOptions): Promise<ImageFolderDataset> {
  const start = performance.now();
  const { imgSize, cacheDir } = options;
  const split = options.split ?? 'all';
  const fit = options.fit ?? 'fill';
  if (!Number.isInteger(imgSize) || imgSize <= 0) throw new Error(`image size must be a positive integer, got ${imgSize}`);

  const listing = await findImages(options.path, split);
  if (listing.files.length === 0) throw new Error(noImagesMessage(listing));
  const name = datasetName(listing, split);
  const key: ImageCacheKey = { root: listing.root, layout: listing.layout, split, imgSize, fit };
  const base = { source: listing.root, layout: listing.layout, split, fit, notes: [...listing.notes] };

  let cacheNote: string | undefined;
  if (cacheDir) {
    const cached = await readImageCache(cacheDir, key, listing.files);
    if (cached.hit) {
      const { index, pixels } = cached;
      const skipped = [...listing.unreadable, ...index.skipped];
      const report: DatasetLoadReport = {
        ...base, images: index.kept.length, skipped: skipped.length, skippedExamples: skipped.slice(0, EXAMPLES_NAMED),
        enlarged: index.enlarged, cache: 'hit', cacheFile: cached.indexFile, ms: performance.now() - start,
      };
      const names = index.kept.map((i) => index.sources[i]![0]);
      return new ImageFolderDataset(name, imgSize, imageFolderFingerprint(index.pixelsSha256, imgSize, fit), pixels, names, report);
    }
    cacheNote = cached.reason;
  }

  const decoded = await decodeImages(listing.files, {
    imgSize, fit,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const skipped = [...listing.unreadable, ...decoded.skipped];
  if (decoded.kept.length === 0) throw new Error(noReadableImageMessage(listing, skipped));

  const pixelsSha256 = sha256Hex(decoded.pixels);
  let cache: DatasetLoadReport['cache'] = 'off';
  let cacheFile: string | undefined;
  if (cacheDir) {
    try {
      cacheFile = await writeImageCache(cacheDir, {
        ...key, pixelsSha256,
        sources: listing.files.map((f) => [f.name, f.bytes, f.mtimeMs]),
        kept: decoded.kept, skipped: decoded.skipped, enlarged: decoded.enlarged,
      }, decoded.pixels);
      cache = 'written';
    } catch (err) {
      // A full disk or read-only cache folder costs the next run time, not this run its data.
      cache = 'write-failed';
      cacheNote = `cannot write the cache in ${cacheDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }
  const report: DatasetLoadReport = {
    ...base, images: decoded.kept.length, skipped: skipped.length, skippedExamples: skipped.slice(0, EXAMPLES_NAMED),
    enlarged: decoded.enlarged, cache, ...(cacheNote ? { cacheNote } : {}), ...(cacheFile ? { cacheFile } : {}),
    ms: performance.now() - start,
  };
  const names = decoded.kept.map((i) => listing.files[i]!.name);
  return new ImageFolderDataset(name, imgSize, imageFolderFingerprint(pixelsSha256, imgSize, fit), decoded.pixels, names, report);
}

function datasetName(listing: ImageListing, split: DatasetSplit): string {
  if (listing.layout === 'image-folder') return path.basename(listing.root);
  return split === 'all' ? 'stanford-cars' : `stanford-cars-${split}`;
}

function noImagesMessage(listing: ImageListing): string {
  const where = listing.root;
  if (listing.unreadable.length > 0) return noReadableImageMessage(listing, listing.unreadable);
  const kinds = [...IMAGE_EXTENSIONS].join(' ');
  if (listing.otherFiles.count === 0) return `no images in ${where}: the folder (searched recursively) holds no files${listing.notes.length ? ` (${listing.notes.join('; ')})` : ''}`;
  return `no images in ${where}: found ${listing.otherFiles.count} file(s) but none named like an image (${kinds}); e.g. ${listing.otherFiles.examples.join(', ')}`;
}

function noReadableImageMessage(listing: ImageListing, skipped: SkippedImage[]): string {
  const named = skipped.slice(0, EXAMPLES_NAMED).map((s) => `${s.name}: ${s.reason}`).join('; ');
  return `no readable image in ${listing.root}: all ${skipped.length} image file(s) failed to decode (${named}${skipped.length > EXAMPLES_NAMED ? '; ...' : ''})`;
}

/** Human lines for a log: what was loaded, what was skipped and why, what to know. */
export function describeLoad(report: DatasetLoadReport, imgSize: number): string[] {
  const lines = [
    `dataset ${report.source} (${report.layout}${report.layout.startsWith('stanford') ? `, split ${report.split}` : ''}): ` +
      `${report.images} images at ${imgSize}x${imgSize} (${report.fit}), ` +
      (report.cache === 'hit' ? 'from cache' : 'decoded') + ` in ${(report.ms / 1000).toFixed(2)}s`,
  ];
  if (report.skipped > 0) {
    const named = report.skippedExamples.map((s) => `${s.name} (${s.reason})`).join(', ');
    lines.push(`skipped ${report.skipped} unreadable image file(s): ${named}${report.skipped > report.skippedExamples.length ? ', ...' : ''}`);
  }
  if (report.enlarged > 0) lines.push(`${report.enlarged} image(s) were smaller than ${imgSize}x${imgSize} and were enlarged`);
  if (report.cacheNote) lines.push(`cache: ${report.cacheNote}`);
  lines.push(...report.notes);
  return lines;
}
