// Decode and cache throughput: generates a folder of JPEGs like Stanford Cars' (500 x 300),
// loads it uncached (decode + write cache) and cached at 32 and 64 px, then times a cached
// load at the full Stanford Cars size (16,185 + 8,054 files at 64 px) by hard-linking the
// generated files into that layout and writing a cache entry for it directly.
//
//   node --import tsx bench/decode.ts [--images 2000] [--concurrency N] [--keep]
import { linkSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { imageByteLength } from '../src/trainer/data/dataset';
import { findImages } from '../src/trainer/data/findImages';
import { sha256Hex, writeImageCache } from '../src/trainer/data/imageCache';
import { loadImageFolder } from '../src/trainer/data/imageFolderDataset';

const STANFORD_TRAIN = 16_185;
const STANFORD_TEST = 8_054;

/** A picture with smooth areas, edges and texture, so the JPEG is not trivially small. */
function scene(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let s = (seed * 2654435761) >>> 0;
  const cx = (seed * 37) % width;
  const cy = height * 0.6;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const inside = ((x - cx) / (width * 0.3)) ** 2 + ((y - cy) / (height * 0.2)) ** 2 < 1;
      const o = (y * width + x) * 3;
      const grain = (s >>> 27) - 16;
      data[o] = (inside ? 180 + (seed % 60) : (y * 200) / height) + grain;
      data[o + 1] = (inside ? 40 : 120 + (x * 100) / width) + grain;
      data[o + 2] = (inside ? 60 : 220 - (y * 120) / height) + grain;
    }
  }
  return data;
}

async function generate(dir: string, count: number): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const file = path.join(dir, `${String(i + 1).padStart(5, '0')}.jpg`);
      await sharp(scene(500, 300, i), { raw: { width: 500, height: 300, channels: 3 } }).jpeg({ quality: 85 }).toFile(file);
      bytes += statSync(file).size;
    }
  };
  await Promise.all(Array.from({ length: 2 * availableParallelism() }, worker));
  return bytes;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')} img/s`;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '2000' }, concurrency: { type: 'string' }, keep: { type: 'boolean', default: false } } });
  const count = Number(values.images);
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  const work = mkdtempSync(path.join(tmpdir(), 'diffusion-lab-bench-decode-'));
  try {
    console.log(`sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, ${availableParallelism()} cores, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}`);
    const images = path.join(work, 'images');
    let t = performance.now();
    const bytes = await generate(images, count);
    console.log(`generated ${count} JPEGs of 500x300 px (${(bytes / 1e6).toFixed(1)} MB) in ${seconds(performance.now() - t)}`);

    for (const imgSize of [32, 64]) {
      const cacheDir = path.join(work, `cache-${imgSize}`);
      t = performance.now();
      const first = await loadImageFolder({ path: images, imgSize, cacheDir, ...(concurrency ? { concurrency } : {}) });
      const uncached = performance.now() - t;
      t = performance.now();
      const second = await loadImageFolder({ path: images, imgSize, cacheDir });
      const cached = performance.now() - t;
      if (second.report.cache !== 'hit' || second.fingerprint !== first.fingerprint) throw new Error('second load missed the cache');
      console.log(`${imgSize} px: uncached ${seconds(uncached)} = ${rate(count, uncached)} (decode + cache write); ` +
        `cached ${seconds(cached)} = ${rate(count, cached)}`);
    }

    // The full Stanford Cars at 64 px: the real file count and layout, pixels of the real size.
    const cars = path.join(work, 'stanford_cars');
    t = performance.now();
    for (const [split, n] of [['cars_train', STANFORD_TRAIN], ['cars_test', STANFORD_TEST]] as const) {
      mkdirSync(path.join(cars, split), { recursive: true });
      for (let i = 0; i < n; i++) linkSync(path.join(images, `${String((i % count) + 1).padStart(5, '0')}.jpg`), path.join(cars, split, `${String(i + 1).padStart(5, '0')}.jpg`));
    }
    const total = STANFORD_TRAIN + STANFORD_TEST;
    const listing = await findImages(cars);
    const pixels = new Uint8Array(total * imageByteLength(64));
    for (let i = 0; i < pixels.length; i += 4096) pixels[i] = i & 255;
    const cacheDir = path.join(work, 'cache-stanford');
    await writeImageCache(cacheDir, {
      root: listing.root, layout: listing.layout, split: 'all', imgSize: 64, fit: 'fill', pixelsSha256: sha256Hex(pixels),
      sources: listing.files.map((f) => [f.name, f.bytes, f.mtimeMs]), kept: listing.files.map((_, i) => i), skipped: [], enlarged: 0,
    }, pixels);
    console.log(`laid out ${total.toLocaleString('en')} files as stanford_cars/ with a 64 px cache entry (${(pixels.length / 1e6).toFixed(0)} MB) in ${seconds(performance.now() - t)}`);
    for (let run = 1; run <= 3; run++) {
      t = performance.now();
      const full = await loadImageFolder({ path: cars, imgSize: 64, cacheDir });
      const ms = performance.now() - t;
      if (full.report.cache !== 'hit' || full.count !== total) throw new Error(`full-size load missed the cache: ${full.report.cacheNote}`);
      // The parts: listing + one stat per file, and what merely owning that much fresh memory costs here.
      t = performance.now();
      await findImages(cars);
      const listMs = performance.now() - t;
      t = performance.now();
      new Uint8Array(pixels.length).fill(1);
      const touchMs = performance.now() - t;
      console.log(`full Stanford Cars (${total.toLocaleString('en')} images) at 64 px, cached load #${run}: ${seconds(ms)} = ${rate(total, ms)} (goal < 1 s); ` +
        `of which listing + stat ~${seconds(listMs)}; filling a fresh ${(pixels.length / 1e6).toFixed(0)} MB buffer alone takes ${seconds(touchMs)} on this machine`);
    }
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
