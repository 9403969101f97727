// Per-kernel time of one training step, for finding what dominates a step. Run:
//   node --import tsx bench/profile.ts [--preset small] [--size 16] [--batch 64] [--backend wasm]
//                                      [--clock cpu|wall] [--inner]
// --clock wall: wall time per kernel (what threads shorten; CPU time counts every thread).
// --inner: kernels called inside kernels (e.g. the BatchMatMul of the filter gradient)
// listed apart as Outer>Inner, the outer kernel keeping only its own (JavaScript) time.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { PRESET_CHANNELS, type BackendRequest, type PresetName } from '../src/shared/options';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { makeNoiseSchedule } from '../src/shared/noiseSchedules';
import { qSample } from '../src/trainer/diffusion/forwardProcess';
import { SimpleUnet } from '../src/trainer/model/simpleUnet';
import { Adam } from '../src/trainer/training/adam';
import { readScalar, trainStep } from '../src/trainer/training/trainStep';
import { Random } from '../src/trainer/random';

const { values } = parseArgs({
  options: {
    preset: { type: 'string' }, size: { type: 'string' }, batch: { type: 'string' }, backend: { type: 'string' }, steps: { type: 'string' },
    clock: { type: 'string' }, inner: { type: 'boolean' },
  },
});
const preset = (values.preset ?? 'small') as PresetName;
const size = Number(values.size ?? 16);
const batch = Number(values.batch ?? 64);

async function main(): Promise<void> {
  const selected = await selectBackend((values.backend ?? 'wasm') as BackendRequest);
  const model = SimpleUnet.create({ channels: [...PRESET_CHANNELS[preset]], activation: 'relu' }, 0);
  const optimizer = new Adam(model.trainableVariables());
  const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  const rng = new Random(1);
  const shape: [number, number, number, number] = [batch, size, size, 3];
  const n = batch * size * size * 3;
  const x0 = rng.uniforms(n, -1, 1);
  const step = () => {
    const t = Int32Array.from({ length: batch }, () => rng.int(300));
    const noiseValues = rng.normals(n);
    return readScalar(tf.tidy(() => {
      const noise = tf.tensor4d(noiseValues, shape);
      const xt = qSample(schedule, tf.tensor4d(x0, shape), t, noise);
      return trainStep(model, optimizer, xt, tf.tensor1d(Float32Array.from(t)), noise, 'l1', { huberDelta: 1 });
    }));
  };
  await step();
  // CPU time (this process, all threads) or wall time per kernel: on a shared machine wall
  // time mostly measures the other processes. Kernels called from inside kernels count to
  // the outer one, unless --inner.
  const byKernel = new Map<string, { ms: number; calls: number }>();
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const clock = values.clock === 'wall' ? () => performance.now() : cpuMs;
  const stack: { name: string; t0: number; inner: number }[] = [];
  for (const config of tf.getKernelsForBackend(tf.getBackend())) {
    const kernel = config.kernelFunc;
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      if (stack.length > 0 && !values.inner) return kernel(args);
      const name = stack.length > 0 ? `${stack[stack.length - 1]!.name.split('>')[0]}>${config.kernelName}` : config.kernelName;
      const frame = { name, t0: clock(), inner: 0 };
      stack.push(frame);
      try {
        return kernel(args);
      } finally {
        stack.pop();
        const total = clock() - frame.t0;
        if (stack.length > 0) stack[stack.length - 1]!.inner += total;
        const e = byKernel.get(name) ?? { ms: 0, calls: 0 };
        e.ms += total - frame.inner;
        e.calls++;
        byKernel.set(name, e);
      }
    };
  }
  const steps = Number(values.steps ?? 2);
  byKernel.clear(); // the warm-up step's calls
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  for (let i = 0; i < steps; i++) await step();
  const cpuTotal = (cpuMs() - cpu0) / steps;
  const wall = (performance.now() - wall0) / steps;
  const total = values.clock === 'wall' ? wall : cpuTotal;
  const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
  const kernelSum = rows.reduce((s, [, e]) => s + e.ms, 0) / steps;
  console.log(`${selected.detail}; ${preset} ${size}px batch ${batch}; load ${loadavg()[0]!.toFixed(1)}; ${values.clock === 'wall' ? 'wall' : 'cpu'} time per step, mean of ${steps}`);
  console.log(`step: cpu ${cpuTotal.toFixed(0)} ms (wall ${wall.toFixed(0)}); in kernels ${kernelSum.toFixed(0)} ms; outside ${(total - kernelSum).toFixed(0)} ms`);
  for (const [name, e] of rows.slice(0, 30)) {
    console.log(`${name.padEnd(40)} ${(e.ms / steps).toFixed(0).padStart(7)} ms ${(100 * e.ms / steps / total).toFixed(1).padStart(5)}% ${String(e.calls / steps).padStart(5)}x`);
  }
  model.dispose();
  optimizer.dispose();
}
void main();
