// GFLOP/s of the convolution kernels a training step runs, on the wasm backend, at the
// reference U-Net's shapes: forward conv, this project's filter and input gradients, and
// wasm's own input gradient (the one replaced) for comparison.
//
//   node --import tsx bench/kernels.ts [--batch 64] [--repeats 3]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/trainer/backend/selectBackend';
import { builtinWasmConv2DBackpropInput } from '../src/trainer/backend/wasm/wasmTrainingKernels';

type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

interface ConvShape {
  label: string;
  size: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: 'same' | ExplicitPad;
}

const PAD1: ExplicitPad = [[0, 0], [1, 1], [1, 1], [0, 0]];
const SHAPES: ConvShape[] = [
  { label: '32x32x64->64 3x3', size: 32, inChannels: 64, outChannels: 64, kernel: 3, stride: 1, pad: PAD1 },
  { label: '16x16x128->128 4x4 s2', size: 16, inChannels: 128, outChannels: 128, kernel: 4, stride: 2, pad: PAD1 },
  { label: '8x8x256->256 3x3', size: 8, inChannels: 256, outChannels: 256, kernel: 3, stride: 1, pad: PAD1 },
  { label: '4x4x512->512 3x3', size: 4, inChannels: 512, outChannels: 512, kernel: 3, stride: 1, pad: PAD1 },
];

const { values } = parseArgs({ options: { batch: { type: 'string', default: '64' }, repeats: { type: 'string', default: '3' } } });
const batch = Number(values.batch);
const repeats = Number(values.repeats);

/** Median wall time in ms of `run`, after one warm-up (which also builds XNNPACK operators). */
function medianMs(run: () => tf.Tensor): number {
  run().dispose();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const out = run();
    out.dataSync();
    times.push(performance.now() - t0);
    out.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const selected = await selectBackend('wasm');
  const builtin = builtinWasmConv2DBackpropInput();
  if (builtin === undefined) throw new Error("wasm's own Conv2DBackpropInput was not captured");
  // It was unregistered before the backend started, so its setup (binding the C++
  // function) never ran.
  builtin.setupFunc?.(tf.backend());
  // Single-threaded wasm shares the cores with whatever else runs: print the load beside the figures.
  console.log(`backend: ${selected.detail}; batch ${batch}; median of ${repeats}; load average ${loadavg()[0]!.toFixed(1)}`);
  const header = ['shape', 'GFLOP', 'forward', 'filter grad', 'input grad', "wasm's input grad"];
  const rows: string[][] = [];
  for (const s of SHAPES) {
    const x = tf.randomNormal([batch, s.size, s.size, s.inChannels]) as tf.Tensor4D;
    const w = tf.randomNormal([s.kernel, s.kernel, s.inChannels, s.outChannels]) as tf.Tensor4D;
    const dy = tf.tidy(() => tf.conv2d(x, w, s.stride, s.pad));
    // Same multiply-adds for all three: one per (output pixel, tap, in channel, out channel).
    const flops = 2 * dy.size * s.kernel * s.kernel * s.inChannels;
    const attrs = { strides: s.stride, pad: s.pad, dataFormat: 'NHWC' } as unknown as NamedAttrMap;
    const ours = getKernel('Conv2DBackpropInput', 'wasm')!;
    const theirs = () => {
      const info = builtin.kernelFunc({ inputs: { dy, filter: w }, attrs: { ...attrs, inputShape: x.shape }, backend: tf.backend() });
      return tf.engine().makeTensorFromTensorInfo(info as tf.TensorInfo);
    };
    const gflops = (ms: number) => `${(flops / ms / 1e6).toFixed(1)} (${ms.toFixed(0)} ms)`;
    rows.push([
      s.label,
      (flops / 1e9).toFixed(2),
      gflops(medianMs(() => tf.conv2d(x, w, s.stride, s.pad))),
      gflops(medianMs(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }) as tf.Tensor)),
      gflops(medianMs(() => tf.engine().runKernel(ours.kernelName, { dy, filter: w }, { ...attrs, inputShape: x.shape }) as tf.Tensor)),
      gflops(medianMs(theirs)),
    ]);
    tf.dispose([x, w, dy]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log('GFLOP/s (median time) per kernel call');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
