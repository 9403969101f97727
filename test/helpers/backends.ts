// Runs a test once per tfjs backend under test: DIFFUSION_TEST_BACKENDS="cpu,wasm"
// (default both: the fidelity fixtures must hold on each). Files whose tests are tiny
// enough for a software GPU also run on webgpu (SwiftShader, softwareGpu.ts).

import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { useSoftwareGpu } from './softwareGpu';

export function backendsUnderTest(): string[] {
  const list = (process.env.DIFFUSION_TEST_BACKENDS ?? 'cpu,wasm').split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : ['cpu'];
}

export async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') {
    // As the trainer starts it: the training kernels, and the threaded build when there is
    // more than one core (DIFFUSION_LAB_WASM_THREADS=1 tests the single-thread one).
    const { startWasmBackend } = await import('../../src/trainer/backend/wasm/wasmBackend');
    await startWasmBackend();
    return;
  }
  if (name === 'webgpu') {
    useSoftwareGpu();
    const { startWebgpuBackend } = await import('../../src/trainer/backend/webgpuBackend');
    await startWebgpuBackend({ allowSoftware: true });
    return;
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend "${name}" could not be initialised`);
}

export interface EachBackendOptions {
  /** Also on webgpu (SwiftShader): for tests of tiny shapes that read tensors asynchronously. */
  gpu?: boolean;
}

/** Registers `name [backend]` for each backend under test, with that backend active. */
export function testOnEachBackend(name: string, fn: () => void | Promise<void>, options: EachBackendOptions = {}): void {
  const backends = backendsUnderTest();
  if (options.gpu && !backends.includes('webgpu')) backends.push('webgpu');
  for (const backend of backends) {
    test(`${name} [${backend}]`, async () => {
      await useBackend(backend);
      await fn();
    });
  }
}
