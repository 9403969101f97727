// Whether a PyTorch state_dict is a SimpleUnet, and of which widths and block design: the
// model is read from the file's names and shapes, then every tensor is checked against it.
// Needs no tensors computed (no backend), so bad input is refused before anything is written.
import { ConfigError, type RunConfig } from '../../shared/runConfig';
import { sameShape } from '../model/layout';
import { simpleUnetParameters, type BlockDesign, type ParameterSpec } from '../model/parameters';
import type { SafeTensor } from '../model/safetensors';
import { blockDesignFromTorchStateDict, channelsFromTorchStateDict, stateDictProblems } from '../model/torchStateDict';

export interface InferredModel extends BlockDesign {
  channels: number[];
}

export function describeModel(m: InferredModel): string {
  return `SimpleUnet(channels [${m.channels.join(', ')}], ${m.normalization} norm, residual ${m.residual})`;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * Every tensor that does not fit the model, in state_dict order (missing, another shape, not a
 * float), then those the model does not have; empty when the file loads.
 */
export function stateDictMismatches(specs: readonly ParameterSpec[], tensors: ReadonlyMap<string, SafeTensor>, model: string): string[] {
  const known = new Set(specs.map((s) => s.name));
  const unexpected = [...tensors.keys()].filter((name) => !known.has(name));
  const found: string[] = [];
  for (const spec of specs) {
    const t = tensors.get(spec.name);
    if (!t) {
      // torch's BatchNorm loads a state_dict without batch counts too.
      if (spec.role === 'num_batches_tracked') continue;
      const instead = unexpected.length > 0 ? `; the file has ${unexpected[0]}, which ${model} does not` : '';
      found.push(`tensor ${spec.name} is missing${instead}`);
    } else if (!sameShape(t.shape, spec.torchShape)) {
      found.push(`tensor ${spec.name} has shape ${shapeText(t.shape)}, ${model} needs ${shapeText(spec.torchShape)}`);
    }
  }
  found.push(...unexpected.map((name) => `tensor ${name} is not part of ${model}`));
  // Names and shapes fit: what is left is a dtype, said as torchStateDict.ts says it.
  return found.length > 0 ? found : stateDictProblems(specs, tensors);
}

/** The model a state_dict holds; a ConfigError naming `file` and the tensor at fault when it is not a SimpleUnet. */
export function inferModel(file: string, tensors: ReadonlyMap<string, SafeTensor>): InferredModel {
  let model: InferredModel;
  try {
    model = { channels: channelsFromTorchStateDict(tensors), ...blockDesignFromTorchStateDict(tensors) };
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  const mismatches = stateDictMismatches(simpleUnetParameters(model.channels, model), tensors, describeModel(model));
  if (mismatches.length > 0) {
    const more = mismatches.length > 1 ? ` (and ${mismatches.length - 1} more)` : '';
    throw new ConfigError(`${file}: not loadable as ${describeModel(model)} (read from its conv0 and downs.*.conv1 weights): ${mismatches[0]}${more}`);
  }
  return model;
}

/** A flag the person gave that the file contradicts is an error, not silently overridden. */
export function checkFlagsAgree(file: string, partial: Partial<RunConfig>, model: InferredModel): void {
  const given: Array<[string, unknown, unknown]> = [
    ['channels', partial.channels, model.channels], ['normalization', partial.normalization, model.normalization], ['residual', partial.residual, model.residual],
  ];
  for (const [field, value, inFile] of given) {
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(inFile)) {
      throw new ConfigError(`--${field}: ${JSON.stringify(value)} contradicts ${file}, which holds ${field} ${JSON.stringify(inFile)} (leave the flag out: it is read from the file)`);
    }
  }
}
