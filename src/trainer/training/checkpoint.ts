// Checkpoints: the model as a PyTorch state_dict in safetensors (loadable by the course
// notebook), Adam's moments beside it, and state.json naming both. state.json is written
// last and is the commit point: a crash mid-save leaves the previous checkpoint in force.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { decodeSafetensors, encodeSafetensors, toFloat32, type SafeTensor } from '../model/safetensors';
import type { SimpleUnet } from '../model/simpleUnet';
import { encodeTorchSafetensors, importTorchStateDict } from '../model/torchStateDict';
import { writeFileAtomic, writeJsonAtomic } from '../run/atomicFile';
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
  adamStep: number;
  savedAt: string;
}

const STATE_FILE = 'state.json';
const FIRST_MOMENT = '.exp_avg';
const SECOND_MOMENT = '.exp_avg_sq';

export async function saveCheckpoint(dir: string, model: SimpleUnet, optimizer: Adam, progress: TrainingProgress): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const tag = `step${String(progress.step).padStart(7, '0')}`;
  const modelFile = `model-${tag}.safetensors`;
  const optimizerFile = `optimizer-${tag}.safetensors`;
  await writeFileAtomic(path.join(dir, modelFile), encodeTorchSafetensors(model, { step: String(progress.step) }));
  await writeFileAtomic(path.join(dir, optimizerFile), encodeAdamState(optimizer.getState()));
  const state: CheckpointState = {
    formatVersion: 1, ...progress, model: modelFile, optimizer: optimizerFile, adamStep: optimizer.step, savedAt: new Date().toISOString(),
  };
  await writeJsonAtomic(path.join(dir, STATE_FILE), state);
  for (const name of await fs.readdir(dir)) {
    if (name.endsWith('.safetensors') && name !== modelFile && name !== optimizerFile) await fs.rm(path.join(dir, name), { force: true });
  }
}

async function readState(dir: string): Promise<CheckpointState | null> {
  const file = path.join(dir, STATE_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return null;
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
  for (const key of ['model', 'optimizer'] as const) {
    if (typeof state[key] !== 'string' || state[key].includes('/') || state[key].includes('\\')) throw new Error(`${file}: "${key}" must name a file in ${dir}`);
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

/** Restores model and optimiser; null when the run has no checkpoint yet. */
export async function loadCheckpoint(dir: string, model: SimpleUnet, optimizer: Adam): Promise<TrainingProgress | null> {
  const state = await readState(dir);
  if (!state) return null;
  importModel(path.join(dir, state.model), model, await readSafetensors(path.join(dir, state.model)));
  const optimizerFile = path.join(dir, state.optimizer);
  try {
    optimizer.setState(decodeAdamState(await readSafetensors(optimizerFile), state.adamStep));
  } catch (err) {
    throw new Error(`${optimizerFile}: ${(err as Error).message}`);
  }
  return { step: state.step, epoch: state.epoch, batchInEpoch: state.batchInEpoch };
}

/** Only the weights, for sampling; throws when there is no checkpoint. */
export async function loadCheckpointWeights(dir: string, model: SimpleUnet): Promise<TrainingProgress> {
  const state = await readState(dir);
  if (!state) throw new Error(`${dir}: no checkpoint yet (the run saves one at each sampling epoch and at the end)`);
  importModel(path.join(dir, state.model), model, await readSafetensors(path.join(dir, state.model)));
  return { step: state.step, epoch: state.epoch, batchInEpoch: state.batchInEpoch };
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
