// Checkpoints: the model as a PyTorch state_dict in safetensors (loadable by the course
// notebook), Adam's moments beside it, and state.json naming both. state.json is written
// last and is the commit point: a crash mid-save leaves the previous checkpoint in force.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeSafetensors, encodeSafetensors, toFloat32, type SafeTensor } from '../model/safetensors';
import type { SimpleUnet } from '../model/simpleUnet';
import { encodeTorchSafetensors, importTorchStateDict } from '../model/torchStateDict';
import { writeFileAtomic, writeJsonAtomic } from '../../shared/atomicFile';
import type { Adam, AdamState } from './adam';

/** Where training stands: `batchInEpoch` batches of `epoch` are done. */
export interface TrainingProgress {
  step: number;
  epoch: number;
  batchInEpoch: number;
}

interface CheckpointState extends TrainingProgress {
  formatVersion: 1;
  model: string;
  optimizer: string;
  /** The weight average, when the run keeps one. */
  ema?: string;
  adamStep: number;
  savedAt: string;
}

const STATE_FILE = 'state.json';
const FIRST_MOMENT = '.exp_avg';
const SECOND_MOMENT = '.exp_avg_sq';

export async function saveCheckpoint(dir: string, model: SimpleUnet, optimizer: Adam, progress: TrainingProgress, ema?: SimpleUnet): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tag = `step${String(progress.step).padStart(7, '0')}`;
  const modelFile = `model-${tag}.safetensors`;
  const optimizerFile = `optimizer-${tag}.safetensors`;
  const emaFile = ema ? `ema-${tag}.safetensors` : undefined;
  await writeFileAtomic(path.join(dir, modelFile), await encodeTorchSafetensors(model, { step: String(progress.step) }));
  await writeFileAtomic(path.join(dir, optimizerFile), encodeAdamState(await optimizer.getState()));
  if (ema && emaFile) await writeFileAtomic(path.join(dir, emaFile), await encodeTorchSafetensors(ema, { step: String(progress.step), ema: 'true' }));
  const state: CheckpointState = {
    formatVersion: 1, ...progress, model: modelFile, optimizer: optimizerFile, ...(emaFile ? { ema: emaFile } : {}),
    adamStep: optimizer.step, savedAt: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join(dir, STATE_FILE), state);
  const current = new Set([modelFile, optimizerFile, emaFile]);
  for (const name of await fs.readdir(dir)) {
    if (name.endsWith('.safetensors') && !current.has(name)) await fs.rm(path.join(dir, name), { force: true });
  }
}

async function readState(dir: string): Promise<CheckpointState | null> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null; // no checkpoint yet
    // Not "none": a resume would train again from the start over the one that is there.
    throw new Error(`${file}: cannot read (${code ?? (err as Error).message})`);
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
  }
  for (const key of ['step', 'epoch', 'batchInEpoch', 'adamStep'] as const) {
    if (!Number.isInteger(state[key]) || state[key] < 0) throw new Error(`${file}: "${key}" must be a non-negative integer`);
  }
  for (const key of ['model', 'optimizer', 'ema'] as const) {
    const name = state[key];
    if (key === 'ema' && name === undefined) continue;
    if (typeof name !== 'string' || name.includes('/') || name.includes('\\')) throw new Error(`${file}: "${key}" must name a file in ${dir}`);
  }
  return state;
}

async function readSafetensors(file: string): Promise<Map<string, SafeTensor>> {
  try {
    return decodeSafetensors(new Uint8Array(await fs.readFile(file))).tensors;
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/**
 * Restores model, optimiser and (when both the run and the checkpoint have one) the weight
 * average; null when the run has no checkpoint yet. `restoredEma` says whether the average was loaded.
 */
export async function loadCheckpoint(
  dir: string, model: SimpleUnet, optimizer: Adam, ema?: SimpleUnet,
): Promise<(TrainingProgress & { restoredEma: boolean }) | null> {
  const state = await readState(dir);
  if (!state) return null;
  importModel(path.join(dir, state.model), model, await readSafetensors(path.join(dir, state.model)));
  const restoredEma = Boolean(ema && state.ema);
  if (ema && state.ema) importModel(path.join(dir, state.ema), ema, await readSafetensors(path.join(dir, state.ema)));
  const optimizerFile = path.join(dir, state.optimizer);
  try {
    optimizer.setState(decodeAdamState(await readSafetensors(optimizerFile), state.adamStep));
  } catch (err) {
    throw new Error(`${optimizerFile}: ${(err as Error).message}`);
  }
  return { step: state.step, epoch: state.epoch, batchInEpoch: state.batchInEpoch, restoredEma };
}

/** Only the weights to sample from (the weight average when the run kept one); throws when there is no checkpoint. */
export async function loadCheckpointWeights(dir: string, model: SimpleUnet): Promise<TrainingProgress> {
  const state = await readState(dir);
  if (!state) throw new Error(`${dir}: no checkpoint yet (the run saves one at each sampling epoch and at the end)`);
  const file = state.ema ?? state.model;
  importModel(path.join(dir, file), model, await readSafetensors(path.join(dir, file)));
  return { step: state.step, epoch: state.epoch, batchInEpoch: state.batchInEpoch };
}

/** The checkpoint's weight files, absolute (`ema` when the run kept a weight average); throws when there is no checkpoint. */
export async function checkpointWeightFiles(dir: string): Promise<TrainingProgress & { raw: string; ema?: string }> {
  const state = await readState(dir);
  if (!state) throw new Error(`${dir}: no checkpoint yet (the run saves one at each sampling epoch and at the end)`);
  return {
    step: state.step, epoch: state.epoch, batchInEpoch: state.batchInEpoch,
    raw: path.join(dir, state.model), ...(state.ema ? { ema: path.join(dir, state.ema) } : {}),
  };
}

function importModel(file: string, model: SimpleUnet, tensors: Map<string, SafeTensor>): void {
  try {
    importTorchStateDict(model, tensors);
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`);
  }
}

/** Moments under torch.optim.Adam's state names, in tfjs layout. */
function encodeAdamState(state: AdamState): Uint8Array {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, m] of Object.entries(state.moments)) {
    tensors.set(name + FIRST_MOMENT, { dtype: 'F32', shape: m.shape, data: m.firstMoment });
    tensors.set(name + SECOND_MOMENT, { dtype: 'F32', shape: m.shape, data: m.secondMoment });
  }
  return encodeSafetensors(tensors, { step: String(state.step), layout: 'tfjs' });
}

function decodeAdamState(tensors: Map<string, SafeTensor>, step: number): AdamState {
  const moments: AdamState['moments'] = {};
  for (const [key, t] of tensors) {
    if (!key.endsWith(SECOND_MOMENT)) continue;
    const name = key.slice(0, -SECOND_MOMENT.length);
    const first = tensors.get(name + FIRST_MOMENT);
    if (!first) throw new Error(`no "${name}${FIRST_MOMENT}" beside "${key}"`);
    moments[name] = { shape: [...t.shape], firstMoment: toFloat32(first), secondMoment: toFloat32(t) };
  }
  return { step, moments };
}
