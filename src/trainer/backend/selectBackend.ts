// Picks the tfjs backend a run uses, in the order docs/architecture.md gives: libtensorflow on the
// GPU, libtensorflow on the CPU, WebGPU on a hardware adapter, wasm with this project's
// training kernels, pure JS.
// A backend asked for by name either starts or fails with the reason and the fix.
import * as tf from '@tensorflow/tfjs-core';
import { version_core } from '@tensorflow/tfjs-core';
// Imported by name, not for side effects only: the package's "sideEffects" list omits its
// node entry point, so esbuild would drop a bare import and with it the cpu backend.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import type { BackendProbe } from '../../shared/backendProbe';
import type { BackendName, BackendRequest } from '../../shared/options';
import type { GpuAdapterRecord } from '../../shared/runConfig';
import { BACKEND_DIR_ENV, loadNativeBackend, NATIVE_PACKAGES, type BackendSearchOptions, type NativeLoad } from './nativeBackend';
import { registerTrainingGradients } from './trainingGradients';
import { startWasmBackend } from './wasm/wasmBackend';
import { adapterName, startWebgpuBackend, WebgpuUnavailable, type GpuFault } from './webgpuBackend';

export { formatBackendReport } from './backendReport';
export type { BackendSearchOptions } from './nativeBackend';
export type { BackendProbe } from '../../shared/backendProbe';
export type { GpuFault } from './webgpuBackend';

export interface SelectedBackend {
  backend: BackendName;
  /** The GPU it runs on, when it runs on one. */
  gpu?: string;
  /** The WebGPU adapter, on webgpu. */
  gpuAdapter?: GpuAdapterRecord;
  /** What started and why the ones before it did not, for the run record and the log. */
  detail: string;
  /** A fault the device reported since it started (a lost device, out of memory); GPU backends only. */
  fault?: () => GpuFault | undefined;
}

export async function selectBackend(request: BackendRequest, options: BackendSearchOptions = {}): Promise<SelectedBackend> {
  registerTrainingGradients();
  switch (request) {
    case 'tensorflow':
      return startTensorflow(options);
    case 'webgpu':
      return startWebgpu(true);
    case 'wasm':
      return startWasm();
    case 'cpu':
      return startCpu();
    case 'auto':
      return startBest(options);
  }
}

/**
 * Starts a backend asked for by name, to find out before any run is written whether it can:
 * `auto` always ends somewhere, and wasm and cpu start inside the run as ever.
 */
export async function checkRequestedBackend(request: BackendRequest, options: BackendSearchOptions = {}): Promise<void> {
  if (request === 'webgpu' || request === 'tensorflow') await selectBackend(request, options);
}

async function startBest(options: BackendSearchOptions): Promise<SelectedBackend> {
  const skipped: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const load = await loadNativeBackend(pkg, options);
    if (load.loaded) return fromNative(load, skipped);
    skipped.push(load.installed ? load.reason : `${pkg} not installed`);
  }
  try {
    const webgpu = await startWebgpu(false);
    return { ...webgpu, detail: withSkipped(webgpu.detail, skipped) };
  } catch (err) {
    skipped.push((err as Error).message);
  }
  try {
    const wasm = await startWasm();
    return { ...wasm, detail: withSkipped(wasm.detail, skipped) };
  } catch (err) {
    skipped.push((err as Error).message);
  }
  const cpu = await startCpu();
  return { ...cpu, detail: withSkipped(cpu.detail, skipped) };
}

async function startTensorflow(options: BackendSearchOptions): Promise<SelectedBackend> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const load = await loadNativeBackend(pkg, options);
    if (load.loaded) return fromNative(load, failures);
    failures.push(load.reason);
  }
  throw new Error(
    `backend 'tensorflow' is unavailable: ${failures.join('; ')}. ` +
      `Install @tensorflow/tfjs-node-gpu@${version_core} (Linux x64 with CUDA 11.2 and cuDNN 8.1) ` +
      `or @tensorflow/tfjs-node@${version_core} (CPU), with npm install here or with npm install --prefix DIR ` +
      `and ${BACKEND_DIR_ENV}=DIR, or choose backend 'wasm'`,
  );
}

