// The `webgpu` backend: tfjs-backend-webgpu on Dawn's Node bindings (npm `webgpu`), which
// drive Metal, Vulkan or D3D12, so any laptop GPU trains without CUDA.
//
// tfjs-backend-webgpu registers itself at import only when `navigator.gpu` already exists,
// which esbuild's hoisted imports make hard to arrange; so the backend is registered here,
// on the device this module opened. Its kernels register at import regardless.
//
// Dawn also offers software adapters (SwiftShader, a fallback or CPU adapter). They are
// thousands of times slower than wasm: `auto` never takes one, and an explicit request
// takes it but says so. The GPU cannot read back synchronously in Node (tfjs's readSync
// needs OffscreenCanvas), so nothing in the trainer may call dataSync on this backend.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { GpuAdapterRecord } from '../../shared/runConfig';

/** Where `webgpu` 0.6 ships a prebuilt dawn.node. */
export const DAWN_PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-universal', 'win32-x64', 'win32-arm64'] as const;

/** The dist/ folder webgpu would load dawn.node from; its Linux builds need glibc (musl, e.g. Alpine, has none). */
export function dawnPlatform(platform: NodeJS.Platform = process.platform, arch: string = process.arch, glibc: boolean = hasGlibc()): string {
  if (platform === 'darwin') return 'darwin-universal';
  return platform === 'linux' && !glibc ? `linux-musl-${arch}` : `${platform}-${arch}`;
}

function hasGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/** What went wrong on the device after it started: the step loop asks after every step. */
export interface GpuFault {
  kind: 'device-lost' | 'out-of-memory' | 'error';
  message: string;
}

export interface StartedWebgpu {
  adapter: GpuAdapterRecord;
  detail: string;
  /** The first fault the device reported since it started, if any. */
  fault(): GpuFault | undefined;
}

/** Why webgpu does not start; `software` when the only adapter is a software one. */
export class WebgpuUnavailable extends Error {
  constructor(message: string, readonly software?: GpuAdapterRecord) {
    super(message);
  }
}

