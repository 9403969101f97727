// The decoded-image cache: per (folder, split, size, fit), one binary file of uint8 RGB
// pixels, images back to back, plus a JSON index naming every source file with its size and
// modification time. Any changed, added or removed source file makes the entry stale.
// The pixels file carries its content hash in its name and is written before the index,
// so a crash between the two writes leaves the old index pointing at the old pixels.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DatasetSplit, ImageFit } from '../../shared/runConfig';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/atomicFile';
import { DECODER_VERSION } from './decodeImages';
import { EXAMPLES_NAMED, type DatasetLayout, type ImageFile, type SkippedImage } from './findImages';

export const IMAGE_CACHE_FORMAT = 1;

/** What one cache entry is for. */
export interface ImageCacheKey {
  root: string;
  layout: DatasetLayout;
  split: DatasetSplit;
  imgSize: number;
  fit: ImageFit;
}

/** A source file as the index records it: [name, bytes, mtimeMs]. */
export type SourceStamp = [name: string, bytes: number, mtimeMs: number];

export interface ImageCacheIndex extends ImageCacheKey {
  format: typeof IMAGE_CACHE_FORMAT;
  decoder: string;
  /** File name (beside the index) of the packed pixels. */
  pixelsFile: string;
  pixelsBytes: number;
  pixelsSha256: string;
  /** Every file that was decoded or tried, in dataset order. */
  sources: SourceStamp[];
  /** Indices into `sources` of the images in the pixels file, ascending. */
  kept: number[];
  skipped: SkippedImage[];
  enlarged: number;
  createdAt: string;
}

export type CacheLookup =
  | { hit: true; index: ImageCacheIndex; pixels: Uint8Array; indexFile: string }
  | { hit: false; reason: string };

/** File-name stem of an entry: readable, plus a hash so two folders with one name differ. */
export function cacheStem(key: ImageCacheKey): string {
  const readable = path.basename(key.root).replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40) || 'images';
  const hash = createHash('sha256').update(JSON.stringify([key.root, key.layout, key.split, key.imgSize, key.fit])).digest('hex').slice(0, 10);
  return `${readable}-${key.split}-${key.imgSize}px-${key.fit}-${hash}`;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The entry for `key` if it exists, is intact and was made from exactly these `files`. */
export async function readImageCache(cacheDir: string, key: ImageCacheKey, files: readonly ImageFile[]): Promise<CacheLookup> {
  const indexFile = path.join(cacheDir, `${cacheStem(key)}.json`);
  let index: ImageCacheIndex;
  try {
    index = JSON.parse(await fs.readFile(indexFile, 'utf8')) as ImageCacheIndex;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { hit: false, reason: code === 'ENOENT' ? 'no cache entry yet' : `cache index ${indexFile} unreadable (${code ?? (err as Error).message})` };
  }
  if (index.format !== IMAGE_CACHE_FORMAT) return { hit: false, reason: `cache format ${index.format} is not ${IMAGE_CACHE_FORMAT}` };
  if (index.decoder !== DECODER_VERSION) return { hit: false, reason: `made by ${index.decoder}, now ${DECODER_VERSION}` };
  if (index.imgSize !== key.imgSize || index.fit !== key.fit || index.split !== key.split || index.root !== key.root) {
    return { hit: false, reason: 'cache index is for other settings' };
  }
  const changes = describeChanges(index.sources, files);
  if (changes) return { hit: false, reason: changes };

  const pixelsPath = path.join(cacheDir, index.pixelsFile);
  try {
    const pixels = await readWhole(pixelsPath, index.pixelsBytes);
    return { hit: true, index, pixels, indexFile };
  } catch (err) {
    return { hit: false, reason: `cache pixels ${pixelsPath} unusable (${(err as Error).message})` };
  }
}

/** Why `sources` no longer describes `files` (changed, added, removed), or null if it does. */
export function describeChanges(sources: readonly SourceStamp[], files: readonly ImageFile[]): string | null {
  const before = new Map(sources.map(([name, bytes, mtimeMs]) => [name, { bytes, mtimeMs }]));
  const changed: string[] = [];
  const added: string[] = [];
  for (const f of files) {
    const old = before.get(f.name);
    if (!old) added.push(f.name);
    else if (old.bytes !== f.bytes || old.mtimeMs !== f.mtimeMs) changed.push(f.name);
    before.delete(f.name);
  }
  const removed = [...before.keys()];
  if (changed.length + added.length + removed.length === 0) {
    // Same set: the order is a sort, so it matches too, but check rather than assume.
    return sources.every(([name], i) => files[i]?.name === name) ? null : 'source order changed';
  }
  const part = (list: string[], what: string) =>
    list.length ? `${list.length} ${what} (${list.slice(0, EXAMPLES_NAMED).join(', ')}${list.length > EXAMPLES_NAMED ? ', ...' : ''})` : '';
  return ['source files changed since the cache was made:', [part(changed, 'changed'), part(added, 'added'), part(removed, 'removed')].filter(Boolean).join('; ')].join(' ');
}

/** Writes pixels, then the index that points at them, then removes this key's older pixels. */
export async function writeImageCache(
  cacheDir: string,
  entry: Omit<ImageCacheIndex, 'format' | 'decoder' | 'pixelsFile' | 'pixelsBytes' | 'createdAt'>,
  pixels: Uint8Array,
): Promise<string> {
  await fs.mkdir(cacheDir, { recursive: true });
  const stem = cacheStem(entry);
  const pixelsFile = `${stem}.${entry.pixelsSha256.slice(0, 16)}.u8`;
  await writeFileAtomic(path.join(cacheDir, pixelsFile), pixels);
  const index: ImageCacheIndex = {
    format: IMAGE_CACHE_FORMAT, decoder: DECODER_VERSION, ...entry,
    pixelsFile, pixelsBytes: pixels.length, createdAt: new Date().toISOString(),
  };
  const indexFile = path.join(cacheDir, `${stem}.json`);
  await writeJsonAtomic(indexFile, index);
  for (const name of await fs.readdir(cacheDir)) {
    if (name.startsWith(`${stem}.`) && name.endsWith('.u8') && name !== pixelsFile) {
      await fs.rm(path.join(cacheDir, name), { force: true });
    }
  }
  return indexFile;
}

/** Reads a file of exactly `expectedBytes` in chunks (fs.readFile stops at 2 GB). */
async function readWhole(file: string, expectedBytes: number): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size !== expectedBytes) throw new Error(`${size} bytes, the index expects ${expectedBytes}`);
    const out = new Uint8Array(size);
    const chunk = 1 << 30;
    for (let offset = 0; offset < size;) {
      const { bytesRead } = await handle.read(out, offset, Math.min(chunk, size - offset), offset);
      if (bytesRead === 0) throw new Error(`ended at byte ${offset} of ${size}`);
      offset += bytesRead;
    }
    return out;
  } finally {
    await handle.close();
  }
}
