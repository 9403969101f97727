// Identity and same-dtype Cast for the wasm backend without a copy. The wasm backend's own
// copy the whole tensor, and tfjs's engine runs Identity on every tensor a gradient saves
// for the backward pass (Engine.saveTensorsForBackwardMode clones them): ~380 full copies
// of activations in one step of the small U-Net, ~1 s of a 7 s step, and twice the memory
// they hold. tfjs tensors are immutable, so sharing the data by reference count is what the
// cpu backend's Identity (and wasm's own Reshape) already do.
import { Cast, Identity, type CastAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

function share(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function sharingIdentityConfig(builtin: KernelConfig): KernelConfig {
  return {
    kernelName: Identity,
    backendName: 'wasm',
    kernelFunc: ((args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      return x.dtype === 'string' ? builtin.kernelFunc(args) : share(args.backend as BackendWasm, x);
    }) as KernelFunc,
  };
}

export function sharingCastConfig(builtin: KernelConfig): KernelConfig {
  return {
    kernelName: Cast,
    backendName: 'wasm',
    kernelFunc: ((args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const { dtype } = args.attrs as unknown as CastAttrs;
      return x.dtype === dtype && dtype !== 'string' ? share(args.backend as BackendWasm, x) : builtin.kernelFunc(args);
    }) as KernelFunc,
  };
}

/**
 * Tile when the output is the input repeated whole (every tiled axis has only size-1 axes
 * before it, e.g. [1, 1, 1, C] -> [N, H, W, C], how Mean's and Sum's gradients broadcast):
 * one copy of the input, then copies that double the filled prefix, at memcpy speed. The
 * wasm backend's Tile computes an index per element, ~20 ms for one activation-sized output.
 */
export function repeatingTileConfig(builtin: KernelConfig): KernelConfig {
  return {
    kernelName: 'Tile',
    backendName: 'wasm',
    // The fallback binds its C++ function in its setup.
    ...(builtin.setupFunc ? { setupFunc: builtin.setupFunc } : {}),
    kernelFunc: ((args) => {
      const x = (args.inputs as { x: TensorInfo }).x;
      const { reps } = args.attrs as unknown as { reps: number[] };
      if (x.dtype === 'string' || !repeatsWhole(x.shape, reps)) return builtin.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]!), x.dtype);
      const src = backend.typedArrayFromHeap(x);
      const dst = backend.typedArrayFromHeap(out);
      if (dst.length === 0) return out;
      dst.set(src);
      for (let filled = src.length; filled < dst.length; filled *= 2) dst.copyWithin(filled, 0, Math.min(filled, dst.length - filled));
      return out;
    }) as KernelFunc,
  };
}

/** True when tiling `shape` by `reps` is the flat input repeated prod(reps) times. */
export function repeatsWhole(shape: readonly number[], reps: readonly number[]): boolean {
  let onlyOnesSoFar = true;
  for (let i = 0; i < shape.length; i++) {
    if (reps[i]! > 1 && !onlyOnesSoFar) return false;
    if (shape[i] !== 1) onlyOnesSoFar = false;
  }
  return true;
}
