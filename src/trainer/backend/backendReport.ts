// The plain-text report of `diffusion-lab env`: which backends load here, which one
// `auto` would take, and what to do to get training onto a GPU.
import { version_core } from '@tensorflow/tfjs-core';
import { BACKEND_DIR_ENV, nvidiaGpuNames } from './nativeBackend';
import { autoChoice, type BackendProbe } from '../../shared/backendProbe';

export interface HostFacts {
  platform: NodeJS.Platform;
  arch: string;
  /** GPUs nvidia-smi lists, whether or not TensorFlow can use them. */
  nvidiaGpus: string[];
}

export function hostFacts(): HostFacts {
  return { platform: process.platform, arch: process.arch, nvidiaGpus: nvidiaGpuNames() };
}

const GPU_PACKAGE = '@tensorflow/tfjs-node-gpu';

export function formatBackendReport(probes: readonly BackendProbe[], host: HostFacts = hostFacts()): string {
  const lines: string[] = ['Backends, in the order `auto` tries them:'];
  const width = Math.max(...probes.map((p) => `${p.backend} (${p.name})`.length));
  for (const p of probes) {
    const label = `${p.backend} (${p.name})`.padEnd(width);
    const loads = p.loads ? (p.software ? 'sw ' : 'yes') : 'no ';
    lines.push(`  ${label}  ${loads}  ${p.loads ? (p.detail ?? '') : (p.reason ?? '')}`);
  }
  const chosen = autoChoice(probes);
  lines.push('', chosen ? `auto picks: ${chosen.backend} (${chosen.name})` : 'auto picks: nothing loads here');
  lines.push(`host: ${host.platform} ${host.arch}; NVIDIA GPUs seen by nvidia-smi: ${host.nvidiaGpus.join(', ') || 'none'}`);
  lines.push('', 'GPU training through WebGPU (any GPU with Metal, Vulkan or D3D12):',
    ...webgpuAdvice(probes.find((p) => p.backend === 'webgpu')).map((l) => `  ${l}`));
  lines.push('', 'GPU training through CUDA (@tensorflow/tfjs-node-gpu):',
    ...gpuAdvice(probes.find((p) => p.name === GPU_PACKAGE), host).map((l) => `  ${l}`));
  return lines.join('\n') + '\n';
}

function webgpuAdvice(probe: BackendProbe | undefined): string[] {
  if (!probe) return ['not probed'];
  if (probe.loads && !probe.software) return [`active: ${probe.gpu ?? 'a hardware adapter'}; auto trains on it unless tensorflow loads on a GPU.`];
  const driver = [
    'Install the GPU driver with Vulkan (Linux: the Vulkan loader libvulkan1 and mesa-vulkan-drivers for Intel/AMD,',
    'or the NVIDIA driver), D3D12 (Windows: any current driver) or Metal (macOS 11+); then run diffusion-lab env again.',
  ];
  if (probe.loads) {
    return [`only a software adapter: ${probe.gpu ?? ''}. --backend webgpu runs on it (for tests); auto does not.`, ...driver];
  }
  return [`no: ${probe.reason ?? 'unknown'}`, ...driver];
}

function gpuAdvice(gpuProbe: BackendProbe | undefined, host: HostFacts): string[] {
  if (gpuProbe?.gpu) return [`active: ${GPU_PACKAGE} runs on ${gpuProbe.gpu}.`];
  const requirements =
    `${GPU_PACKAGE} ${version_core} uses a libtensorflow built for CUDA 11.2 and cuDNN 8.1, ` +
    `on Linux x64 only, with an NVIDIA driver new enough for CUDA 11.2.`;
  if (host.platform !== 'linux' || host.arch !== 'x64') {
    return [
      `not available on ${host.platform} ${host.arch}: ${requirements}`,
      `@tensorflow/tfjs-node@${version_core} (libtensorflow on the CPU) is the fast path here, if it installs.`,
    ];
  }
  if (gpuProbe?.loads) {
    return [
      `${GPU_PACKAGE} loads but TensorFlow uses no GPU, so it runs on the CPU.`,
      requirements,
      'Check that libcudart.so.11.0 and libcudnn.so.8 are on LD_LIBRARY_PATH (e.g. /usr/local/cuda-11.2/lib64)',
      'and that nvidia-smi lists the GPU; TensorFlow prints what it could not load on stderr at start-up.',
    ];
  }
  return [
    requirements,
    `1. Install CUDA 11.2 and cuDNN 8.1 (other major versions do not work with ${version_core}).`,
    `2. npm install --prefix DIR ${GPU_PACKAGE}@${version_core}    (it downloads libtensorflow)`,
    `3. export ${BACKEND_DIR_ENV}=DIR   (the extension does steps 2–3 into its global storage)`,
    '4. diffusion-lab env   should then show the GPU here.',
  ];
}
