// `diffusion-lab export`: a run's weights as one PyTorch state_dict in safetensors, which
// `SimpleUnet(...).load_state_dict(safetensors.torch.load_file(FILE))` accepts (strict). The
// checkpoint already holds state_dicts in that form; this picks one, checks it against the
// run's config and writes it with metadata naming the run. No tensors are computed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile';
import { ConfigError, resolveRunConfig } from '../../shared/runConfig';
import { RUN_FILES } from '../../shared/runDirectory';
import { readRunConfigFile } from '../../shared/runReading/runFiles';
import { decodeSafetensors, encodeSafetensors } from '../model/safetensors';
import { simpleUnetParameters } from '../model/parameters';
import { checkpointWeightFiles } from '../training/checkpoint';
import { describeModel, stateDictMismatches } from './stateDictFit';

/** `ema`: the weight average (runs with emaDecay > 0); `raw`: the trained weights themselves. */
export const EXPORTED_WEIGHTS = ['raw', 'ema'] as const;
export type ExportedWeights = (typeof EXPORTED_WEIGHTS)[number];

export interface ExportedFile {
  file: string;
  weights: ExportedWeights;
  step: number;
}

/** Writes `outFile`; by default the weights the run samples from (the average when it keeps one). */
export async function exportWeights(runDir: string, outFile: string, weights?: ExportedWeights): Promise<ExportedFile> {
  const recorded = await readRunConfigFile(runDir);
  const config = resolveRunConfig({ ...recorded.config }, path.join(runDir, RUN_FILES.config));
  let files;
  try {
    files = await checkpointWeightFiles(path.join(runDir, RUN_FILES.checkpoint));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (weights === 'ema' && !files.ema) {
    throw new ConfigError(`--weights ema: run ${recorded.runId} keeps no weight average (emaDecay ${config.emaDecay}); use --weights raw`);
  }
  const chosen: ExportedWeights = weights ?? (files.ema ? 'ema' : 'raw');
  const source = chosen === 'ema' ? files.ema! : files.raw;
  const decoded = decodeSafetensors(new Uint8Array(await fs.readFile(source)));
  // A checkpoint edited or truncated by hand should fail here, not in someone's notebook.
  const mismatches = stateDictMismatches(simpleUnetParameters(config.channels, config), decoded.tensors, describeModel(config));
  if (mismatches.length > 0) throw new Error(`${source}: does not match the run's config: ${mismatches[0]}`);
  const metadata = { ...decoded.metadata, format: 'pt', run: recorded.runId, weights: chosen, step: String(files.step) };
  const file = path.resolve(outFile);
  try {
    await writeFileAtomic(file, encodeSafetensors(decoded.tensors, metadata));
  } catch (err) {
    throw new ConfigError(`--out ${file}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return { file, weights: chosen, step: files.step };
}
