// What `diffusion-lab env --json` prints for each backend: the trainer writes it, Check
// Environment in the extension reads it.
import type { BackendName } from './options';
import type { GpuAdapterRecord } from './runConfig';

export interface BackendProbe {
  /** The package that provides the backend. */
  name: string;
  backend: BackendName;
  loads: boolean;
  /** Why it does not load, and what to install. */
  reason?: string;
  /** The GPU it runs on, when it reports one. */
  gpu?: string;
  /** The WebGPU adapter found, when there is one (also when it is a software one). */
  gpuAdapter?: GpuAdapterRecord;
  /** It loads, but only on a software adapter, which `auto` never picks. */
  software?: boolean;
  /** What loaded and from where. */
  detail?: string;
}

/** The backend `auto` takes: the first that loads on real hardware (the probes are in `auto`'s order). */
export function autoChoice(probes: readonly BackendProbe[]): BackendProbe | undefined {
  return probes.find((p) => p.loads && !p.software);
}
