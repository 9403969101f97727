// The kernels training a conv net needs that the wasm backend lacks or runs slowly.
//
// Found by profiling a full U-Net-style training step (explicit-padding and strided
// convs, conv2dTranspose, concat, moments batch norm, every activation and loss the
// trainer offers, Adam) on the cpu backend and listing kernel names wasm does not
// register: only Conv2DBackpropFilter is missing. Conv2DBackpropInput exists but is slow.
// test/unit/backend-wasm-kernels.test.ts repeats that check, so a new op that needs a kernel wasm
// lacks fails there rather than in the middle of a run.
import { engine, getKernel, registerKernel, unregisterKernel, type KernelBackend, type KernelConfig } from '@tensorflow/tfjs-core';
import { wasmConv2DBackpropFilterConfig } from './conv2dBackpropFilter';
import { wasmConv2DBackpropInputConfig } from './conv2dBackpropInput';
import { channelMeanConfig, channelSumConfig } from './channelReductions';
import { unpackedWeightsConv2DConfig } from './conv2d';
import { repeatingTileConfig, sharingCastConfig, sharingIdentityConfig } from './sharingKernels';

export const WASM_TRAINING_KERNELS: readonly KernelConfig[] = [wasmConv2DBackpropFilterConfig, wasmConv2DBackpropInputConfig];

/** The wasm backend's own Conv2DBackpropInput, kept for benchmarks; undefined before registration. */
let replacedConv2DBackpropInput: KernelConfig | undefined;

export function builtinWasmConv2DBackpropInput(): KernelConfig | undefined {
  return replacedConv2DBackpropInput;
}

/** Idempotent; may run before or after the wasm backend initialises (these kernels need no setup). */
export function registerWasmTrainingKernels(): void {
  for (const config of WASM_TRAINING_KERNELS) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      if (config.kernelName === wasmConv2DBackpropInputConfig.kernelName) replacedConv2DBackpropInput = current;
      unregisterKernel(config.kernelName, 'wasm');
    }
    registerKernel(config);
  }
  // Kernels that wrap the wasm backend's own (which they fall back to for other cases).
  for (const [name, wrap] of WRAPPED) {
    const current = getKernel(name, 'wasm');
    if (current === undefined || wrappers.has(current.kernelFunc)) continue;
    const config = wrap(current);
    wrappers.add(config.kernelFunc);
    unregisterKernel(name, 'wasm');
    registerKernel(config);
    // Registered after the backend started: tfjs runs setup functions only at start-up.
    // (engine().registry holds started backends only; findBackend would start one.)
    const started = (engine() as unknown as { registry: Record<string, KernelBackend | undefined> }).registry.wasm;
    if (started && config.setupFunc) config.setupFunc(started);
  }
}

/**
 * Zero-copy Identity (the engine clones every tensor a gradient saves) and same-dtype Cast;
 * Tile that repeats by block copies; per-channel Sum/Mean in one pass; Conv2D without
 * repacking wide layers' weights every step.
 */
const WRAPPED: ReadonlyArray<[string, (builtin: KernelConfig) => KernelConfig]> = [
  ['Conv2D', unpackedWeightsConv2DConfig],
  ['Identity', sharingIdentityConfig],
  ['Cast', sharingCastConfig],
  ['Tile', repeatingTileConfig],
  ['Sum', channelSumConfig],
  ['Mean', channelMeanConfig],
];
const wrappers = new Set<unknown>();
