// `diffusion-lab import`: a PyTorch state_dict of the notebook's SimpleUnet (any widths) becomes
// a finished run directory, the same contract as a trained run, so it can be sampled, evaluated,
// exported and opened in the panel. Everything is checked before the run directory exists.
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { makeNoiseSchedule } from '../../shared/noiseSchedules';
import { PRESET_CHANNELS, PRESETS } from '../../shared/options';
import { ConfigError, resolveRunConfig, type RunConfig, type RunEnvironment } from '../../shared/runConfig';
import { RUN_FILES, isRunId } from '../../shared/runDirectory';
import { selectBackend } from '../backend/selectBackend';
import { scheduleRecord } from '../metrics/records';
import { scheduleFacts } from '../metrics/scheduleFacts';
import { parameterCount } from '../model/parameters';
import { decodeSafetensors, type SafeTensor } from '../model/safetensors';
import { SimpleUnet, simpleUnetConfigOf } from '../model/simpleUnet';
import { importTorchStateDict } from '../model/torchStateDict';
import { RunWriter } from '../run/runWriter';
import { Adam } from '../training/adam';
import { saveCheckpoint } from '../training/checkpoint';
import { VERSION } from '../version';
import { checkFlagsAgree, inferModel, type InferredModel } from './stateDictFit';

export interface ImportedRun {
  runDir: string;
  config: RunConfig;
  model: InferredModel;
}

/** Reads and checks `file`; ConfigErrors (exit 2) name the file and the tensor at fault. */
async function readStateDict(file: string): Promise<{ bytes: Uint8Array; tensors: Map<string, SafeTensor> }> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (err) {
    throw new ConfigError(`--weights ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return { bytes, tensors: decodeSafetensors(bytes).tensors };
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

/** `imported-<file name>-T300-32px-relu-7f3a`. */
function importedRunId(file: string, config: RunConfig): string {
  const stem = path.basename(file).replace(/\.safetensors$/i, '').replace(/[^\w.-]+/g, '_').slice(0, 40);
  const id = ['imported', stem, `T${config.timesteps}`, `${config.imgSize}px`, config.activation, randomBytes(2).toString('hex')].join('-');
  return isRunId(id) ? id : `imported-${randomBytes(4).toString('hex')}`;
}

/**
 * The run directory for `file` under `<outDir>/runs`: config.json (the resolved config, the
 * source file in environment.importedFrom), status.json `done`, checkpoint/ as training saves it
 * (with a fresh optimiser state) and metrics.jsonl with the schedule's facts.
 * `partial` is the rest of the config (T, image size, activation, schedule, ...), from flags.
 */
export async function importWeights(file: string, partial: Partial<RunConfig>, outDir: string, source = 'command line'): Promise<ImportedRun> {
  const absolute = path.resolve(file);
  const { bytes, tensors } = await readStateDict(absolute);
  const model = inferModel(absolute, tensors);
  checkFlagsAgree(absolute, partial, model);
  const preset = PRESETS.find((p) => JSON.stringify(PRESET_CHANNELS[p]) === JSON.stringify(model.channels));
  const config = resolveRunConfig({ ...(preset ? { preset } : {}), ...partial, ...model }, source);

  // The weights go through the model, so what is saved is exactly what sampling will load.
  await selectBackend('cpu');
  const unet = SimpleUnet.create(simpleUnetConfigOf(config), config.seed);
  const optimizer = new Adam(unet.trainableVariables(), { lr: config.lr });
  try {
    importTorchStateDict(unet, tensors);
    const writer = await RunWriter.create(outDir, importedRunId(absolute, config));
    try {
      await saveCheckpoint(writer.file(RUN_FILES.checkpoint), unet, optimizer, { step: 0, epoch: 0, batchInEpoch: 0 });
      const now = new Date().toISOString();
      await writer.writeConfig(writer.runId, config, importedEnvironment(config, absolute, bytes, tensors.size, now));
      writer.appendMetric(scheduleRecord(scheduleFacts(makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd)), 0));
      await writer.updateStatus({ state: 'done', startedAt: now, endedAt: now });
      return { runDir: writer.dir, config, model };
    } catch (err) {
      // Nothing half-made is left behind.
      await fs.rm(writer.dir, { recursive: true, force: true });
      throw err;
    }
  } finally {
    optimizer.dispose();
    unet.dispose();
  }
}

function importedEnvironment(config: RunConfig, file: string, bytes: Uint8Array, tensors: number, createdAt: string): RunEnvironment {
  return {
    backend: 'cpu',
    backendDetail: 'none: imported weights, nothing trained',
    parameterCount: parameterCount(config.channels, config),
    // No data was seen; `evaluate` records the data it measures against.
    datasetFingerprint: 'none',
    diffusionLabVersion: VERSION,
    createdAt,
    importedFrom: { file, sha256: createHash('sha256').update(bytes).digest('hex'), tensors },
  };
}
