// SimpleUnet <-> PyTorch state_dict (as safetensors): the reference model's names and
// layouts, so `safetensors.torch.save_file(model.state_dict(), f)` from the notebook loads
// here and `model.load_state_dict(safetensors.torch.load_file(f))` loads ours there.

import type { ActivationName } from '../../shared/options';
import { tensorFromTorchLayout, torchLayoutData, sameShape } from './layout';
import { IMAGE_CHANNELS, type BlockDesign, type ParameterSpec } from './parameters';
import {
  decodeSafetensors,
  encodeSafetensors,
  toFloat32,
  type SafeTensor,
  type SafetensorsDtype,
} from './safetensors';
import { SimpleUnet } from './simpleUnet';

const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];
const INT_DTYPES: readonly SafetensorsDtype[] = ['I64', 'I32', 'I16', 'I8', 'U8'];

/** The model's state_dict, PyTorch layouts, in state_dict order. */
export async function exportTorchStateDict(model: SimpleUnet): Promise<Map<string, SafeTensor>> {
  const out = new Map<string, SafeTensor>();
  for (const spec of model.specs) {
    if (spec.role === 'num_batches_tracked') {
      const n = model.batchesTracked.get(spec.layer.name) ?? 0;
      out.set(spec.name, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(n)) });
    } else {
      out.set(spec.name, { dtype: 'F32', shape: [...spec.torchShape], data: await torchLayoutData(spec, model.variable(spec.name)) });
    }
  }
  return out;
}

function describe(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks a state_dict against the model's table; returns every problem (empty: loadable).
 * Like torch's BatchNorm, a missing num_batches_tracked is allowed (read as 0).
 */
export function stateDictProblems(specs: readonly ParameterSpec[], tensors: ReadonlyMap<string, SafeTensor>): string[] {
  const known = new Set(specs.map((s) => s.name));
  const problems: string[] = [];
  const missing = specs.filter((s) => !tensors.has(s.name) && s.role !== 'num_batches_tracked').map((s) => s.name);
  const unexpected = [...tensors.keys()].filter((name) => !known.has(name));
  if (missing.length > 0) problems.push(`missing: ${missing.join(', ')}`);
  if (unexpected.length > 0) problems.push(`unexpected: ${unexpected.join(', ')}`);
  for (const spec of specs) {
    const t = tensors.get(spec.name);
    if (!t) continue;
    if (!sameShape(t.shape, spec.torchShape)) {
      problems.push(`size mismatch for ${spec.name}: the file has shape ${describe(t.shape)}, the model has ${describe(spec.torchShape)}`);
    }
    const allowed = spec.role === 'num_batches_tracked' ? INT_DTYPES : FLOAT_DTYPES;
    if (!allowed.includes(t.dtype)) problems.push(`${spec.name}: dtype ${t.dtype}, expected one of ${allowed.join(', ')}`);
  }
  return problems;
}

/** Replaces the model's weights, running statistics and batch counts; all-or-nothing. */
export function importTorchStateDict(model: SimpleUnet, tensors: ReadonlyMap<string, SafeTensor>): void {
  const problems = stateDictProblems(model.specs, tensors);
  if (problems.length > 0) {
    throw new Error(`cannot load state_dict into SimpleUnet(channels [${model.config.channels.join(', ')}]):\n  ${problems.join('\n  ')}`);
  }
  for (const spec of model.specs) {
    const t = tensors.get(spec.name);
    if (spec.role === 'num_batches_tracked') {
      const n = t ? Number(t.data[0]!) : 0;
      model.batchesTracked.set(spec.layer.name, n);
      continue;
    }
    const value = tensorFromTorchLayout(spec, toFloat32(t!));
    model.variable(spec.name).assign(value);
    value.dispose();
  }
}

/**
 * The down-path widths a state_dict was saved with, read from its conv weights:
 * conv0 [c0, 3, 3, 3], downs.i.conv1 [c(i+1), c(i), 3, 3].
 */
export function channelsFromTorchStateDict(tensors: ReadonlyMap<string, SafeTensor>): number[] {
  const conv0 = tensors.get('conv0.weight');
  if (!conv0 || conv0.shape.length !== 4 || conv0.shape[1] !== IMAGE_CHANNELS) {
    throw new Error(`not a SimpleUnet state_dict: conv0.weight is ${conv0 ? describe(conv0.shape) : 'missing'}, expected [c, ${IMAGE_CHANNELS}, 3, 3]`);
  }
  const channels = [conv0.shape[0]!];
  for (let i = 0; ; i++) {
    const w = tensors.get(`downs.${i}.conv1.weight`);
    if (!w) break;
    if (w.shape.length !== 4 || w.shape[1] !== channels[i]) {
      throw new Error(`not a SimpleUnet state_dict: downs.${i}.conv1.weight is ${describe(w.shape)}, expected [c, ${channels[i]}, 3, 3]`);
    }
    channels.push(w.shape[0]!);
  }
  if (channels.length < 2) throw new Error('not a SimpleUnet state_dict: no downs.0.conv1.weight');
  return channels;
}

/** GroupNorm and residual shortcuts, read from the names a state_dict has (gnorm1, shortcut). */
export function blockDesignFromTorchStateDict(tensors: ReadonlyMap<string, SafeTensor>): BlockDesign {
  return {
    normalization: tensors.has('downs.0.gnorm1.weight') ? 'group' : 'batch',
    residual: tensors.has('downs.0.shortcut.weight') ? 'on' : 'off',
  };
}

/** safetensors bytes as safetensors.torch.save_file writes them (metadata format = pt). */
export async function encodeTorchSafetensors(model: SimpleUnet, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  return encodeSafetensors(await exportTorchStateDict(model), { format: 'pt', ...metadata });
}

/** A SimpleUnet with the widths and weights of a saved state_dict; the activation is not in a state_dict. */
export function simpleUnetFromTorchSafetensors(bytes: Uint8Array, activation: ActivationName): SimpleUnet {
  const { tensors } = decodeSafetensors(bytes);
  const model = SimpleUnet.create({ channels: channelsFromTorchStateDict(tensors), activation, ...blockDesignFromTorchStateDict(tensors) }, 0);
  try {
    importTorchStateDict(model, tensors);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
