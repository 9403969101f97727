// A helper thread of heapLoops.ts: runs its part of the training kernels' JavaScript loops
// on the wasm heap (a SharedArrayBuffer with the threaded build), woken through Atomics.
// Bundled as dist/heapLoopsWorker.js; from sources it runs under tsx like its parent.
import { parentPort, workerData } from 'node:worker_threads';
import { runHeapTask, type HeapTask } from './heapLoopTasks';

interface HelperData {
  memory: { buffer: ArrayBufferLike };
  /** [request sequence, done sequence, task, failed, part, parts] */
  control: SharedArrayBuffer;
  args: SharedArrayBuffer;
  scratch: SharedArrayBuffer;
}

const { memory, control, args, scratch } = workerData as HelperData;
const ctl = new Int32Array(control);
const a = new Float64Array(args);
const totals = new Float64Array(scratch);
parentPort!.postMessage('ready');
let seen = 0;
for (;;) {
  // Bounded waits, so that terminate() and process exit never wait on this thread.
  if (Atomics.wait(ctl, 0, seen, 1000) === 'timed-out') continue;
  seen = Atomics.load(ctl, 0);
  try {
    runHeapTask(Atomics.load(ctl, 2) as HeapTask, a, memory.buffer, totals, Atomics.load(ctl, 4), Atomics.load(ctl, 5));
  } catch (err) {
    Atomics.store(ctl, 3, 1);
    process.stderr.write(`heap loop helper: ${(err as Error).stack ?? String(err)}\n`);
  }
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
