// Training throughput per backend, model, image size and batch: a full step (forward,
// both gradients, Adam, BatchNorm running statistics) on random data, as the trainer runs it.
// Run: npm run bench [-- --quick] [-- --backends wasm,cpu] [-- --steps N]
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import { PRESET_CHANNELS, type BackendRequest, type PresetName } from '../src/shared/options';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { makeNoiseSchedule } from '../src/trainer/diffusion/schedules';
import { qSample } from '../src/trainer/diffusion/forwardProcess';
import { forwardFlopsPerImage } from '../src/trainer/model/flops';
import { SimpleUnet } from '../src/trainer/model/simpleUnet';
import { Adam } from '../src/trainer/training/adam';
import { trainStep } from '../src/trainer/training/trainStep';
import { Random } from '../src/trainer/random';

interface Case {
  backend: BackendRequest;
  preset: PresetName;
  imgSize: number;
  batch: number;
  steps: number;
}

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, backends: { type: 'string' }, steps: { type: 'string' } },
});
const backends = (values.backends ?? 'wasm,cpu').split(',') as BackendRequest[];
const stepsOverride = values.steps ? Number(values.steps) : undefined;

function cases(): Case[] {
  const out: Case[] = [];
  for (const backend of backends) {
    if (backend === 'cpu') {
      // Pure JS convolutions: only the small model at 16 px finishes in reasonable time.
      out.push({ backend, preset: 'small', imgSize: 16, batch: 16, steps: 2 });
      continue;
    }
    out.push({ backend, preset: 'small', imgSize: 16, batch: 64, steps: 5 });
    out.push({ backend, preset: 'small', imgSize: 32, batch: 64, steps: 3 });
    if (!values.quick) {
      out.push({ backend, preset: 'small', imgSize: 64, batch: 64, steps: 2 });
      out.push({ backend, preset: 'reference', imgSize: 16, batch: 64, steps: 2 });
      out.push({ backend, preset: 'reference', imgSize: 32, batch: 64, steps: 2 });
    }
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

async function measure(c: Case) {
  const selected = await selectBackend(c.backend);
  const channels = [...PRESET_CHANNELS[c.preset]];
  const model = SimpleUnet.create({ channels, activation: 'relu' }, 0);
  const optimizer = new Adam(model.trainableVariables(), { lr: 1e-4 });
  const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  const rng = new Random(1);
  const shape: [number, number, number, number] = [c.batch, c.imgSize, c.imgSize, 3];
  const n = c.batch * c.imgSize * c.imgSize * 3;
  const x0 = rng.uniforms(n, -1, 1);
  const step = () => {
    const t = Int32Array.from({ length: c.batch }, () => rng.int(300));
    const noiseValues = rng.normals(n);
    return tf.tidy(() => {
      const noise = tf.tensor4d(noiseValues, shape);
      const xt = qSample(schedule, tf.tensor4d(x0, shape), t, noise);
      return trainStep(model, optimizer, xt, tf.tensor1d(Float32Array.from(t)), noise, 'l1', { huberDelta: 1 });
    });
  };
  step(); // warm-up: kernel setup, first allocations
  const times: number[] = [];
  for (let i = 0; i < (stepsOverride ?? c.steps); i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  model.dispose();
  optimizer.dispose();
  const ms = median(times);
  const imagesPerSec = (c.batch * 1000) / ms;
  const trainGflopPerImage = (3 * forwardFlopsPerImage(channels, c.imgSize)) / 1e9;
  return { backend: selected.backend, ms, imagesPerSec, gflops: imagesPerSec * trainGflopPerImage, rssMiB: process.memoryUsage().rss / 2 ** 20 };
}

async function main(): Promise<void> {
  const header = ['backend', 'model', 'px', 'batch', 'ms/step', 'images/s', 'GFLOP/s', 'RSS MiB'];
  const rows: string[][] = [];
  console.log('training step = forward + backward + Adam; GFLOP/s counts 3x the forward FLOPs (as bench/reference_torch.py does)');
  for (const c of cases()) {
    const r = await measure(c);
    const row = [r.backend, c.preset, String(c.imgSize), String(c.batch), r.ms.toFixed(0), r.imagesPerSec.toFixed(1), r.gflops.toFixed(1), r.rssMiB.toFixed(0)];
    rows.push(row);
    console.log(row.join('\t'));
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log('\n' + header.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const r of rows) console.log(r.map((v, i) => v.padStart(widths[i]!)).join('  '));
}

void main();
