// The reference notebook's SimpleUnet in tfjs (NHWC), as a forward function over tensors
// named by PyTorch's state_dict keys, plus a class that owns those tensors as variables.
//
//   h = BN1(act(conv1(x)));  h = h + act(time_mlp(t_emb));  h = BN2(act(conv2(h)))
//   down blocks end in Conv 4x4/2 (halves), up blocks in ConvTranspose 4x4/2 (doubles);
//   up blocks take cat(x, skip) on channels, x first, as torch.cat((x, residual), dim=1).
// Options beyond the notebook (BlockDesign): GroupNorm in place of both BatchNorms, and a
// residual shortcut, h = h + shortcut(x) (a 1x1 conv), just before the resampling.

import * as tf from '@tensorflow/tfjs-core';
import type { ActivationName, NormalizationName, ResidualName } from '../../shared/options';
import type { RunConfig } from '../../shared/runConfig';
import { Random } from '../random';
import { activationByName, type Activation } from './activations';
import {
  batchNormEval,
  batchNormTrain,
  updatedRunningStatistics,
  type BatchStatistics,
} from './batchNorm';
import { groupNorm } from './groupNorm';
import { tensorFromTorchLayout } from './layout';
import {
  TIME_EMBEDDING_DIM,
  IMAGE_CHANNELS,
  NOTEBOOK_BLOCK,
  elementCount,
  groupNormGroups,
  simpleUnetParameters,
  torchFanIn,
  unetDepth,
  type ParameterSpec,
} from './parameters';
import { sinusoidalTimeEmbedding } from './timeEmbedding';

export interface SimpleUnetConfig {
  /** Down-path widths; the first is conv0's output. Reference: [64, 128, 256, 512, 1024]. */
  readonly channels: readonly number[];
  readonly activation: ActivationName;
  /** Absent: the notebook's BatchNorm. */
  readonly normalization?: NormalizationName;
  /** Absent: no shortcut, as the notebook. */
  readonly residual?: ResidualName;
}

/** The model a run config describes. */
export function simpleUnetConfigOf(config: Pick<RunConfig, 'channels' | 'activation' | 'normalization' | 'residual'>): SimpleUnetConfig {
  return { channels: config.channels, activation: config.activation, normalization: config.normalization, residual: config.residual };
}

/** The block design of a model config, the notebook's where it says nothing. */
function blockDesign(config: SimpleUnetConfig): { normalization: NormalizationName; residual: ResidualName } {
  return { normalization: config.normalization ?? NOTEBOOK_BLOCK.normalization, residual: config.residual ?? NOTEBOOK_BLOCK.residual };
}

/**
 * 'train': normalise with batch statistics (and return them); 'eval': use running statistics.
 * Neither changes the running statistics; SimpleUnet.applyBatchStatistics does.
 */
export type BatchNormMode = 'train' | 'eval';

/** Tensors in tfjs layout keyed by state_dict name (weights, biases, running stats). */
export type NamedTensors = ReadonlyMap<string, tf.Tensor>;

export interface UnetOutput {
  /** Predicted noise, [B, H, W, 3]. */
  readonly output: tf.Tensor4D;
  /** One entry per BatchNorm in train mode, in forward order; empty in eval mode. */
  readonly batchStats: BatchStatistics[];
}

