// The training kernels' own JavaScript loops (the filter gradient's im2col copy, per-channel
// totals, Adam) on more than one thread. With the threaded wasm build the heap is a
// SharedArrayBuffer, so a helper worker_thread can work on it in place: the main thread
// writes a task's arguments into shared memory, wakes the helpers (Atomics.notify), does
// its own part, and waits (Atomics.wait) until they are done. Kernels are synchronous, so
// the main thread blocks, as it does while XNNPACK's pool runs a convolution.
//
// Without helpers (single-thread build, one thread asked for, the helper script missing or
// failing to start) every function here runs the plain loop on the calling thread.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { HeapTask, adamRange, runHeapTask, type AdamCoefficients } from './heapLoopTasks';
import { accumulate, imagesToChannelsFirst, patchesTransposed, type PatchGeometry } from './layoutLoops';

/** Below this many floats a loop runs on the calling thread (waking a helper costs ~10-50 us). */
let minSplit = 1 << 16;

/** For tests (split even tiny loops); returns the previous value. */
export function setHeapLoopMinSplit(floats: number): number {
  const previous = minSplit;
  minSplit = floats;
  return previous;
}
/** Per helper: float64 totals of up to this many channels. */
const SCRATCH_CHANNELS = 16384;
/** A helper that has not finished its part after this long is taken for dead. */
const HELPER_TIMEOUT_MS = 120_000;

interface Helper {
  worker: Worker;
  control: Int32Array;
  args: Float64Array;
}

class HeapLoopPool {
  private seq = 0;
  readonly scratch: Float64Array;

  constructor(
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly helpers: Helper[],
    scratch: SharedArrayBuffer,
  ) {
    this.scratch = new Float64Array(scratch);
  }

  get parts(): number {
    return this.helpers.length + 1;
  }

  /** Runs `task` split into parts: part 0 here, the others on the helpers. */
  run(task: HeapTask, args: readonly number[]): void {
    const seq = ++this.seq;
    const parts = this.parts;
    this.helpers.forEach((h, i) => {
      h.args.set(args);
      Atomics.store(h.control, 2, task);
      Atomics.store(h.control, 4, i + 1);
      Atomics.store(h.control, 5, parts);
      Atomics.store(h.control, 0, seq);
      Atomics.notify(h.control, 0);
    });
    runHeapTask(task, Float64Array.from(args), this.memory.buffer, this.scratch, 0, parts);
    for (const h of this.helpers) {
      const start = Date.now();
      for (;;) {
        const done = Atomics.load(h.control, 1);
        if (done === seq) break;
        Atomics.wait(h.control, 1, done, 1000);
        if (Date.now() - start > HELPER_TIMEOUT_MS) {
          stopHeapLoops();
          throw new Error(`a heap loop helper thread did not finish its part within ${HELPER_TIMEOUT_MS / 1000} s`);
        }
      }
      if (Atomics.load(h.control, 3) !== 0) {
        stopHeapLoops();
        throw new Error('a heap loop helper thread failed (its error is on stderr)');
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.helpers.map((h) => h.worker.terminate().catch(() => 0)));
  }
}

let pool: HeapLoopPool | undefined;

/** Threads the kernels' loops run on: 1 without helpers. */
export function heapLoopThreads(): number {
  return pool?.parts ?? 1;
}

export interface HelperScript {
  /** A file, or code to eval. */
  script: string;
  eval: boolean;
}

/**
 * The helper's script: bundled beside this code (dist/heapLoopsWorker.js), or, running
 * from sources, the TypeScript file loaded through tsx's require hook (tsx's --import
 * loader does not reach into worker threads here).
 */
export function findHeapLoopsWorker(dir = __dirname): HelperScript | undefined {
  const js = join(dir, 'heapLoopsWorker.js');
  if (existsSync(js)) return { script: js, eval: false };
  const ts = join(dir, 'heapLoopsWorker.ts');
  if (!existsSync(ts)) return undefined;
  try {
    const tsxCjs = createRequire(__filename).resolve('tsx/cjs');
    return { script: `require(${JSON.stringify(tsxCjs)}); require(${JSON.stringify(ts)});`, eval: true };
  } catch {
    return undefined;
  }
}

/**
 * Starts `helpers` helper threads on the wasm module's shared memory; resolves to why not
 * when they cannot start (and then nothing is left running).
 */
export async function startHeapLoops(memory: { buffer: ArrayBufferLike }, helpers: number, helper = findHeapLoopsWorker()): Promise<string | undefined> {
  if (pool !== undefined || helpers < 1) return undefined;
  if (!(memory.buffer instanceof SharedArrayBuffer)) return 'the wasm heap is not shared memory';
  if (helper === undefined) return `no heapLoopsWorker.js beside ${__dirname}`;
  const scratch = new SharedArrayBuffer(8 * SCRATCH_CHANNELS * (helpers + 1));
  const started: Helper[] = [];
  try {
    for (let i = 0; i < helpers; i++) {
      const control = new SharedArrayBuffer(8 * 4);
      const args = new SharedArrayBuffer(32 * 8);
      const worker = new Worker(helper.script, { eval: helper.eval, workerData: { memory, control, args, scratch } });
      started.push({ worker, control: new Int32Array(control), args: new Float64Array(args) });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 30 s')), 30_000);
        worker.once('message', () => {
          clearTimeout(timer);
          resolve();
        });
        worker.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        worker.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`exited with ${code}`));
        });
      });
      worker.unref();
      worker.removeAllListeners();
      // A helper that fails later is noticed by run() (its flag, or no answer).
      worker.on('error', () => {});
    }
  } catch (err) {
    await Promise.all(started.map((h) => h.worker.terminate().catch(() => 0)));
    return `a heap loop helper thread did not start: ${String((err as Error).message ?? err).split('\n', 1)[0]}`;
  }
  pool = new HeapLoopPool(memory, started, scratch);
  return undefined;
}

