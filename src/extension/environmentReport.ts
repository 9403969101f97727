// Check Environment: asks the trainer's own Node (the one sweeps would run in) which tfjs
// backends load and why the others do not, and writes it up as a markdown document.
import { autoChoice, type BackendProbe } from '../shared/backendProbe';
import { runNode, runTrainerCli, type TrainerCliOptions } from './trainerCli';

export interface EnvironmentQuery extends TrainerCliOptions {
  /** Where the extension would install a GPU backend (DIFFUSION_LAB_BACKEND_DIR). */
  backendDir: string;
}

export async function environmentReport(q: EnvironmentQuery): Promise<string> {
  const node = q.nodePath || process.execPath;
  const version = await runNode(['-p', 'process.version + " (" + process.platform + " " + process.arch + ")"'], q);
  const lines = ['# Diffusion Lab: environment', '', `Trainer Node: \`${node}\` ${version.stdout.trim() || `(does not run: ${version.error ?? version.stderr})`}`, ''];
  if (version.error) return lines.join('\n');
  const [json, text] = await Promise.all([runTrainerCli(['env', '--json'], q), runTrainerCli(['env'], q)]);
  let probes: BackendProbe[] = [];
  try {
    probes = JSON.parse(json.stdout) as BackendProbe[];
  } catch {
    // Reported: its stderr says why there is no JSON better than the parse error would.
    lines.push(`The trainer could not report its backends: ${json.error ?? ''}`, '', '```', json.stderr.trim(), '```');
    return lines.join('\n');
  }
  const chosen = autoChoice(probes);
  lines.push(`**Training runs on (auto):** ${chosen ? `${chosen.backend} (${chosen.name})${chosen.gpu ? ` on GPU ${chosen.gpu}` : ''}` : 'nothing: no backend loads'}`,
    `**GPU in use:** ${chosen?.gpu ? 'yes' : 'no'}`, '',
    '| backend | package | loads | detail, or why not |', '|---|---|---|---|',
    ...probes.map((p) => `| ${p.backend} | \`${p.name}\` | ${p.loads ? (p.software ? 'software adapter only' : 'yes') : 'no'} | ${cell(p.loads ? p.detail ?? '' : p.reason ?? '')} |`),
    '', '## The trainer\'s full report (`diffusion-lab env`)', '', '```', text.stdout.trimEnd(), '```', '',
    '## Enabling the GPU path', '',
    'Any GPU with Vulkan (Linux, Windows), Metal (macOS) or D3D12 (Windows) trains through the **webgpu** backend, which ships',
    'with the extension: install the GPU\'s driver (on Linux the Vulkan loader `libvulkan1` and `mesa-vulkan-drivers` or the NVIDIA driver)',
    'and run **Diffusion: Check Environment** again. `auto` uses webgpu only on a hardware adapter.', '',
    `For NVIDIA with CUDA, the extension also loads a GPU backend from \`${q.backendDir}\` when one is installed there. With CUDA 11.2 and cuDNN 8.1 installed,`,
    'run **Diffusion: Install GPU Backend** (it installs `@tensorflow/tfjs-node-gpu`, or `@tensorflow/tfjs-node` without an NVIDIA GPU), or by hand:', '',
    '```sh', `npm install --prefix "${q.backendDir}" @tensorflow/tfjs-node-gpu@4.22.0`, '```', '',
    'then run **Diffusion: Check Environment** again.');
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