function explicitPadding(p: number): [[number, number], [number, number], [number, number], [number, number]] {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/** Runs the network. The caller owns every returned tensor (wrap in tf.tidy as needed). */
export function simpleUnetForward(
  config: SimpleUnetConfig,
  tensors: NamedTensors,
  x: tf.Tensor4D,
  t: tf.Tensor1D,
  mode: BatchNormMode,
): UnetOutput {
  const { channels } = config;
  const design = blockDesign(config);
  const act: Activation = activationByName(config.activation);
  const depth = unetDepth(channels);
  const [batch, height, width, inChannels] = x.shape;
  if (inChannels !== IMAGE_CHANNELS) throw new Error(`SimpleUnet input must have ${IMAGE_CHANNELS} channels (NHWC), got shape [${x.shape.join(', ')}]`);
  if (height % 2 ** depth !== 0 || width % 2 ** depth !== 0) {
    throw new Error(`image size ${height}x${width} must be divisible by 2^${depth} = ${2 ** depth} for ${depth} halvings`);
  }
  if (t.shape[0] !== batch) throw new Error(`t has ${t.shape[0]} entries for a batch of ${batch}`);

  const get = (name: string): tf.Tensor => {
    const v = tensors.get(name);
    if (!v) throw new Error(`SimpleUnet: missing tensor "${name}"`);
    return v;
  };
  const batchStats: BatchStatistics[] = [];

  const linear = (input: tf.Tensor2D, name: string): tf.Tensor2D =>
    tf.add(tf.matMul(input, get(`${name}.weight`) as tf.Tensor2D), get(`${name}.bias`)) as tf.Tensor2D;
  const conv = (input: tf.Tensor4D, name: string, stride: number, padding: number): tf.Tensor4D =>
    tf.add(tf.conv2d(input, get(`${name}.weight`) as tf.Tensor4D, stride, explicitPadding(padding)), get(`${name}.bias`)) as tf.Tensor4D;
  const convTranspose = (input: tf.Tensor4D, name: string): tf.Tensor4D => {
    const w = get(`${name}.weight`) as tf.Tensor4D;
    const [b, h, wd] = input.shape;
    // k=4, s=2, p=1 in torch: output (H - 1) * 2 - 2 + 4 = 2H.
    const out = tf.conv2dTranspose(input, w, [b, 2 * h, 2 * wd, w.shape[2]], 2, explicitPadding(1));
    return tf.add(out, get(`${name}.bias`)) as tf.Tensor4D;
  };
  const batchNorm = (input: tf.Tensor4D, name: string): tf.Tensor4D => {
    const p = { weight: get(`${name}.weight`) as tf.Tensor1D, bias: get(`${name}.bias`) as tf.Tensor1D };
    if (mode === 'eval') {
      return batchNormEval(input, p, get(`${name}.running_mean`) as tf.Tensor1D, get(`${name}.running_var`) as tf.Tensor1D);
    }
    const { y, stats } = batchNormTrain(input, p, name);
    batchStats.push(stats);
    return y;
  };
  const norm = (input: tf.Tensor4D, prefix: string, index: 1 | 2): tf.Tensor4D => {
    if (design.normalization === 'batch') return batchNorm(input, `${prefix}.bnorm${index}`);
    const name = `${prefix}.gnorm${index}`;
    return groupNorm(input, groupNormGroups(input.shape[3]), { weight: get(`${name}.weight`) as tf.Tensor1D, bias: get(`${name}.bias`) as tf.Tensor1D });
  };
  const block = (input: tf.Tensor4D, timeEmb: tf.Tensor2D, prefix: string, up: boolean): tf.Tensor4D => {
    let h = norm(act(conv(input, `${prefix}.conv1`, 1, 1)), prefix, 1);
    const te = act(linear(timeEmb, `${prefix}.time_mlp`));
    h = tf.add(h, tf.reshape(te, [te.shape[0], 1, 1, te.shape[1]])) as tf.Tensor4D;
    h = norm(act(conv(h, `${prefix}.conv2`, 1, 1)), prefix, 2);
    if (design.residual === 'on') h = tf.add(h, conv(input, `${prefix}.shortcut`, 1, 0)) as tf.Tensor4D;
    return up ? convTranspose(h, `${prefix}.transform`) : conv(h, `${prefix}.transform`, 2, 1);
  };

  const timeEmb = act(linear(sinusoidalTimeEmbedding(t, TIME_EMBEDDING_DIM), 'time_mlp.1'));
  let h = conv(x, 'conv0', 1, 1);
  const skips: tf.Tensor4D[] = [];
  for (let i = 0; i < depth; i++) {
    h = block(h, timeEmb, `downs.${i}`, false);
    skips.push(h);
  }
  for (let i = 0; i < depth; i++) {
    h = block(tf.concat([h, skips.pop()!], 3), timeEmb, `ups.${i}`, true);
  }
  return { output: conv(h, 'output', 1, 0), batchStats };
}

/** PyTorch's default initial value of one state_dict entry, in PyTorch's layout. */
function torchDefaultInitialValue(spec: ParameterSpec, seed: number): Float32Array {
  const n = elementCount(spec.torchShape);
  if (spec.layer.kind === 'batchNorm' || spec.layer.kind === 'groupNorm') {
    // weight = 1, bias = 0, running_mean = 0, running_var = 1.
    const one = spec.role === 'weight' || spec.role === 'running_var';
    return new Float32Array(n).fill(one ? 1 : 0);
  }
  // kaiming_uniform_(a = sqrt(5)) for weights and the matching bias rule both give
  // U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
  const bound = 1 / Math.sqrt(torchFanIn(spec.layer));
  return Random.derive(seed, `init:${spec.name}`).uniforms(n, -bound, bound);
}

/** A SimpleUnet's state: trainable variables, BatchNorm running statistics and batch counts. */
export class SimpleUnet {
  readonly config: SimpleUnetConfig;
  /** Every state_dict entry, in state_dict order. */
  readonly specs: readonly ParameterSpec[];
  /** Weights and biases (tfjs layout) by state_dict name; what the optimiser updates. */
  readonly weights: ReadonlyMap<string, tf.Variable>;
  /** running_mean / running_var by state_dict name. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** num_batches_tracked by BatchNorm layer name (e.g. "downs.0.bnorm1"). */
  readonly batchesTracked: Map<string, number>;
  private readonly all: Map<string, tf.Variable>;

  private constructor(config: SimpleUnetConfig, values: (spec: ParameterSpec) => Float32Array) {
    this.config = { channels: [...config.channels], activation: config.activation, ...blockDesign(config) };
    this.specs = simpleUnetParameters(config.channels, blockDesign(config));
    const weights = new Map<string, tf.Variable>();
    const buffers = new Map<string, tf.Variable>();
    this.batchesTracked = new Map();
    for (const spec of this.specs) {
      if (spec.role === 'num_batches_tracked') {
        this.batchesTracked.set(spec.layer.name, 0);
        continue;
      }
      const initial = tensorFromTorchLayout(spec, values(spec));
      // Unnamed: tfjs variable names are global, and several models may coexist.
      const v = tf.variable(initial, spec.trainable);
      initial.dispose();
      (spec.trainable ? weights : buffers).set(spec.name, v);
    }
    this.weights = weights;
    this.buffers = buffers;
    this.all = new Map([...weights, ...buffers]);
  }

  /** Initialised as PyTorch initialises a fresh SimpleUnet, drawn from a seeded Random. */
  static create(config: SimpleUnetConfig, seed: number): SimpleUnet {
    return new SimpleUnet(config, (spec) => torchDefaultInitialValue(spec, seed));
  }

  /** Train-mode forward; returns the batch statistics and leaves the running ones unchanged. */
  forwardTrain(x: tf.Tensor4D, t: tf.Tensor1D): UnetOutput {
    return simpleUnetForward(this.config, this.all, x, t, 'train');
  }

  /** Only the prediction, in either BatchNorm mode; never changes running statistics. */
  predict(x: tf.Tensor4D, t: tf.Tensor1D, mode: BatchNormMode): tf.Tensor4D {
    return tf.tidy(() => simpleUnetForward(this.config, this.all, x, t, mode).output);
  }

  /** Folds a train-mode forward's batch statistics into the running ones (as torch does in that forward). The caller still owns `stats`. */
  applyBatchStatistics(stats: readonly BatchStatistics[]): void {
    for (const s of stats) {
      const mean = this.buffer(`${s.layer}.running_mean`);
      const variance = this.buffer(`${s.layer}.running_var`);
      const next = updatedRunningStatistics(mean, variance, s);
      mean.assign(next.mean);
      variance.assign(next.variance);
      next.mean.dispose();
      next.variance.dispose();
      this.batchesTracked.set(s.layer, (this.batchesTracked.get(s.layer) ?? 0) + 1);
    }
  }

  /** The variable behind a state_dict name (weights and running statistics). */
  variable(name: string): tf.Variable {
    const v = this.all.get(name);
    if (!v) throw new Error(`SimpleUnet has no tensor "${name}"`);
    return v;
  }

  /** The weights and biases by state_dict name, for the optimiser. */
  trainableVariables(): ReadonlyMap<string, tf.Variable> {
    return this.weights;
  }

  dispose(): void {
    for (const v of this.all.values()) v.dispose();
  }

  private buffer(name: string): tf.Variable<tf.Rank.R1> {
    const v = this.buffers.get(name);
    if (!v) throw new Error(`SimpleUnet has no running statistic "${name}"`);
    return v as tf.Variable<tf.Rank.R1>;
  }
}
