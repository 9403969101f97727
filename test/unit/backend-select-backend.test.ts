// selectBackend, probeBackends and the env report, with the native libtensorflow packages
// searched for in an empty folder only (whatever npm installed here) and SwiftShader as the
// only WebGPU adapter (a software one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { formatBackendReport, probeBackends, selectBackend, type BackendProbe } from '../../src/trainer/backend/selectBackend';
import { requestedWasmThreads } from '../../src/trainer/backend/wasm/wasmThreads';
import { useSoftwareGpu } from '../helpers/softwareGpu';

useSoftwareGpu();

// Search an empty place only, so neither a DIFFUSION_LAB_BACKEND_DIR in the environment of
// whoever runs the tests nor an optional tfjs-node-gpu that npm managed to install can
// change what they see.
const emptyDir = mkdtempSync(join(tmpdir(), 'dl-backend-empty-'));
const NOTHING_NATIVE = { backendDir: emptyDir, onlyBackendDir: true };
test.after(() => rmSync(emptyDir, { recursive: true, force: true }));

test("'cpu' starts the cpu backend", async () => {
  const selected = await selectBackend('cpu');
  assert.equal(selected.backend, 'cpu');
  assert.equal(selected.gpu, undefined);
  assert.equal(tf.getBackend(), 'cpu');
});

test("'wasm' starts the wasm backend with SIMD and the training kernels", async () => {
  const selected = await selectBackend('wasm');
  assert.equal(selected.backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  // As many threads as this machine's cores (or DIFFUSION_LAB_WASM_THREADS) ask for: test/unit/backend-wasm-threads.test.ts.
  const { threads } = requestedWasmThreads();
  assert.match(selected.detail, new RegExp(`SIMD, ${threads} thread${threads === 1 ? '' : 's'}`));
  // The kernel wasm lacks must now be there, and gradients must flow through a conv.
  const grads = tf.tidy(() => {
    const x = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const w = tf.variable(tf.ones([3, 3, 2, 1]));
    const { grads } = tf.variableGrads(() => tf.sum(tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, 1, 'same')) as tf.Scalar, [w]);
    return Array.from(grads[w.name]!.dataSync());
  });
  // Each tap sees every input pixel it overlaps: corners 9, edges 12, centre 16, per channel.
  assert.deepEqual(grads, [9, 9, 12, 12, 9, 9, 12, 12, 16, 16, 12, 12, 9, 9, 12, 12, 9, 9]);
});

test("'auto' ends at wasm here, saying why it skipped the tensorflow packages and the software GPU", async () => {
  const selected = await selectBackend('auto', NOTHING_NATIVE);
  assert.equal(selected.backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(selected.detail, /skipped: @tensorflow\/tfjs-node-gpu not installed; @tensorflow\/tfjs-node not installed; /);
  assert.match(selected.detail, /backend 'webgpu' is unavailable: only a software adapter \(SwiftShader driver [\d.]+ \(software adapter: slow, for tests only\)\); auto never picks one/);
});

test("'webgpu' by name takes the software adapter, and says so", async () => {
  const selected = await selectBackend('webgpu');
  assert.equal(selected.backend, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.match(selected.gpu ?? '', /^SwiftShader driver .* \(software adapter: slow, for tests only\)$/);
  assert.equal(selected.gpuAdapter?.software, true);
  assert.equal(selected.gpuAdapter?.architecture, 'swiftshader');
  assert.ok((selected.gpuAdapter?.maxStorageBufferBindingSize ?? 0) >= 128 * 2 ** 20);
  assert.match(selected.detail, /^webgpu on SwiftShader.*max storage binding \d+ MiB\)$/);
  assert.equal(selected.fault?.(), undefined);
  // Starting it again reuses the device; wasm and cpu still start after it.
  assert.equal((await selectBackend('webgpu')).gpuAdapter, selected.gpuAdapter);
  assert.equal((await selectBackend('cpu')).backend, 'cpu');
});

test("'tensorflow' fails with one line saying why and what to install", async () => {
  const before = tf.getBackend();
  await assert.rejects(selectBackend('tensorflow', NOTHING_NATIVE), (err: Error) => {
    assert.doesNotMatch(err.message, /\n/);
    assert.match(err.message, /^backend 'tensorflow' is unavailable: @tensorflow\/tfjs-node-gpu is not installed \(searched from [^,)]*dl-backend-empty-[^,)]*\)/);
    assert.match(err.message, /@tensorflow\/tfjs-node is not installed/);
    assert.match(err.message, /Install @tensorflow\/tfjs-node-gpu@4\.22\.0 \(Linux x64 with CUDA 11\.2 and cuDNN 8\.1\)/);
    assert.match(err.message, /DIFFUSION_LAB_BACKEND_DIR=DIR, or choose backend 'wasm'$/);
    return true;
  });
  assert.equal(tf.getBackend(), before, 'a failed request leaves the active backend alone');
});

