// The wasm backend's threaded build in Node (src/trainer/backend/wasm/wasmThreads.ts): it starts
// with more than one thread, trains like the single-thread build, can be forced to one
// thread, falls back to one thread when it cannot start, and lets the process exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MAX_WASM_THREADS, THREADED_FACTORY, THREADED_WORKER, WASM_THREADS_ENV, requestedWasmThreads } from '../../src/trainer/backend/wasm/wasmThreads';

const work = mkdtempSync(join(tmpdir(), 'dl-wasm-threads-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

interface StepResult {
  detail: string;
  threads: number;
  loss0: number;
  losses: number[];
  gradients: Record<string, number[]>;
  worker: string;
}

const CHILD = resolve(__dirname, '../helpers/wasmThreadsStep.ts');

/** Runs the child in a fresh process; it must exit by itself (a pthread left ref'd would hang it until the timeout). */
function runChild(args: string[], env: NodeJS.ProcessEnv = {}): StepResult {
  const base = { ...process.env };
  delete base[WASM_THREADS_ENV];
  const run = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    encoding: 'utf8',
    env: { ...base, ...env },
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  assert.equal(run.signal, null, `the child did not exit by itself (killed by ${run.signal}); stderr: ${run.stderr}`);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as StepResult;
}

test('the thread count: --threads, then DIFFUSION_LAB_WASM_THREADS, then the cores, at most 8', () => {
  assert.deepEqual(requestedWasmThreads(3, { [WASM_THREADS_ENV]: '1' }, 2), { threads: 3, source: '--threads 3' });
  assert.deepEqual(requestedWasmThreads(undefined, { [WASM_THREADS_ENV]: '1' }, 2), { threads: 1, source: `${WASM_THREADS_ENV}=1` });
  assert.deepEqual(requestedWasmThreads(undefined, {}, 2), { threads: 2, source: '2 cores' });
  assert.deepEqual(requestedWasmThreads(undefined, {}, 64), { threads: MAX_WASM_THREADS, source: '64 cores' });
  assert.deepEqual(requestedWasmThreads(undefined, { [WASM_THREADS_ENV]: 'two' }, 2), {
    threads: 2,
    source: '2 cores',
    ignored: `${WASM_THREADS_ENV}=two (not a positive integer)`,
  });
});

test('2 threads train as 1 thread does (gradients and three Adam steps of a tiny U-Net at 16 px)', () => {
  const two = runChild(['2']);
  assert.equal(two.threads, 2);
  assert.match(two.detail, /^wasm \(SIMD, 2 threads \(--threads 2\), /);

  const one = runChild(['-'], { [WASM_THREADS_ENV]: '1' });
  assert.equal(one.threads, 1);
  assert.match(one.detail, new RegExp(`^wasm \\(SIMD, 1 thread \\(${WASM_THREADS_ENV}=1\\), `));

  // The two runs use different wasm binaries (the threaded build is compiled separately),
  // and XNNPACK splits a convolution's output tiles among the threads, so a kernel may pick
  // another micro-kernel or blocking and round in another order: equal up to float32
  // rounding, not necessarily to the bit (here they have been bit-identical so far).
  // Gradients: relative to the largest of each tensor. Losses after Adam steps: Adam's
  // first updates are ~lr x sign(gradient), which rounding cannot flip but for gradients
  // of ~1e-8, so a loose relative bound suffices.
  assert.ok(Math.abs(two.loss0 - one.loss0) <= 1e-5 * Math.abs(one.loss0), `loss ${two.loss0} vs ${one.loss0}`);
  for (const [name, g1] of Object.entries(one.gradients)) {
    const g2 = two.gradients[name]!;
    assert.equal(g2.length, g1.length, name);
    const scale = Math.max(1e-12, ...g1.map(Math.abs));
    const worst = Math.max(...g1.map((v, i) => Math.abs(v - g2[i]!)));
    assert.ok(worst <= 1e-4 * scale, `${name}: max |diff| ${worst} vs max |g| ${scale}`);
  }
  one.losses.forEach((l, i) => assert.ok(Math.abs(two.losses[i]! - l) <= 1e-4 * Math.abs(l), `step ${i + 1}: loss ${two.losses[i]} vs ${l}`));
});

test('without the threaded loader files, or with a broken one, wasm starts with 1 thread, says why, and trains alike', () => {
  const wasmOut = join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  const broken = join(work, 'broken');
  mkdirSync(broken);
  copyFileSync(join(wasmOut, THREADED_WORKER), join(broken, THREADED_WORKER));
  // The factory each pthread worker imports throws: the workers fail while the module starts.
  writeFileSync(join(broken, THREADED_FACTORY), 'throw new Error("broken factory");\n');
  const reference = runChild(['1']);

  const missing = runChild(['2', join(work, 'nowhere')]);
  assert.equal(missing.threads, 1);
  assert.match(missing.detail, /1 thread \(its loader \(tfjs-backend-wasm-threaded-simd\.js and \.worker\.js\) is in none of .*nowhere\)/);
  assert.deepEqual(missing.losses, reference.losses);

  const failing = runChild(['2', broken]);
  assert.equal(failing.threads, 1);
  assert.match(failing.detail, /1 thread \(the threaded build did not start: a wasm pthread worker failed: broken factory\)/);
  assert.deepEqual(failing.losses, reference.losses);
  assert.equal(failing.worker, 'undefined', 'the failed start left a global Worker behind');
});
