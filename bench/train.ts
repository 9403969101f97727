// Training throughput per backend, model, image size and batch: a full step (forward,
// both gradients, Adam, BatchNorm running statistics) on random data, as the trainer runs
// it; beside it, in the same command, the model's forward convolutions alone on the same
// shapes and the PyTorch reference (../shared/bench/reference_torch.py) when python3-torch is
// installed. Also sampling (DDPM T=300, DDIM 50 steps) and memory (peak RSS; growth over a
// long run).
//
//   npm run bench [-- --quick] [-- --backends wasm,cpu,webgpu,tensorflow] [-- --steps N] [-- --no-torch]
//                 [-- --sample] [-- --memory-steps 1000] [-- --only train|sample|memory]
//                 [-- --cases small:16,reference:32:64,8-16:8:4] [-- --threads 1,2]
//                 [-- --sample-case reference:32:16] [-- --sample-T 300] [-- --torch-device cuda]
//                 [-- --require-gpu]
//
// A case is model:px[:batch]; the model a preset name or the channel widths joined by '-'
// (8-16: a narrow U-Net for a software GPU). --sample-case model:px:images is what sampling
// runs (default small:32:16), with a schedule of --sample-T steps (default 300): DDPM runs T
// model calls, DDIM min(50, T).
//
// GPU backends (webgpu, and tensorflow on a CUDA device): each step and each sampler ends
// with an asynchronous read (`await data()`; webgpu has no synchronous one in Node), so its
// wall time includes the GPU's work; the adapter is printed with each row. --require-gpu
// refuses a software adapter (SwiftShader) and a tensorflow backend on the CPU: exit 3.
// --torch-device cuda: the PyTorch reference on the GPU (bench/reference_torch_cuda.py runs
// the same reference_torch.py's model on CUDA), beside the GPU backends instead of wasm;
// its python is DIFFUSION_TORCH_PYTHON (default /usr/bin/python3).
//
// --threads 1,2: the wasm figures once per thread count, each in a fresh child process
// (the wasm module starts once per process, with DIFFUSION_LAB_WASM_THREADS=N), side by
// side with a "vs 1 thread" column; PyTorch once per case. Without it, one process with
// the trainer's default (every core).
//
// The machine may be shared: every figure is printed with the load average, and times are
// given both as wall clock and as this process's CPU time (all its threads: with one
// thread, CPU time is the wall time it would take on an idle core). Ratios are taken
// within one run.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PRESET_CHANNELS, type BackendRequest, type PresetName } from '../src/shared/options';
import { selectBackend, type SelectedBackend } from '../src/trainer/backend/selectBackend';
import { setUnpackedWeightsMode } from '../src/trainer/backend/wasm/conv2dUnpackedWeights';
import { WASM_THREADS_ENV } from '../src/trainer/backend/wasm/wasmThreads';
import { makeNoiseSchedule } from '../src/shared/noiseSchedules';
import { qSample } from '../src/trainer/diffusion/forwardProcess';
import { ddimSample, ddpmSample } from '../src/trainer/diffusion/samplers';
import { forwardFlopsBreakdown, forwardFlopsPerImage } from '../src/trainer/model/flops';
import { simpleUnetLayers } from '../src/trainer/model/parameters';
import { SimpleUnet } from '../src/trainer/model/simpleUnet';
import { Adam } from '../src/trainer/training/adam';
import { readScalar, trainStep } from '../src/trainer/training/trainStep';
import { Random } from '../src/trainer/random';