// Minimal shapes of the WebGPU objects used here (the DOM typings are not in this room).
interface AdapterLike {
  info: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredLimits: Record<string, number> }): Promise<DeviceLike>;
}
interface DeviceLike {
  lost: Promise<{ reason: string; message: string }>;
  addEventListener(type: 'uncapturederror', listener: (e: { error: { constructor: { name: string }; message: string } }) => void): void;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

let started: StartedWebgpu | undefined;

/** The `webgpu` package's entry, resolved from here (dist/ in a bundle, src/ under tsx). */
function dawnEntry(): string {
  try {
    return createRequire(__filename).resolve('webgpu');
  } catch {
    // Reported: resolving fails only when the package is not there.
    throw new WebgpuUnavailable(`the webgpu package (Dawn) is not installed beside ${dirname(__filename)}`);
  }
}

async function loadDawn(): Promise<DawnModule> {
  // First: a VSIX for such a platform carries no webgpu at all.
  const platform = dawnPlatform();
  if (!(DAWN_PLATFORMS as readonly string[]).includes(platform)) {
    throw new WebgpuUnavailable(`webgpu (Dawn) has no prebuilt dawn.node for ${platform} (it ships ${DAWN_PLATFORMS.join(', ')})`);
  }
  const entry = dawnEntry();
  try {
    // An ES module: import() it by path, which a CommonJS bundle keeps as it is.
    return (await import(pathToFileURL(entry).href)) as DawnModule;
  } catch (err) {
    const file = join(dirname(entry), 'dist', platform, 'dawn.node');
    throw new WebgpuUnavailable(`Dawn's ${file} failed to load: ${firstLine(err)}`);
  }
}

/** Vendor, architecture and the limits that bound a batch, as config.json records them. */
export function adapterRecord(adapter: AdapterLike): GpuAdapterRecord {
  const { vendor, architecture, device, description } = adapter.info;
  return {
    vendor, architecture, device, description,
    software: isSoftwareAdapter(adapter),
    maxBufferSize: adapter.limits.maxBufferSize ?? 0,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize ?? 0,
  };
}

/** SwiftShader, llvmpipe/lavapipe, Microsoft's WARP or anything Dawn calls a fallback adapter. */
export function isSoftwareAdapter(adapter: Pick<AdapterLike, 'info' | 'isFallbackAdapter'>): boolean {
  if (adapter.info.isFallbackAdapter || adapter.isFallbackAdapter) return true;
  const text = `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.device} ${adapter.info.description}`.toLowerCase();
  return /swiftshader|llvmpipe|lavapipe|microsoft basic render|warp/.test(text);
}

export function adapterName(a: GpuAdapterRecord): string {
  const name = a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
  return a.software ? `${name} (software adapter: slow, for tests only)` : name;
}

function softwareRefused(record: GpuAdapterRecord): WebgpuUnavailable {
  return new WebgpuUnavailable(`only a software adapter (${adapterName(record)}); auto never picks one`, record);
}

function noAdapterAdvice(): string {
  switch (process.platform) {
    case 'linux':
      return 'no Vulkan adapter: install the Vulkan loader (e.g. libvulkan1) and the GPU\'s Vulkan driver (mesa-vulkan-drivers for Intel and AMD, the NVIDIA driver for NVIDIA)';
    case 'win32':
      return 'no D3D12 or Vulkan adapter: update the GPU driver';
    case 'darwin':
      return 'no Metal adapter: macOS 11 or later on a Mac with a Metal GPU is needed';
    default:
      return `no adapter on ${process.platform}`;
  }
}

/**
 * Opens the GPU and makes `webgpu` the active tfjs backend. Once per process: later calls
 * reactivate the same device (a process never opens two).
 */
export async function startWebgpuBackend(opts: { allowSoftware: boolean }): Promise<StartedWebgpu> {
  if (started) {
    if (started.adapter.software && !opts.allowSoftware) throw softwareRefused(started.adapter);
    if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable('the webgpu backend did not initialise again');
    return started;
  }
  const dawn = await loadDawn();
  // tfjs-backend-webgpu reads GPUBufferUsage and friends as globals, and checks navigator.gpu.
  const scope = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in scope)) scope[name] = value;
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new WebgpuUnavailable(noAdapterAdvice());
  const record = adapterRecord(adapter);
  if (record.software && !opts.allowSoftware) throw softwareRefused(record);
  const navigatorObject = (scope.navigator ??= {}) as Record<string, unknown>;
  navigatorObject.gpu = gpu;

  // As tfjs's own registration asks: the adapter's full limits, not WebGPU's defaults.
  const limitNames = ['maxComputeWorkgroupStorageSize', 'maxComputeWorkgroupsPerDimension', 'maxStorageBufferBindingSize',
    'maxBufferSize', 'maxComputeWorkgroupSizeX', 'maxComputeInvocationsPerWorkgroup'];
  const requiredLimits = Object.fromEntries(limitNames.map((n) => [n, adapter.limits[n]!]));
  const device = await adapter.requestDevice({ requiredLimits });
  let fault: GpuFault | undefined;
  void device.lost.then((info) => {
    // `destroyed` is our own doing (none today); anything else is the driver's.
    if (info.reason !== 'destroyed') fault ??= { kind: 'device-lost', message: `the GPU device was lost (${info.reason || 'unknown'}): ${firstLine(info.message)}` };
  });
  device.addEventListener('uncapturederror', (e) => {
    const oom = e.error.constructor.name === 'GPUOutOfMemoryError';
    fault ??= { kind: oom ? 'out-of-memory' : 'error', message: `${oom ? 'GPU out of memory' : 'GPU error'}: ${firstLine(e.error.message)}` };
  });
  tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never));
  if (!(await tf.setBackend('webgpu'))) throw new WebgpuUnavailable('the webgpu backend did not initialise');
  await tf.ready();
  const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  started = {
    adapter: record,
    detail: `webgpu on ${adapterName(record)} (Dawn ${dawnPlatform()}, ${record.vendor || 'unknown vendor'}` +
      `${record.architecture ? ` ${record.architecture}` : ''}; max buffer ${mib(record.maxBufferSize)}, max storage binding ${mib(record.maxStorageBufferBindingSize)})`,
    fault: () => fault,
  };
  return started;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n', 1)[0]!.trim();
}
