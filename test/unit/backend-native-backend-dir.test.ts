// The tensorflow backend's packages found in an extra directory (where the extension
// installs tfjs-node-gpu): stand-in packages in temporary npm prefixes play a GPU package
// that cannot find CUDA and one that loads and reports a GPU. Its own file, because a
// loaded package registers the 'tensorflow' backend for the rest of the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { probeBackends, selectBackend } from '../../src/trainer/backend/selectBackend';

const made: string[] = [];
test.after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function prefixWithGpuPackage(indexJs: string): string {
  const prefix = mkdtempSync(join(tmpdir(), 'dl-backend-prefix-'));
  made.push(prefix);
  const pkgDir = join(prefix, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(join(pkgDir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(pkgDir, 'index.js'), indexJs);
  return prefix;
}

const brokenPrefix = prefixWithGpuPackage(
  `throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory\\n    at Object.<anonymous> (binding.js:1:1)');\n`,
);

test('a GPU package that fails to load is reported with its error, and auto falls through to wasm', async () => {
  const selected = await selectBackend('auto', { backendDir: brokenPrefix });
  assert.equal(selected.backend, 'wasm');
  assert.match(selected.detail, /skipped: @tensorflow\/tfjs-node-gpu failed to load: libcudart\.so\.11\.0: cannot open shared object file: No such file or directory; /);

  await assert.rejects(selectBackend('tensorflow', { backendDir: brokenPrefix }), (err: Error) => {
    assert.doesNotMatch(err.message, /\n/, 'only the first line of the underlying error');
    assert.match(err.message, /@tensorflow\/tfjs-node-gpu failed to load: libcudart\.so\.11\.0/);
    return true;
  });
});

test('DIFFUSION_LAB_BACKEND_DIR is searched, as a prefix or as its node_modules', async () => {
  process.env.DIFFUSION_LAB_BACKEND_DIR = join(brokenPrefix, 'node_modules');
  try {
    const probes = await probeBackends();
    assert.equal(probes[0]!.loads, false);
    assert.match(probes[0]!.reason ?? '', /failed to load: libcudart/);
  } finally {
    delete process.env.DIFFUSION_LAB_BACKEND_DIR;
  }
});

test('a GPU package that loads selects tensorflow and records that it runs on a GPU', async () => {
  // A stand-in for tfjs-node-gpu: registers 'tensorflow' (a cpu backend underneath) and
  // says, as NodeJSKernelBackend does, that it uses a GPU device.
  const here = createRequire(__filename);
  const prefix = prefixWithGpuPackage(`
const tf = require(${JSON.stringify(here.resolve('@tensorflow/tfjs-core'))});
const { MathBackendCPU } = require(${JSON.stringify(here.resolve('@tensorflow/tfjs-backend-cpu'))});
tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: true }), 3);
`);
  const selected = await selectBackend('tensorflow', { backendDir: prefix });
  assert.equal(selected.backend, 'tensorflow');
  assert.equal(tf.getBackend(), 'tensorflow');
  assert.ok(selected.gpu !== undefined && selected.gpu.length > 0, 'a GPU is recorded');
  assert.match(selected.detail, new RegExp(`^tensorflow via @tensorflow/tfjs-node-gpu on .+ \\(${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
});
