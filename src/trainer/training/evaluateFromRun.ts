// `diffusion-lab evaluate`: the end-of-training evaluations (held-out loss, bits/dim, sliced
// Wasserstein distance) of a run's checkpoint, appended to its metrics.jsonl, for runs that
// never trained here (imported) or to measure a run again. Same seeds as training uses.
import * as path from 'node:path';
import { makeNoiseSchedule } from '../../shared/noiseSchedules';
import { ConfigError, resolveRunConfig, type RunConfig } from '../../shared/runConfig';
import { RUN_FILES, type MetricRecord } from '../../shared/runDirectory';
import { readRunConfigFile } from '../../shared/runReading/runFiles';
import { selectBackend } from '../backend/selectBackend';
import { scaledImages } from '../data/batches';
import { splitHeldOut } from '../data/heldOut';
import { datasetRecord, loadDataset } from '../data/loadDataset';
import type { ImageSet } from '../metrics/imageSet';
import { SimpleUnet, simpleUnetConfigOf } from '../model/simpleUnet';
import { Random } from '../random';
import { RunWriter } from '../run/runWriter';
import { checkpointWeightFiles, loadCheckpointWeights } from './checkpoint';
import { evaluateBitsPerDim, evaluateHeldOutLoss, evaluateSlicedWasserstein } from './evaluate';
import { evaluatedModelOf, round3 } from './runContext';
import { sampleImages } from './sampling';

export interface EvaluateFromRunOptions {
  /** Another dataset than the run's (imported runs only: a trained run's held-out split is part of it). */
  dataset?: string;
  onPhase?: (detail: string) => void;
}

/** The records written, in the order training writes them. */
export async function evaluateFromRun(runDir: string, opts: EvaluateFromRunOptions = {}): Promise<MetricRecord[]> {
  const configFile = path.join(runDir, RUN_FILES.config);
  const recorded = await readRunConfigFile(runDir);
  const imported = recorded.environment?.importedFrom !== undefined;
  let config = resolveRunConfig({ ...recorded.config }, configFile);
  if (opts.dataset !== undefined && opts.dataset !== config.dataset) {
    if (!imported) {
      throw new ConfigError(`--dataset: run ${recorded.runId} trained on ${config.dataset}, and is evaluated on its own held-out images (only imported runs take another dataset)`);
    }
    config = resolveRunConfig({ ...config, dataset: opts.dataset }, '--dataset');
  }
  if (config.evalImages === 0) throw new ConfigError(`${configFile}: evalImages is 0, so there is nothing to evaluate`);
  const writer = await RunWriter.open(runDir);
  const start = performance.now();
  const wallMs = () => Math.round(performance.now() - start);

  await selectBackend(config.backend);
  opts.onPhase?.(`loading ${config.dataset}`);
  const dataset = await loadDataset(config, { cacheDir: path.join(runDir, '..', '..', 'cache') });
  const split = splitHeldOut(dataset, config);
  // As runSetup.ts: enough held-out images for the losses and for SWD's two real sets of sampleCount.
  const indices = split.heldOut.subarray(0, Math.max(config.evalImages, 2 * config.sampleCount));
  if (indices.length === 0) throw new ConfigError(`${config.dataset}: no held-out images (heldOutCount ${config.heldOutCount}, heldOutFraction ${config.heldOutFraction})`);
  const heldOut: ImageSet = { data: scaledImages(dataset, indices), shape: [indices.length, config.imgSize, config.imgSize, 3] };

  const model = SimpleUnet.create(simpleUnetConfigOf(config), config.seed);
  try {
    const progress = await loadCheckpointWeights(path.join(runDir, RUN_FILES.checkpoint), model);
    const weights = (await checkpointWeightFiles(path.join(runDir, RUN_FILES.checkpoint))).ema ? 'ema' : undefined;
    const schedule = makeNoiseSchedule(config.schedule, config.timesteps, config.betaStart, config.betaEnd);
    const eps = evaluatedModelOf(model, config);
    const at = () => ({ epoch: progress.epoch, step: progress.step, wallMs: wallMs() });
    const records: MetricRecord[] = [];
    opts.onPhase?.('held-out loss, bits/dim');
    records.push(...await evaluateHeldOutLoss(eps, schedule, config, heldOut, at()));
    records.push(...await evaluateBitsPerDim(eps, schedule, config, heldOut, at()));
    opts.onPhase?.(`sampling ${config.sampleCount} images for the sliced Wasserstein distance`);
    const samplingStart = performance.now();
    const generated = await sampleImages(model, schedule, config, config.sampleCount, Random.derive(config.seed, 'evaluate'));
    records.push({ kind: 'timing', name: 'sampling', ms: round3(performance.now() - samplingStart), batch: config.sampleCount, steps: samplerSteps(config), wallMs: wallMs() });
    const generatedSet: ImageSet = { data: generated.images, shape: [config.sampleCount, config.imgSize, config.imgSize, 3] };
    records.push(...evaluateSlicedWasserstein(generatedSet, heldOut, config.seed, at(), weights));
    for (const r of records) writer.appendMetric(r);
    // An imported run saw no data until now: config.json says which data its numbers are on.
    if (imported) {
      await writer.writeConfig(recorded.runId, config, {
        ...recorded.environment, datasetFingerprint: dataset.fingerprint, dataset: datasetRecord(dataset, split),
      });
    }
    return records;
  } finally {
    model.dispose();
  }
}

function samplerSteps(config: RunConfig): number {
  return config.sampler === 'ddim' ? config.ddimSteps : config.timesteps;
}