export function stopHeapLoops(): void {
  const p = pool;
  pool = undefined;
  void p?.stop();
}

/** The pool when a loop over `floats` values is worth splitting. */
function poolFor(floats: number): HeapLoopPool | undefined {
  return pool !== undefined && floats >= minSplit ? pool : undefined;
}

// ---------------------------------------------------------------- the loops

export function channelsFirstOnThreads(src: Float32Array, pixels: number, channels: number, n0: number, count: number, dst: Float32Array): void {
  const p = poolFor(count * pixels * channels);
  if (p === undefined) return imagesToChannelsFirst(src, pixels, channels, n0, count, dst);
  p.run(HeapTask.ChannelsFirst, [src.byteOffset, pixels, channels, n0, count, dst.byteOffset, src.length, dst.length]);
}

export function patchesOnThreads(xc: Float32Array, g: PatchGeometry, dst: Float32Array): void {
  const p = poolFor(g.filterHeight * g.filterWidth * g.channels * g.count * g.outHeight * g.outWidth);
  if (p === undefined) return patchesTransposed(xc, g, dst);
  p.run(HeapTask.Patches, [
    xc.byteOffset, xc.length, dst.byteOffset, dst.length, g.count, g.channels, g.height, g.width, g.outHeight, g.outWidth,
    g.filterHeight, g.filterWidth, g.strideH, g.strideW, g.padTop, g.padLeft,
  ]);
}

export function accumulateOnThreads(acc: Float32Array, add: Float32Array): void {
  const p = poolFor(acc.length);
  if (p === undefined) return accumulate(acc, add);
  p.run(HeapTask.Accumulate, [acc.byteOffset, add.byteOffset, acc.length]);
}

/** totals[c] = sum over rows of src[row * channels + c], in float64 (per thread, then in part order). */
export function channelTotalsOnThreads(src: Float32Array, channels: number): Float64Array {
  const p = channels <= SCRATCH_CHANNELS ? poolFor(src.length) : undefined;
  const totals = new Float64Array(channels);
  if (p === undefined) {
    for (let o = 0; o < src.length; o += channels) {
      for (let c = 0; c < channels; c++) totals[c] = totals[c]! + src[o + c]!;
    }
    return totals;
  }
  p.run(HeapTask.ChannelTotals, [src.byteOffset, src.length, channels]);
  for (let part = 0; part < p.parts; part++) {
    for (let c = 0; c < channels; c++) totals[c] = totals[c]! + p.scratch[part * channels + c]!;
  }
  return totals;
}

export function adamOnThreads(
  inputs: [Float32Array, Float32Array, Float32Array, Float32Array],
  outputs: [Float32Array, Float32Array, Float32Array],
  c: AdamCoefficients,
): void {
  const n = inputs[0].length;
  const p = poolFor(n);
  if (p === undefined) return adamRange(inputs, outputs, c, 0, n);
  p.run(HeapTask.Adam, [...inputs.map((t) => t.byteOffset), ...outputs.map((t) => t.byteOffset), n, c.beta1, c.beta2, c.eps, c.stepSize, c.bias2Sqrt]);
}