interface Case {
  backend: BackendRequest;
  /** A preset name, or channel widths joined by '-'. */
  preset: string;
  imgSize: number;
  batch: number;
  steps: number;
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    backends: { type: 'string' },
    steps: { type: 'string' },
    'no-torch': { type: 'boolean' },
    sample: { type: 'boolean' },
    'memory-steps': { type: 'string' },
    only: { type: 'string' },
    cases: { type: 'string' },
    threads: { type: 'string' },
    'sample-case': { type: 'string' },
    'sample-T': { type: 'string' },
    'torch-device': { type: 'string' },
    'require-gpu': { type: 'boolean' },
    // Internal: a child of --threads, printing its results as JSON lines.
    child: { type: 'boolean' },
  },
});
const threadCounts = values.threads?.split(',').map(Number);
if (threadCounts?.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--threads: positive integers, got ${values.threads}`);
const isChild = values.child === true;
const backends = (values.backends ?? 'wasm,cpu').split(',') as BackendRequest[];
const stepsOverride = values.steps ? Number(values.steps) : undefined;
const only = values.only;
const torchDevice = values['torch-device'] ?? 'cpu';
if (torchDevice !== 'cpu' && torchDevice !== 'cuda') throw new Error(`--torch-device: cpu or cuda, got ${torchDevice}`);
const sampleT = values['sample-T'] ? Number(values['sample-T']) : 300;
if (!Number.isInteger(sampleT) || sampleT < 1) throw new Error(`--sample-T: a positive integer, got ${values['sample-T']}`);

/** A preset's channels, or widths joined by '-' (e.g. 8-16). */
function channelsOf(model: string): number[] {
  if (model in PRESET_CHANNELS) return [...PRESET_CHANNELS[model as PresetName]];
  const widths = model.split('-').map(Number);
  if (widths.length < 2 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error(`model "${model}": a preset (${Object.keys(PRESET_CHANNELS).join(', ')}) or at least two widths joined by '-'`);
  }
  return widths;
}

/** The sampling case: model, image size and image count (--sample-case, default small:32:16). */
function sampleCase(): { model: string; imgSize: number; count: number } {
  const [model, px, count] = (values['sample-case'] ?? 'small:32:16').split(':');
  const out = { model: model!, imgSize: Number(px ?? 32), count: Number(count ?? 16) };
  channelsOf(out.model);
  return out;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load = (): string => loadavg()[0]!.toFixed(1);

/** The machine's busy CPU time so far (all processes, all cores; /proc/stat), ms; undefined off Linux. */
function machineBusyMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields as number[];
    return ((user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 1000) / 100; // USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** Cores' worth of CPU other processes used while `run` ran (0 = we had the machine to ourselves). */
async function othersCores<T>(run: () => Promise<T>): Promise<{ result: T; others: number }> {
  const busy0 = machineBusyMs();
  const c0 = cpuMs();
  const w0 = performance.now();
  const result = await run();
  const busy1 = machineBusyMs();
  const others = busy0 === undefined || busy1 === undefined ? NaN : Math.max(0, busy1 - busy0 - (cpuMs() - c0)) / (performance.now() - w0);
  return { result, others };
}

/** Peak RSS of this process so far, MiB (getrusage's maxrss). */
const peakRssMiB = (): number => process.resourceUsage().maxRSS / 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function cases(): Case[] {
  if (values.cases) {
    // e.g. --cases small:16,reference:32:32 (model:px[:batch]; batch 64, 3 timed steps unless --steps)
    return backends.flatMap((backend) =>
      values.cases!.split(',').map((c) => {
        const [preset, px, batch] = c.split(':');
        channelsOf(preset!);
        return { backend, preset: preset!, imgSize: Number(px), batch: batch ? Number(batch) : 64, steps: 3 };
      }),
    );
  }
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

// ---------------------------------------------------------------- the PyTorch reference

const TORCH_ENV = {
  // Debian's torch links the reference BLAS; OpenBLAS as ../shared/bench/README.md says.
  LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
  OPENBLAS_CORETYPE: 'SkylakeX',
};

function torchScript(): string | undefined {
  const candidates = [process.env.DIFFUSION_TORCH_REFERENCE, resolve(__dirname, '../../shared/bench/reference_torch.py'), '/work/shared/bench/reference_torch.py'];
  return candidates.find((p): p is string => p !== undefined && existsSync(p));
}

const torchPython = (): string => process.env.DIFFUSION_TORCH_PYTHON || '/usr/bin/python3';
/** reference_torch.py's model, schedule and sampler on a CUDA device. */
const TORCH_CUDA_SCRIPT = resolve(__dirname, 'reference_torch_cuda.py');

let torchAvailable: boolean | undefined;
function hasTorch(): boolean {
  if (values['no-torch']) return false;
  if (torchAvailable === undefined) {
    const check = torchDevice === 'cuda' ? 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)' : 'import torch';
    const r = spawnSync(torchPython(), ['-c', check], { encoding: 'utf8' });
    torchAvailable = r.status === 0 && torchScript() !== undefined;
    if (!torchAvailable) {
      const what = torchDevice === 'cuda' ? `torch with CUDA (${torchPython()})` : 'python3-torch';
      console.log(`(PyTorch reference skipped: ${what} or reference_torch.py not found; DIFFUSION_TORCH_REFERENCE names the script)`);
    }
  }
  return torchAvailable;
}

/** Runs reference_torch.py (on CUDA: through reference_torch_cuda.py) and returns its JSON record (undefined if it failed). */
function runTorch(args: string[]): Record<string, number> | undefined {
  if (!hasTorch()) return undefined;
  const r = torchDevice === 'cuda'
    ? spawnSync(torchPython(), [TORCH_CUDA_SCRIPT, torchScript()!, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
    : spawnSync(torchPython(), [torchScript()!, ...args, '--threads', '2'], {
      encoding: 'utf8',
      env: { ...process.env, ...TORCH_ENV, LD_LIBRARY_PATH: [TORCH_ENV.LD_LIBRARY_PATH, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
      maxBuffer: 1 << 24,
    });
  const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
  if (r.status !== 0 || !line) {
    console.log(`(PyTorch ${args.join(' ')} failed: ${r.stderr.trim().split('\n').pop() ?? r.status})`);
    return undefined;
  }
  return JSON.parse(line.slice(5)) as Record<string, number>;
}

// ---------------------------------------------------------------- training

function makeStep(model: SimpleUnet, optimizer: Adam, c: Case, rng: Random): () => Promise<number> {
  const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  const shape: [number, number, number, number] = [c.batch, c.imgSize, c.imgSize, 3];
  const n = c.batch * c.imgSize * c.imgSize * 3;
  const x0 = rng.uniforms(n, -1, 1);
  return () => {
    const t = Int32Array.from({ length: c.batch }, () => rng.int(300));
    const noiseValues = rng.normals(n);
    return readScalar(tf.tidy(() => {
      const noise = tf.tensor4d(noiseValues, shape);
      const xt = qSample(schedule, tf.tensor4d(x0, shape), t, noise);
      return trainStep(model, optimizer, xt, tf.tensor1d(Float32Array.from(t)), noise, 'l1', { huberDelta: 1 });
    }));
  };
}

/**
 * The model's convolutions and transposed convolutions alone, forward, at the step's
 * shapes: the rate a step would reach if its backward and Adam ran as fast as the forward
 * convolutions (target 1 asks for >= 0.6 of it). Measured on the wasm backend's own XNNPACK
 * convolution with the same filters every call (operators and packed weights cached), not on
 * the unpacked-weights GEMM the step uses for wide layers: the bar stays what it was.
 */
async function forwardConvolutions(channels: number[], imgSize: number, batch: number): Promise<{ wallMs: number; cpuMs: number; gflop: number }> {
  const layers = simpleUnetLayers(channels).filter((l) => l.kind === 'conv' || l.kind === 'convTranspose');
  const inputs = layers.map((l) => {
    const size = imgSize / l.inputDownscale;
    const x = tf.randomNormal([batch, size, size, l.inChannels]) as tf.Tensor4D;
    const w = (l.kind === 'conv'
      ? tf.randomNormal([l.kernel, l.kernel, l.inChannels, l.outChannels])
      : tf.randomNormal([l.kernel, l.kernel, l.outChannels, l.inChannels])) as tf.Tensor4D;
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [l.padding, l.padding], [l.padding, l.padding], [0, 0]];
    const run = () =>
      l.kind === 'conv'
        ? tf.conv2d(x, w, l.stride, pad)
        : tf.conv2dTranspose(x, w, [batch, size * 2, size * 2, l.outChannels], 2, pad);
    return { x, w, run };
  });
  const once = async () => {
    const w0 = performance.now();
    const c0 = cpuMs();
    for (const i of inputs) {
      const y = i.run();
      await y.data(); // asynchronous: also the read a GPU backend can do
      y.dispose();
    }
    return { wallMs: performance.now() - w0, cpuMs: cpuMs() - c0 };
  };
  const previousMode = setUnpackedWeightsMode('never');
  await once(); // warm-up (XNNPACK operators)
  // The fastest of five: a pass takes well under a second, so one disturbed pass would
  // move a median of three; the fastest is also the stricter bar.
  const runs = [await once(), await once(), await once(), await once(), await once()];
  setUnpackedWeightsMode(previousMode);
  for (const i of inputs) tf.dispose([i.x, i.w]);
  const f = forwardFlopsBreakdown(channels, imgSize);
  return { wallMs: Math.min(...runs.map((r) => r.wallMs)), cpuMs: Math.min(...runs.map((r) => r.cpuMs)), gflop: ((f.conv + f.convTranspose) * batch) / 1e9 };
}

interface TrainResult {
  /** Fastest step: on a shared machine, the closest to an idle one. */
  bestWallMs: number;
  /** Cores' worth of CPU time other processes took during the timed steps. */
  others: number;
  backend: string;
  /** The GPU it ran on (webgpu: the adapter), '-' on the CPU. */
  device: string;
  /** XNNPACK threads (wasm), else 1. */
  threads: number;
  wallMs: number;
  cpuMs: number;
  imagesPerSec: number;
  gflops: number;
  cpuGflops: number;
  convCpuGflops: number;
  torchImagesPerSec?: number;
  /** Peak memory the backend reports, MiB, and where the figure comes from (memorySource). */
  peakMemMiB: number;
  memSource: string;
  peakRss: number;
  load: string;
}

/** The backend a case asks for, or why it is left out (a printed line; the run goes on). */
async function startCaseBackend(request: BackendRequest): Promise<SelectedBackend | string> {
  let selected: SelectedBackend;
  try {
    selected = await selectBackend(request);
  } catch (err) {
    return `${request}: ${(err as Error).message.split('\n', 1)[0]}`;
  }
  if (values['require-gpu']) {
    if (selected.gpuAdapter?.software) return `${request}: only a software adapter (${selected.gpu}); --require-gpu refuses it`;
    if (!selected.gpu) return `${request}: runs on the CPU here (${selected.detail}); --require-gpu refuses it`;
  }
  return selected;
}

const printedDetail = new Set<string>();
function printBackendDetail(selected: SelectedBackend): void {
  if (printedDetail.has(selected.detail)) return;
  printedDetail.add(selected.detail);
  console.log(`backend ${selected.backend}: ${selected.detail}`);
}

/** Throws the device's fault (lost device, out of memory), naming the case. */
function checkFault(selected: SelectedBackend, what: string): void {
  const fault = selected.fault?.();
  if (fault) throw new Error(`${what} on ${selected.backend}: ${fault.message}`);
}

/**
 * webgpu: the bytes of GPU buffers tfjs holds (numBytesAllocatedInGPU: live tensors and its
 * reuse pool, which never shrinks, so this is the high-water mark of the process). Elsewhere
 * the peak of tfjs's tensor bytes within one step, from tf.profile (for tensorflow on a GPU:
 * what tfjs asked for, not the TensorFlow allocator's own reserve).
 */
async function peakMemory<T>(run: () => Promise<T>): Promise<{ result: T; mib: number; source: string }> {
  if (tf.getBackend() === 'webgpu') {
    const result = await run();
    const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number; numBytesInGPU?: number };
    return { result, mib: (m.numBytesAllocatedInGPU ?? m.numBytesInGPU ?? m.numBytes) / 2 ** 20, source: 'GPU buffers' };
  }
  let result: T | undefined;
  const info = await tf.profile(async () => {
    result = await run();
  });
  return { result: result!, mib: info.peakBytes / 2 ** 20, source: 'tensors' };
}

async function measureTraining(c: Case, selected: SelectedBackend): Promise<TrainResult> {
  const channels = channelsOf(c.preset);
  const model = SimpleUnet.create({ channels, activation: 'relu' }, 0);
  const optimizer = new Adam(model.trainableVariables(), { lr: 1e-4 });
  const step = makeStep(model, optimizer, c, new Random(1));
  const isWebgpu = selected.backend === 'webgpu';
  // Warm-up: kernel setup (shader compilation on webgpu), first allocations; on the
  // backends but webgpu, under tf.profile for the peak tensor bytes of a step.
  const warm = await peakMemory(step);
  checkFault(selected, `${c.preset} ${c.imgSize} px batch ${c.batch}, warm-up step`);
  const wall: number[] = [];
  const cpu: number[] = [];
  const { others } = await othersCores(async () => {
    for (let i = 0; i < (stepsOverride ?? c.steps); i++) {
      const w0 = performance.now();
      const c0 = cpuMs();
      await step();
      cpu.push(cpuMs() - c0);
      wall.push(performance.now() - w0);
    }
  });
  checkFault(selected, `${c.preset} ${c.imgSize} px batch ${c.batch}`);
  const mem = isWebgpu ? await peakMemory(async () => undefined) : warm;
  model.dispose();
  optimizer.dispose();
  // The forward-convolution bar is in CPU time: on a GPU that says nothing, so it is left out there.
  const conv = c.backend === 'cpu' || selected.gpu !== undefined ? undefined : await forwardConvolutions(channels, c.imgSize, c.batch);
  const trainGflop = (3 * forwardFlopsPerImage(channels, c.imgSize) * c.batch) / 1e9;
  const wallMs = median(wall);
  const cpuMsStep = median(cpu);
  // PyTorch on the CPU sits beside wasm; on CUDA, beside the GPU backends.
  const torch = (torchDevice === 'cuda' ? selected.gpu !== undefined && !selected.gpuAdapter?.software : selected.backend === 'wasm') ? torchTraining(c) : undefined;
  return {
    bestWallMs: Math.min(...wall),
    others,
    backend: selected.backend,
    device: deviceLabel(selected.gpu),
    threads: selected.backend === 'wasm' ? getThreadsCount() : 1,
    wallMs,
    cpuMs: cpuMsStep,
    imagesPerSec: (c.batch * 1000) / wallMs,
    gflops: (trainGflop * 1000) / wallMs,
    cpuGflops: (trainGflop * 1000) / cpuMsStep,
    convCpuGflops: conv ? (conv.gflop * 1000) / conv.cpuMs : NaN,
    ...(torch ? { torchImagesPerSec: torch.img_per_s } : {}),
    peakMemMiB: mem.mib,
    memSource: mem.source,
    peakRss: peakRssMiB(),
    load: load(),
  };
}

const torchRuns = new Map<string, Record<string, number> | undefined>();
function torchTraining(c: Case): Record<string, number> | undefined {
  const channels = channelsOf(c.preset);
  const args = ['train', '--img-size', String(c.imgSize), '--batch-size', String(c.batch), '--steps', torchDevice === 'cuda' ? '10' : '3', '--channels', channels.join(',')];
  const key = args.join(' ');
  if (!torchRuns.has(key)) torchRuns.set(key, runTorch(args));
  return torchRuns.get(key);
}

/** Runs this script again with DIFFUSION_LAB_WASM_THREADS=threads and `--child`; returns its JSON lines. */
function inChild(threads: number, args: string[]): unknown[] {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', '--no-torch', ...args], {
    encoding: 'utf8',
    env: { ...process.env, [WASM_THREADS_ENV]: String(threads) },
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('JSON '));
  if (r.status !== 0 || lines.length === 0) throw new Error(`bench child (${threads} threads, ${args.join(' ')}) failed with ${r.status}:\n${r.stdout}`);
  return lines.map((l) => JSON.parse(l.slice(5)) as unknown);
}

/** GFLOP/s: one decimal, three below 1 (a software adapter's figures). */
const gf = (x: number): string => (x < 1 ? x.toFixed(3) : x.toFixed(1));
/** The device column: the adapter's name, a software one marked short. */
const deviceLabel = (gpu: string | undefined): string => (gpu ?? '-').replace(/ \(software adapter[^)]*\)/, ' (software)');

function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(`\n${title}`);
  console.log(header.map((h, i) => h.padStart(widths[i]!)).join('  '));
  for (const r of rows) console.log(r.map((v, i) => v.padStart(widths[i]!)).join('  '));
}

async function training(): Promise<void> {
  console.log('training step = forward + backward + Adam; GFLOP/s counts 3x the forward FLOPs (as reference_torch.py does)');
  const header = ['backend', 'device', 'threads', 'model', 'px', 'batch', 'ms/step', 'best ms', 'cpu ms', 'steps/s', 'img/s', 'vs 1 thread', 'best vs 1', 'GFLOP/s', 'cpu GFLOP/s', 'fwd conv cpu GFLOP/s', 'vs fwd conv', 'torch img/s', 'vs torch', 'peak mem MiB', 'mem of', 'peak RSS MiB', 'load', 'others'];
  const rows: string[][] = [];
  for (const c of cases()) {
    let results: TrainResult[];
    if (threadCounts && c.backend === 'wasm' && !isChild) {
      results = threadCounts.map((t) => inChild(t, ['--only', 'train', '--backends', 'wasm', '--cases', `${c.preset}:${c.imgSize}:${c.batch}`, '--steps', String(stepsOverride ?? c.steps)])[0] as TrainResult);
      const torch = torchTraining(c);
      if (torch) for (const r of results) r.torchImagesPerSec = torch.img_per_s;
    } else {
      const selected = await startCaseBackend(c.backend);
      if (typeof selected === 'string') {
        console.log(`(skipped ${c.preset} ${c.imgSize} px batch ${c.batch}: ${selected})`);
        continue;
      }
      printBackendDetail(selected);
      const r = await measureTraining(c, selected);
      if (isChild) {
        console.log(`JSON ${JSON.stringify(r)}`);
        continue;
      }
      results = [r];
    }
    const single = results.find((r) => r.threads === 1 && r.backend === 'wasm');
    for (const r of results) {
      const row = [
        r.backend,
        r.device,
        String(r.threads),
        c.preset,
        String(c.imgSize),
        String(c.batch),
        r.wallMs.toFixed(0),
        r.bestWallMs.toFixed(0),
        r.cpuMs.toFixed(0),
        (1000 / r.wallMs).toFixed(r.wallMs > 1000 ? 3 : 2),
        r.imagesPerSec.toFixed(1),
        single ? (r.imagesPerSec / single.imagesPerSec).toFixed(2) : '-',
        single ? (single.bestWallMs / r.bestWallMs).toFixed(2) : '-',
        gf(r.gflops),
        gf(r.cpuGflops),
        r.convCpuGflops === null || Number.isNaN(r.convCpuGflops) ? '-' : r.convCpuGflops.toFixed(1),
        r.convCpuGflops === null || Number.isNaN(r.convCpuGflops) ? '-' : (r.cpuGflops / r.convCpuGflops).toFixed(2),
        r.torchImagesPerSec === undefined ? '-' : r.torchImagesPerSec.toFixed(1),
        r.torchImagesPerSec === undefined ? '-' : (r.imagesPerSec / r.torchImagesPerSec).toFixed(2),
        r.peakMemMiB.toFixed(0),
        r.memSource,
        r.peakRss.toFixed(0),
        r.load,
        Number.isFinite(r.others) ? r.others.toFixed(2) : '-',
      ];
      rows.push(row);
      console.log(row.join('\t'));
    }
  }
  if (isChild) return;
  printTable(
    'training (vs 1 thread: wall img/s / the 1-thread row\'s, target 2 >= 1.7; best vs 1: the same of the fastest steps; vs fwd conv: step cpu GFLOP/s / the fastest of five forward-conv passes\' cpu GFLOP/s, ' +
      'both in CPU time of all threads, target 1 >= 0.6 (not measured on a GPU); vs torch: wall img/s ratio, target 3 >= 0.25 ' +
      `(PyTorch on ${torchDevice === 'cuda' ? 'CUDA, beside the GPU backends' : 'the CPU, beside wasm'}); ` +
      'peak mem: "GPU buffers" = tf.memory().numBytesAllocatedInGPU after the timed steps (webgpu: its buffer pool included, never shrinks, so the process\'s high-water mark), ' +
      '"tensors" = tf.profile\'s peakBytes of the warm-up step (tfjs tensor bytes); others: cores\' worth of CPU ' +
      'other processes used during the timed steps, from /proc/stat)',
    header,
    rows,
  );
}

// ---------------------------------------------------------------- sampling

interface SamplingResult {
  backend: string;
  device: string;
  threads: number;
  ddpm: { wallS: number; cpuS: number; load: string };
  ddim: { wallS: number; cpuS: number; load: string };
}

/** The sampling flags again, for a child process. */
const samplingArgs = (): string[] => [
  ...(values['sample-case'] ? ['--sample-case', values['sample-case']] : []),
  ...(values['sample-T'] ? ['--sample-T', values['sample-T']] : []),
];

async function sampling(): Promise<void> {
  const { model: modelName, imgSize, count } = sampleCase();
  const channels = channelsOf(modelName);
  const ddimSteps = Math.min(50, sampleT);
  // Every backend asked for but cpu (pure JS; unless it is the only one).
  const sampled = backends.some((b) => b !== 'cpu') ? backends.filter((b) => b !== 'cpu') : backends;
  const results: SamplingResult[] = [];
  for (const backend of sampled) {
    if (threadCounts && backend === 'wasm' && !isChild) {
      results.push(...threadCounts.map((t) => inChild(t, ['--only', 'sample', '--backends', 'wasm', ...samplingArgs()])[0] as SamplingResult));
      continue;
    }
    const selected = await startCaseBackend(backend);
    if (typeof selected === 'string') {
      console.log(`(sampling skipped: ${selected})`);
      continue;
    }
    printBackendDetail(selected);
    const r = await measureSampling(selected, channels, imgSize, count, ddimSteps);
    if (isChild) console.log(`JSON ${JSON.stringify(r)}`);
    else results.push(r);
  }
  if (isChild) return;
  // Torch: the notebook's sampler (DDPM); 50 of its steps time DDIM-50 (one model call per step either way).
  const torch = runTorch(['sample', '--img-size', String(imgSize), '--batch-size', String(count), '--channels', channels.join(','), '--T', String(sampleT), '--sample-steps', String(ddimSteps)]);
  const torchStepS = torch ? torch.step_ms / 1000 : undefined;
  const callGflop = (forwardFlopsPerImage(channels, imgSize) * count) / 1e9;
  const header = ['sampler', 'backend', 'device', 'threads', 'model', 'px', 'images', 'model calls', 's', 'ms/call', 'GFLOP/s', 'cpu s', 'vs 1 thread', 'torch s', 'torch/ours', 'load'];
  const rows: string[][] = [];
  for (const [name, calls, key] of [['DDPM', sampleT, 'ddpm'], ['DDIM', ddimSteps, 'ddim']] as const) {
    const single = results.find((r) => r.threads === 1 && r.backend === 'wasm');
    for (const r of results) {
      const m = r[key];
      rows.push([
        name, r.backend, r.device, String(r.threads), modelName, String(imgSize), String(count), String(calls), m.wallS.toFixed(1),
        ((m.wallS * 1000) / calls).toFixed(1), gf((callGflop * calls) / m.wallS), m.cpuS.toFixed(1),
        single && r.backend === 'wasm' ? (single[key].wallS / m.wallS).toFixed(2) : '-',
        torchStepS ? (torchStepS * calls).toFixed(1) : '-', torchStepS ? ((torchStepS * calls) / m.wallS).toFixed(2) : '-', m.load,
      ]);
    }
  }
  printTable(
    `sampling (torch: the reference DDPM sampler on ${torchDevice === 'cuda' ? 'CUDA' : 'the CPU'}, ${ddimSteps} timed steps scaled to the model calls; ` +
      'eval-mode BatchNorm; GFLOP/s: forward FLOPs of the model calls / wall time; the time ends with an asynchronous read of the images)',
    header,
    rows,
  );
}

async function measureSampling(selected: SelectedBackend, channels: number[], imgSize: number, count: number, ddimSteps: number): Promise<SamplingResult> {
  const model = SimpleUnet.create({ channels, activation: 'relu' }, 0);
  const schedule = makeNoiseSchedule('linear', sampleT, 1e-4, 0.02);
  const eps = (x: tf.Tensor4D, t: tf.Tensor1D) => model.predict(x, t, 'eval');
  const warm = tf.tidy(() => model.predict(tf.zeros([count, imgSize, imgSize, 3]), tf.zeros([count]), 'eval')); // warm-up
  await warm.data(); // waits for the GPU too (and compiles its shaders)
  warm.dispose();
  const time = async (run: () => Promise<{ images: tf.Tensor; snapshots: tf.Tensor }>) => {
    const w0 = performance.now();
    const c0 = cpuMs();
    const r = await run();
    await r.images.data();
    const out = { wallS: (performance.now() - w0) / 1000, cpuS: (cpuMs() - c0) / 1000 };
    tf.dispose([r.images, r.snapshots]);
    return out;
  };
  const ddpm = { ...(await time(() => ddpmSample(eps, schedule, { count, imgSize, rng: new Random(2), clamp: 'x_t' }))), load: load() };
  checkFault(selected, `DDPM sampling, ${count} images at ${imgSize} px`);
  const ddim = { ...(await time(() => ddimSample(eps, schedule, { count, imgSize, rng: new Random(2), clamp: 'x_t', steps: ddimSteps }))), load: load() };
  checkFault(selected, `DDIM sampling, ${count} images at ${imgSize} px`);
  model.dispose();
  return { backend: selected.backend, device: deviceLabel(selected.gpu), threads: selected.backend === 'wasm' ? getThreadsCount() : 1, ddpm, ddim };
}

// ---------------------------------------------------------------- memory

/** RSS and tensor memory over a long run of small steps: growth means a leak. */
async function memory(steps: number): Promise<void> {
  const backend = backends.find((b) => b !== 'cpu') ?? backends[0]!;
  await selectBackend(backend);
  const c: Case = { backend, preset: 'small', imgSize: 16, batch: 4, steps };
  const channels = channelsOf(c.preset);
  const model = SimpleUnet.create({ channels, activation: 'relu' }, 0);
  const optimizer = new Adam(model.trainableVariables(), { lr: 1e-4 });
  const step = makeStep(model, optimizer, c, new Random(3));
  const marks = new Set([10, 100, Math.floor(steps / 2), steps]);
  const rows: string[][] = [];
  let first: { rss: number; tensors: number; bytes: number } | undefined;
  for (let i = 1; i <= steps; i++) {
    await step();
    if (!marks.has(i)) continue;
    if (typeof global.gc === 'function') global.gc();
    const m = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
    const now = { rss: process.memoryUsage().rss / 2 ** 20, tensors: m.numTensors, bytes: m.numBytes };
    first ??= now;
    const gpu = m.numBytesAllocatedInGPU === undefined ? '-' : (m.numBytesAllocatedInGPU / 2 ** 20).toFixed(1);
    rows.push([String(i), now.rss.toFixed(0), (now.rss - first.rss).toFixed(0), String(now.tensors), (now.bytes / 2 ** 20).toFixed(1), gpu, peakRssMiB().toFixed(0)]);
  }
  model.dispose();
  optimizer.dispose();
  printTable(
    `memory: ${backend}, small, 16 px, batch 4, ${steps} steps (RSS after step; growth from step 10)`,
    ['step', 'RSS MiB', 'growth MiB', 'tensors', 'tensor MiB', 'GPU buffers MiB', 'peak RSS MiB'],
    rows,
  );
}

/**
 * `--only adapter`: what each backend starts on, one line each; a line `GPU-BACKEND name`
 * for each that qualifies (with --require-gpu: a hardware GPU). Exit 3 when none does.
 */
async function adapters(): Promise<void> {
  let qualifying = 0;
  for (const backend of backends) {
    const selected = await startCaseBackend(backend);
    if (typeof selected === 'string') {
      console.log(`not used: ${selected}`);
      continue;
    }
    printBackendDetail(selected);
    console.log(`GPU-BACKEND ${selected.backend}`);
    qualifying++;
  }
  if (qualifying === 0) {
    console.log(`none of ${backends.join(', ')} starts${values['require-gpu'] ? ' on a hardware GPU' : ''}`);
    process.exit(3);
  }
}

async function main(): Promise<void> {
  console.log(`load average at start ${load()}`);
  if (only === 'adapter') return adapters();
  if (!only || only === 'train') await training();
  if (values.sample || only === 'sample') await sampling();
  const memorySteps = values['memory-steps'] ? Number(values['memory-steps']) : only === 'memory' ? 1000 : 0;
  if (memorySteps > 0) await memory(memorySteps);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
