// WebGPU in tests: Dawn on SwiftShader's Vulkan driver, which Debian's chromium package
// ships. VK_ICD_FILENAMES names that one driver, so a machine's real GPU (if any) never
// changes what a test sees. Dawn reads the variables when the backend first starts.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The environment that gives Dawn the SwiftShader adapter (for child processes, or this one). */
export function softwareGpuEnv(): Record<string, string> {
  if (!existsSync(SWIFTSHADER_ICD)) {
    throw new Error(`${SWIFTSHADER_ICD} is missing: install Debian's chromium package (.ci/run does) for the webgpu tests`);
  }
  const runtimeDir = join(tmpdir(), 'dl-xdg-runtime');
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? runtimeDir };
}

/** Points this process's Dawn at SwiftShader; call before the webgpu backend first starts. */
export function useSoftwareGpu(): void {
  Object.assign(process.env, softwareGpuEnv());
}
