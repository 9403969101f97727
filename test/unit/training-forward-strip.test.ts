// forward.json against forward.png: decoded, every tile sits where the index says, is as large
// as it says, and shows the image noised at the t it names; everything between tiles is gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { RUN_FILES, type ForwardStripIndex } from '../../src/shared/runDirectory';
import { Random } from '../../src/trainer/random';
import { unitToByte } from '../../src/trainer/report/images';
import { RunWriter } from '../../src/trainer/run/runWriter';
import { forwardStripTimes } from '../../src/trainer/diffusion/forwardProcess';
import { writeForwardStrip } from '../../src/trainer/training/forwardStrip';
import { tempOut } from '../helpers/tinyRun';

test('forwardStripTimes: count frames floor(T / count) apart from 0', () => {
  assert.deepEqual(forwardStripTimes(300, 10), [0, 30, 60, 90, 120, 150, 180, 210, 240, 270]);
  assert.deepEqual(forwardStripTimes(25, 10), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  assert.deepEqual(forwardStripTimes(4, 4), [0, 1, 2, 3]);
});

for (const [imgSize, T] of [[8, 10], [16, 300], [8, 4], [128, 25]] as const) {
  test(`forward.json describes forward.png exactly (${imgSize} px, T = ${T})`, async (t) => {
    await tf.setBackend('cpu');
    const writer = await RunWriter.create(tempOut(t), 'strip');
    const schedule = makeNoiseSchedule('linear', T, 1e-4, 0.02);
    const n = imgSize * imgSize * 3;
    const image = new Random(3).uniforms(n, -1, 1);
    const seed = 11;
    await writeForwardStrip(writer, schedule, imgSize, image, seed);

    const index = JSON.parse(readFileSync(writer.file(RUN_FILES.forwardStripIndex), 'utf8')) as ForwardStripIndex;
    const count = Math.min(10, T);
    assert.deepEqual(Object.keys(index).sort(), ['columns', 'formatVersion', 't', 'tile', 'gap'].sort());
    assert.equal(index.formatVersion, 1);
    assert.equal(index.t.length, count);
    assert.equal(index.columns, count, 'one row');
    assert.ok(index.tile >= 64 && index.tile % imgSize === 0, `tile ${index.tile}: the image upscaled by a whole factor to at least 64 px`);

    const { data, info } = await sharp(path.join(writer.dir, RUN_FILES.forwardStrip)).raw().toBuffer({ resolveWithObject: true });
    const { tile, gap, columns } = index;
    assert.equal(info.width, columns * tile + (columns + 1) * gap);
    assert.equal(info.height, tile + 2 * gap);
    const channels = info.channels;
    const pixel = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * channels, (y * info.width + x) * channels + 3));

    // Tile i is x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps_i at t = index.t[i], clamped, each eps_i fresh.
    const noise = Random.derive(seed, 'forward-strip').normals(count * n);
    const factor = tile / imgSize;
    const inTile = new Uint8Array(info.width * info.height);
    index.t.forEach((ti, i) => {
      const abar = schedule.alphasCumprod[ti]!;
      const left = gap + (i % columns) * (tile + gap);
      const top = gap + Math.floor(i / columns) * (tile + gap);
      for (let y = 0; y < tile; y++) {
        for (let x = 0; x < tile; x++) {
          inTile[(top + y) * info.width + left + x] = 1;
          const src = (Math.floor(y / factor) * imgSize + Math.floor(x / factor)) * 3;
          const got = pixel(left + x, top + y);
          for (let c = 0; c < 3; c++) {
            const want = unitToByte(Math.max(-1, Math.min(1, Math.sqrt(abar) * image[src + c]! + Math.sqrt(1 - abar) * noise[i * n + src + c]!)));
            if (Math.abs(got[c]! - want) > 1) assert.fail(`tile ${i} (t = ${ti}) pixel ${x},${y} channel ${c}: ${got[c]} != ${want}`);
          }
        }
      }
    });
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (!inTile[y * info.width + x]) assert.deepEqual(pixel(x, y), [255, 255, 255], `gap pixel ${x},${y}`);
      }
    }
  });
}
