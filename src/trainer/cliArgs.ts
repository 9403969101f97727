// Turns command-line flags into a partial RunConfig, naming the flag at fault on bad input.
import { readFileSync } from 'node:fs';
import { ACTIVATIONS, BACKENDS, LOSSES } from '../shared/options';
import { ConfigError, RunConfig } from '../shared/runConfig';

type FlagKind = 'int' | 'number' | 'string' | 'channels';

/** Every config field has a flag; the flag name is the field in kebab case. */
export const CONFIG_FLAGS: Record<string, { field: keyof RunConfig; kind: FlagKind; help: string }> = {
  preset: { field: 'preset', kind: 'string', help: 'reference | small (model widths)' },
  channels: { field: 'channels', kind: 'channels', help: 'down-path widths, e.g. 32,64,128,256 (overrides the preset)' },
  dataset: { field: 'dataset', kind: 'string', help: 'toy-cars (built in), a Stanford Cars folder, or any folder of images' },
  'dataset-split': { field: 'datasetSplit', kind: 'string', help: 'Stanford Cars folders: train | test | all (default all, as the notebook)' },
  'image-fit': { field: 'imageFit', kind: 'string', help: 'fill (stretch to N x N, as the notebook) | cover (centre-crop)' },
  'held-out-count': { field: 'heldOutCount', kind: 'int', help: 'at most this many held-out images, never trained on (0 = none)' },
  'held-out-fraction': { field: 'heldOutFraction', kind: 'number', help: 'at most this fraction of the images held out (0 = none)' },
  'toy-cars-count': { field: 'toyCarsCount', kind: 'int', help: 'images in the built-in toy-cars set' },
  'img-size': { field: 'imgSize', kind: 'int', help: 'IMG_SIZE: images are resized to N x N' },
  'batch-size': { field: 'batchSize', kind: 'int', help: 'BATCH_SIZE' },
  timesteps: { field: 'timesteps', kind: 'int', help: 'T: number of diffusion steps' },
  schedule: { field: 'schedule', kind: 'string', help: 'linear | cosine | linear-scaled' },
  'beta-start': { field: 'betaStart', kind: 'number', help: 'first beta of the linear schedules' },
  'beta-end': { field: 'betaEnd', kind: 'number', help: 'last beta of the linear schedules' },
  activation: { field: 'activation', kind: 'string', help: ACTIVATIONS.join(' | ') },
  loss: { field: 'loss', kind: 'string', help: LOSSES.join(' | ') },
  'huber-delta': { field: 'huberDelta', kind: 'number', help: 'delta of huber / beta of smooth-l1' },
  lr: { field: 'lr', kind: 'number', help: 'Adam learning rate' },
  epochs: { field: 'epochs', kind: 'int', help: 'passes over the data' },
  'max-steps': { field: 'maxSteps', kind: 'int', help: 'stop after N optimiser steps (0 = no limit)' },
  'sample-every': { field: 'sampleEvery', kind: 'int', help: 'reverse strip + checkpoint every N epochs (0 = end only)' },
  'sample-count': { field: 'sampleCount', kind: 'int', help: 'images in the final sample grid' },
  seed: { field: 'seed', kind: 'int', help: 'random seed' },
  backend: { field: 'backend', kind: 'string', help: `${BACKENDS.join(' | ')} (auto: tensorflow, webgpu on a hardware GPU, wasm, cpu)` },
  sampler: { field: 'sampler', kind: 'string', help: 'ddpm (all T steps) | ddim (ddim-steps steps)' },
  'ddim-steps': { field: 'ddimSteps', kind: 'int', help: 'DDIM: model evaluations over T' },
  'ddim-eta': { field: 'ddimEta', kind: 'number', help: 'DDIM: 0 deterministic .. 1 DDPM-like noise' },
  'sampling-clamp': { field: 'samplingClamp', kind: 'string', help: 'x_t (notebook) | x0 | none' },
  'sampling-batch-norm': { field: 'samplingBatchNorm', kind: 'string', help: 'train (notebook: batch statistics) | eval (running statistics)' },
  'ema-decay': { field: 'emaDecay', kind: 'number', help: 'EMA of the weights, sampled from (0 = off, e.g. 0.999)' },
  'lr-warmup-steps': { field: 'lrWarmupSteps', kind: 'int', help: 'linear learning-rate warmup steps (0 = off)' },
  'grad-clip-norm': { field: 'gradClipNorm', kind: 'number', help: 'clip gradients to this global norm (0 = off)' },
  'eval-images': { field: 'evalImages', kind: 'int', help: 'held-out images for held-out loss and bits/dim (0 = off)' },
  'eval-timesteps': { field: 'evalTimesteps', kind: 'int', help: 'diffusion terms in the bits/dim estimate' },
};

export function parseFlagValue(flag: string, kind: FlagKind, raw: string): unknown {
  const bad = (what: string): never => {
    throw new ConfigError(`--${flag}: ${JSON.stringify(raw)} is not ${what}`);
  };
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      const v = Number(raw);
      return raw.trim() !== '' && Number.isInteger(v) ? v : bad('an integer');
    }
    case 'number': {
      const v = Number(raw);
      return raw.trim() !== '' && Number.isFinite(v) ? v : bad('a number');
    }
    case 'channels': {
      const parts = raw.split(',').map((s) => Number(s.trim()));
      return parts.every((v) => Number.isInteger(v) && v > 0) ? parts : bad('a comma-separated list of positive integers');
    }
  }
}

/** Reads `--config FILE.json` (a partial RunConfig) and lays the flags over it. */
export function configFromFlags(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  let partial: Record<string, unknown> = {};
  if (typeof values.config === 'string') {
    const file = values.config;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      partial = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
      throw new ConfigError(`${file}: must hold a JSON object of run-config fields`);
    }
  }
  for (const [flag, spec] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') partial[spec.field] = parseFlagValue(flag, spec.kind, raw);
  }
  return partial;
}
