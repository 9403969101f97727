// Image files for the data tests, made with sharp in a temporary folder.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';

/** A fresh temporary folder, removed when the test ends. */
export function tempFolder(t: { after(fn: () => void): void }, label = 'data'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `diffusion-lab-${label}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Random-looking but deterministic RGB content, so JPEG decoding does real work. */
export function noisyRgb(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let s = seed * 2654435761 >>> 0;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const o = (y * width + x) * 3;
    data[o] = (x * 255) / width + (s & 31);
    data[o + 1] = (y * 255) / height + ((s >>> 8) & 31);
    data[o + 2] = ((x + y + seed * 17) * 3) & 255;
  }
  return data;
}

export type FixtureFormat = 'jpeg' | 'png' | 'webp';

/** Writes a noisy RGB image of `width` x `height` in `format`, creating folders on the way. */
export async function writeImage(file: string, width: number, height: number, seed: number, format: FixtureFormat = 'jpeg'): Promise<string> {
  mkdirSync(path.dirname(file), { recursive: true });
  await sharp(noisyRgb(width, height, seed), { raw: { width, height, channels: 3 } }).toFormat(format).toFile(file);
  return file;
}

/** A JPEG cut off part-way through its pixel data. */
export async function writeTruncatedJpeg(file: string): Promise<void> {
  const whole = await sharp(noisyRgb(200, 150, 7), { raw: { width: 200, height: 150, channels: 3 } }).jpeg().toBuffer();
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.6)));
}
