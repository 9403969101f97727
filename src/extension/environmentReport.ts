// Check Environment: asks the trainer's own Node (the one sweeps would run in) which tfjs
// backends load and why the others do not, and writes it up as a markdown document.
import { runNode, runTrainerCli, type TrainerCliOptions } from './trainerCli';

export interface EnvironmentQuery extends TrainerCliOptions {
  /** Where the extension would install a GPU backend (DIFFUSION_LAB_BACKEND_DIR). */
  backendDir: string;
}

interface Probe {
  backend: string;
  name: string;
  loads: boolean;
  detail?: string;
  reason?: string;
  gpu?: string;
}

export async function environmentReport(q: EnvironmentQuery): Promise<string> {
  const node = q.nodePath || process.execPath;
  const version = await runNode(['-p', 'process.version + " (" + process.platform + " " + process.arch + ")"'], q);
  const lines = ['# Diffusion Lab: environment', '', `Trainer Node: \`${node}\` ${version.stdout.trim() || `(does not run: ${version.error ?? version.stderr})`}`, ''];
  if (version.error) return lines.join('\n');
  const [json, text] = await Promise.all([runTrainerCli(['env', '--json'], q), runTrainerCli(['env'], q)]);
  let probes: Probe[] = [];
  try {
    probes = JSON.parse(json.stdout) as Probe[];
  } catch {
    lines.push(`The trainer could not report its backends: ${json.error ?? ''}`, '', '```', json.stderr.trim(), '```');
    return lines.join('\n');
  }
  const chosen = probes.find((p) => p.loads);
  lines.push(`**Training runs on:** ${chosen ? `${chosen.backend} (${chosen.name})${chosen.gpu ? ` on GPU ${chosen.gpu}` : ''}` : 'nothing: no backend loads'}`,
    `**GPU in use:** ${probes.some((p) => p.loads && p.gpu) ? 'yes' : 'no'}`, '',
    '| backend | package | loads | detail, or why not |', '|---|---|---|---|',
    ...probes.map((p) => `| ${p.backend} | \`${p.name}\` | ${p.loads ? 'yes' : 'no'} | ${cell(p.loads ? p.detail ?? '' : p.reason ?? '')} |`),
    '', '## The trainer\'s full report (`diffusion-lab env`)', '', '```', text.stdout.trimEnd(), '```', '',
    '## Enabling the GPU path', '',
    `The extension loads a GPU backend from \`${q.backendDir}\` when one is installed there. With CUDA 11.2 and cuDNN 8.1 installed,`,
    'run **Diffusion: Install GPU Backend** (it installs `@tensorflow/tfjs-node-gpu`, or `@tensorflow/tfjs-node` without an NVIDIA GPU), or by hand:', '',
    '```sh', `npm install --prefix "${q.backendDir}" @tensorflow/tfjs-node-gpu@4.22.0`, '```', '',
    'then run **Diffusion: Check Environment** again.');
  return lines.join('\n') + '\n';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