/** `allowSoftware`: asked for by name, a software adapter will do (and says so); `auto` never takes one. */
async function startWebgpu(allowSoftware: boolean): Promise<SelectedBackend> {
  try {
    const gpu = await startWebgpuBackend({ allowSoftware });
    return { backend: 'webgpu', gpu: adapterName(gpu.adapter), gpuAdapter: gpu.adapter, detail: gpu.detail, fault: gpu.fault };
  } catch (err) {
    throw new Error(`backend 'webgpu' is unavailable: ${(err as Error).message}`, { cause: err });
  }
}

async function startWasm(): Promise<SelectedBackend> {
  try {
    const wasm = await startWasmBackend();
    return { backend: 'wasm', detail: wasm.detail };
  } catch (err) {
    throw new Error(`backend 'wasm' is unavailable: ${(err as Error).message}`);
  }
}

async function startCpu(): Promise<SelectedBackend> {
  if (!(await tf.setBackend('cpu'))) throw new Error(`backend 'cpu' failed to initialise`);
  await tf.ready();
  return { backend: 'cpu', detail: `cpu (tfjs-backend-cpu ${version_cpu}, pure JavaScript; convolutions are slow)` };
}

function fromNative(load: Extract<NativeLoad, { loaded: true }>, skipped: string[]): SelectedBackend {
  const where = load.gpu ? `on ${load.gpu}` : 'on the CPU';
  return {
    backend: 'tensorflow',
    ...(load.gpu ? { gpu: load.gpu } : {}),
    detail: withSkipped(`tensorflow via ${load.pkg} ${where} (${load.resolvedFrom})`, skipped),
  };
}

function withSkipped(detail: string, skipped: string[]): string {
  return skipped.length === 0 ? detail : `${detail}; skipped: ${skipped.join('; ')}`;
}

/**
 * Tries every backend, for `diffusion-lab env`. Native packages, once loaded, stay
 * loaded; the backend active before the probe is restored afterwards.
 */
export async function probeBackends(options: BackendSearchOptions = {}): Promise<BackendProbe[]> {
  registerTrainingGradients();
  const before = tf.engine().backendName as string | null | undefined;
  const probes: BackendProbe[] = [];
  let nativeLoaded: string | undefined;
  for (const pkg of NATIVE_PACKAGES) {
    if (nativeLoaded !== undefined) {
      // Two libtensorflow builds in one process would fight over the backend name.
      probes.push({ name: pkg, backend: 'tensorflow', loads: false, reason: `not tried: ${nativeLoaded} already provides the tensorflow backend` });
      continue;
    }
    const load = await loadNativeBackend(pkg, options);
    if (load.loaded) {
      nativeLoaded = pkg;
      probes.push({
        name: pkg,
        backend: 'tensorflow',
        loads: true,
        ...(load.gpu ? { gpu: load.gpu } : {}),
        detail: `${load.gpu ? `on ${load.gpu}` : 'on the CPU (no CUDA device in use)'}, from ${load.resolvedFrom}`,
      });
    } else {
      probes.push({ name: pkg, backend: 'tensorflow', loads: false, reason: load.reason });
    }
  }
  probes.push(await probeWebgpu());
  probes.push(await probe('@tensorflow/tfjs-backend-wasm', 'wasm', startWasm));
  probes.push(await probe('@tensorflow/tfjs-backend-cpu', 'cpu', startCpu));
  if (before && before !== tf.engine().backendName) await tf.setBackend(before);
  return probes;
}

async function probeWebgpu(): Promise<BackendProbe> {
  const name = '@tensorflow/tfjs-backend-webgpu';
  try {
    const started = await startWebgpu(true);
    const software = started.gpuAdapter?.software === true;
    return {
      name, backend: 'webgpu', loads: true, detail: started.detail,
      ...(started.gpu ? { gpu: started.gpu } : {}), ...(started.gpuAdapter ? { gpuAdapter: started.gpuAdapter } : {}),
      ...(software ? { software } : {}),
    };
  } catch (err) {
    const adapter = (err as Error).cause instanceof WebgpuUnavailable ? ((err as Error).cause as WebgpuUnavailable).software : undefined;
    return { name, backend: 'webgpu', loads: false, reason: (err as Error).message, ...(adapter ? { gpuAdapter: adapter } : {}) };
  }
}

async function probe(name: string, backend: BackendName, start: () => Promise<SelectedBackend>): Promise<BackendProbe> {
  try {
    const started = await start();
    return { name, backend, loads: true, detail: started.detail };
  } catch (err) {
    return { name, backend, loads: false, reason: (err as Error).message };
  }
}
