// The wasm backend from an esbuild bundle, as dist/cli.js runs it: bundled into a
// directory with no node_modules above it, it must load the .wasm binaries placed next
// to the bundle (esbuild.mjs copies them into dist/), and say clearly when they are not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { WASM_BINARIES } from '../../src/trainer/backend/wasm/wasmBackend';
import { THREADED_FACTORY, THREADED_WORKER, WASM_THREADS_ENV } from '../../src/trainer/backend/wasm/wasmThreads';

const work = mkdtempSync(join(tmpdir(), 'dl-wasm-bundle-'));
test.after(() => rmSync(work, { recursive: true, force: true }));

const selectBackendPath = resolve(__dirname, '../../src/trainer/backend/selectBackend.ts');
const entry = join(work, 'entry.ts');
writeFileSync(
  entry,
  `import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from ${JSON.stringify(selectBackendPath)};
selectBackend('wasm').then((s) => {
  const w = tf.variable(tf.ones([3, 3, 1, 1]));
  const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, w as tf.Variable<tf.Rank.R4>, 1, 'same')) as tf.Scalar, [w]);
  console.log(JSON.stringify({ backend: s.backend, detail: s.detail, active: tf.getBackend(), grad: Array.from(grads[w.name]!.dataSync()) }));
}, (err) => { console.error(err.message); process.exit(3); });
`,
);

async function bundleInto(dir: string): Promise<string> {
  const outfile = join(dir, 'entry.js');
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'silent',
    // The bundle sits outside the project, so resolve packages from here.
    nodePaths: [join(__dirname, '../../node_modules')],
    external: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', 'sharp'],
  });
  return outfile;
}

test('a bundle loads wasm from the binaries beside it and trains a conv', async () => {
  const bundle = await bundleInto(work);
  const wasmDist = join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  for (const name of WASM_BINARIES) copyFileSync(join(wasmDist, name), join(work, name));

  // The threaded build's JavaScript too, as esbuild.mjs copies it: 2 threads asked for run.
  const wasmOut = join(dirname(wasmDist), 'wasm-out');
  for (const name of [THREADED_FACTORY, THREADED_WORKER]) copyFileSync(join(wasmOut, name), join(work, name));
  const env = { ...process.env, [WASM_THREADS_ENV]: '2' };
  const run = spawnSync(process.execPath, [bundle], { cwd: work, encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
  assert.deepEqual(out, { backend: 'wasm', detail: `wasm (SIMD, 2 threads (${WASM_THREADS_ENV}=2), custom conv gradient kernels)`, active: 'wasm', grad: [4, 6, 4, 6, 9, 6, 4, 6, 4] });

  // Without it, the single-thread build runs and the detail says where the files were looked for.
  for (const name of [THREADED_FACTORY, THREADED_WORKER]) unlinkSync(join(work, name));
  const single = spawnSync(process.execPath, [bundle], { cwd: work, encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(single.status, 0, single.stderr);
  const singleOut = JSON.parse(single.stdout.trim().split('\n').pop()!);
  assert.match(singleOut.detail, /^wasm \(SIMD, 1 thread \(its loader .* is in none of /);
  assert.deepEqual(singleOut.grad, out.grad);

  // Without them, and with no package to fall back on, the error says where it looked.
  for (const name of WASM_BINARIES) unlinkSync(join(work, name));
  const missing = spawnSync(process.execPath, [bundle], { cwd: work, encoding: 'utf8' });
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, new RegExp(`backend 'wasm' is unavailable: the wasm backend's binaries .* are in none of ${work.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; run \`npm run build\``));
});