test('probeBackends lists every backend in auto order and restores the active one', async () => {
  await selectBackend('cpu');
  const probes = await probeBackends(NOTHING_NATIVE);
  assert.deepEqual(
    probes.map((p) => [p.name, p.backend, p.loads]),
    [
      ['@tensorflow/tfjs-node-gpu', 'tensorflow', false],
      ['@tensorflow/tfjs-node', 'tensorflow', false],
      ['@tensorflow/tfjs-backend-webgpu', 'webgpu', true],
      ['@tensorflow/tfjs-backend-wasm', 'wasm', true],
      ['@tensorflow/tfjs-backend-cpu', 'cpu', true],
    ],
  );
  assert.match(probes[0]!.reason ?? '', /not installed/);
  assert.equal(probes[2]!.software, true, 'SwiftShader is reported as a software adapter');
  assert.equal(probes[2]!.gpuAdapter?.vendor, 'google');
  assert.equal(probes[3]!.reason, undefined);
  assert.equal(tf.getBackend(), 'cpu');
});

const HERE: BackendProbe[] = [
  { name: '@tensorflow/tfjs-node-gpu', backend: 'tensorflow', loads: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
  { name: '@tensorflow/tfjs-node', backend: 'tensorflow', loads: false, reason: '@tensorflow/tfjs-node is not installed' },
  { name: '@tensorflow/tfjs-backend-webgpu', backend: 'webgpu', loads: false, reason: "backend 'webgpu' is unavailable: no Vulkan adapter: install the Vulkan loader" },
  { name: '@tensorflow/tfjs-backend-wasm', backend: 'wasm', loads: true, detail: 'wasm (SIMD, 1 thread)' },
  { name: '@tensorflow/tfjs-backend-cpu', backend: 'cpu', loads: true, detail: 'cpu' },
];

test('the env report names the choice and the steps to the GPU path on Linux x64', () => {
  const text = formatBackendReport(HERE, { platform: 'linux', arch: 'x64', nvidiaGpus: ['NVIDIA A100-SXM4-40GB'] });
  assert.match(text, /tensorflow \(@tensorflow\/tfjs-node-gpu\) +no +@tensorflow\/tfjs-node-gpu is not installed/);
  assert.match(text, /wasm \(@tensorflow\/tfjs-backend-wasm\) +yes +wasm \(SIMD, 1 thread\)/);
  assert.match(text, /auto picks: wasm/);
  assert.match(text, /NVIDIA GPUs seen by nvidia-smi: NVIDIA A100-SXM4-40GB/);
  assert.match(text, /CUDA 11\.2 and cuDNN 8\.1/);
  assert.match(text, /npm install --prefix DIR @tensorflow\/tfjs-node-gpu@4\.22\.0/);
  assert.match(text, /export DIFFUSION_LAB_BACKEND_DIR=DIR/);
  assert.ok(text.endsWith('\n'));
});

test('the env report says when there is no GPU path, and when the GPU package runs without a GPU', () => {
  const mac = formatBackendReport(HERE, { platform: 'darwin', arch: 'arm64', nvidiaGpus: [] });
  assert.match(mac, /not available on darwin arm64/);
  assert.doesNotMatch(mac, /npm install --prefix/);

  const noCuda: BackendProbe[] = [{ ...HERE[0]!, loads: true, reason: undefined, detail: 'on the CPU' }, ...HERE.slice(1)];
  const text = formatBackendReport(noCuda, { platform: 'linux', arch: 'x64', nvidiaGpus: [] });
  assert.match(text, /auto picks: tensorflow \(@tensorflow\/tfjs-node-gpu\)/);
  assert.match(text, /loads but TensorFlow uses no GPU/);
  assert.match(text, /LD_LIBRARY_PATH/);

  const onGpu: BackendProbe[] = [{ ...noCuda[0]!, gpu: 'NVIDIA T4' }, ...HERE.slice(1)];
  assert.match(formatBackendReport(onGpu, { platform: 'linux', arch: 'x64', nvidiaGpus: ['NVIDIA T4'] }), /active: @tensorflow\/tfjs-node-gpu runs on NVIDIA T4/);
});

test('the env report: a hardware WebGPU adapter is what auto picks; a software one is listed but passed over', () => {
  const host = { platform: 'linux' as const, arch: 'x64', nvidiaGpus: [] };
  const adapter = { vendor: 'amd', architecture: 'rdna-3', device: '', description: 'AMD Radeon 780M', software: false, maxBufferSize: 2 ** 31, maxStorageBufferBindingSize: 2 ** 31 };
  const withGpu = HERE.map((p) => (p.backend === 'webgpu' ? { ...p, loads: true, reason: undefined, gpu: adapter.description, gpuAdapter: adapter, detail: 'webgpu on AMD Radeon 780M' } : p));
  const text = formatBackendReport(withGpu, host);
  assert.match(text, /auto picks: webgpu \(@tensorflow\/tfjs-backend-webgpu\)/);
  assert.match(text, /active: AMD Radeon 780M; auto trains on it/);

  const software = HERE.map((p) => (p.backend === 'webgpu' ? { ...p, loads: true, software: true, reason: undefined, gpu: 'SwiftShader driver 5.0.0 (software adapter: slow, for tests only)', detail: 'webgpu on SwiftShader' } : p));
  const sw = formatBackendReport(software, host);
  assert.match(sw, /webgpu \(@tensorflow\/tfjs-backend-webgpu\) +sw +webgpu on SwiftShader/);
  assert.match(sw, /auto picks: wasm/);
  assert.match(sw, /only a software adapter: SwiftShader.*auto does not/);
  assert.match(sw, /libvulkan1 and mesa-vulkan-drivers/);

  const none = formatBackendReport(HERE, host);
  assert.match(none, /webgpu \(@tensorflow\/tfjs-backend-webgpu\) +no +backend 'webgpu' is unavailable: no Vulkan adapter/);
});

test('Dawn ships dawn.node for glibc Linux, macOS (one universal build) and Windows; not for musl or 32-bit ARM', async () => {
  const { dawnPlatform, DAWN_PLATFORMS } = await import('../../src/trainer/backend/webgpuBackend');
  const ships = (platform: NodeJS.Platform, arch: string, glibc = true) => (DAWN_PLATFORMS as readonly string[]).includes(dawnPlatform(platform, arch, glibc));
  assert.equal(dawnPlatform('darwin', 'arm64'), 'darwin-universal');
  assert.equal(dawnPlatform('darwin', 'x64'), 'darwin-universal');
  assert.ok(ships('linux', 'x64') && ships('linux', 'arm64') && ships('win32', 'x64') && ships('win32', 'arm64'));
  assert.equal(ships('linux', 'x64', false), false, 'Alpine (musl)');
  assert.equal(ships('linux', 'arm'), false, 'linux-armhf');
});
