// Sampling during and after training, and the evaluations that go with it. After every
// `sampleEvery` epochs: a grid of previewCount images by previewSampler, the first one's reverse
// strip, their sliced Wasserstein distance and the held-out loss, so quality can be followed
// against training time. At the end: one sampling pass for the final grid and reverse strip
// (and, with a weight average, the same draw from the raw weights), then held-out loss,
// bits/dim and sliced Wasserstein.
import type { SamplerName } from '../../shared/options';
import { RUN_FILES, SAMPLE_FILES, type MetricRecord } from '../../shared/runDirectory';
import type { ImageSet } from '../metrics/imageSet';
import { Random } from '../random';
import { writeImageGrid, writeImageStrip } from '../report/images';
import { evaluateBitsPerDim, evaluateHeldOutLoss, evaluateSlicedWasserstein } from './evaluate';
import { evaluatedModel, round3, samplingModel, saveRunCheckpoint, type RunContext } from './runContext';
import { sampleImages, type SampledImages } from './sampling';

/**
 * The one place a run samples: `count` images and the first one's reverse strip, seeded by the
 * epochs done, from the weights samples come from (`raw`: the trained weights even with an EMA).
 */
function drawSamples(ctx: RunContext, count: number, sampler: SamplerName, weights: 'sampling' | 'raw' = 'sampling'): Promise<SampledImages> {
  const model = weights === 'raw' ? ctx.model : samplingModel(ctx);
  return sampleImages(model, ctx.schedule, { ...ctx.config, sampler }, count, Random.derive(ctx.config.seed, `reverse-strip/${ctx.progress.epoch}`));
}

function imageSet(ctx: RunContext, images: Float32Array, count: number): ImageSet {
  return { data: images, shape: [count, ctx.config.imgSize, ctx.config.imgSize, 3] };
}

/** After an epoch that ran to its end: whether the config asks for a sample now (the last epoch samples at the end instead). */
export function sampleDueAfterEpoch(ctx: RunContext): boolean {
  const { epoch, step } = ctx.progress;
  const isLast = epoch >= ctx.config.epochs || step >= ctx.totalSteps;
  return !isLast && ctx.config.sampleEvery > 0 && epoch % ctx.config.sampleEvery === 0;
}

/** A preview grid, its strip, SWD and the held-out loss after the epoch just ended, then a checkpoint at that step. */
export async function sampleAfterEpoch(ctx: RunContext): Promise<void> {
  const { config } = ctx;
  const { epoch, step } = ctx.progress;
  ctx.emit({ type: 'phase', runId: ctx.runId, phase: 'sampling', detail: `${config.previewCount} images after epoch ${epoch}, ${samplerLabel(config, config.previewSampler)}` });
  const preview = await drawSamples(ctx, config.previewCount, config.previewSampler);
  const grid = `${RUN_FILES.samples}/${SAMPLE_FILES.epochGrid(epoch)}`;
  await writeImageGrid(ctx.writer.file(grid), preview.images, config.previewCount, config.imgSize);
  await writeReverseStrip(ctx, preview.snapshots, grid);
  const at = { epoch, step, wallMs: ctx.wallMs() };
  for (const r of [
    ...(await evaluateHeldOutLoss(evaluatedModel(ctx), ctx.schedule, config, ctx.heldOut, at)),
    ...(config.evalImages > 0 ? evaluateSlicedWasserstein(imageSet(ctx, preview.images, config.previewCount), ctx.heldOut, config.seed, at, weightsLabel(ctx)) : []),
  ]) ctx.writer.appendMetric(r);
  await saveRunCheckpoint(ctx);
}

/** Model evaluations a sampler makes: ddimSteps for DDIM, every t for DDPM. */
function samplerSteps(config: RunContext['config'], sampler: SamplerName): number {
  return sampler === 'ddim' ? config.ddimSteps : config.timesteps;
}

function samplerLabel(config: RunContext['config'], sampler: SamplerName): string {
  return `${sampler.toUpperCase()} ${samplerSteps(config, sampler)} steps`;
}

/** What an SWD record says about the weights behind its images: only runs with a weight average say. */
function weightsLabel(ctx: RunContext, raw = false): 'ema' | 'raw' | undefined {
  if (!ctx.ema) return undefined;
  return raw ? 'raw' : 'ema';
}

/** The end of training: the final grid and reverse strip from one sampling pass, timed, then the three evaluations. */
export async function sampleAndEvaluate(ctx: RunContext): Promise<void> {
  const { config, writer, runId } = ctx;
  const samplingSteps = samplerSteps(config, config.sampler);
  ctx.emit({ type: 'phase', runId, phase: 'sampling', detail: `${config.sampleCount} images, ${samplerLabel(config, config.sampler)}` });
  const samplingStart = performance.now();
  const final = await drawSamples(ctx, config.sampleCount, config.sampler);
  writer.appendMetric({ kind: 'timing', name: 'sampling', ms: round3(performance.now() - samplingStart), batch: config.sampleCount, steps: samplingSteps, wallMs: ctx.wallMs() });
  await writeReverseStrip(ctx, final.snapshots);
  const gridFile = writer.file(`${RUN_FILES.samples}/${SAMPLE_FILES.finalGrid}`);
  await writeImageGrid(gridFile, final.images, config.sampleCount, config.imgSize);
  ctx.emit({ type: 'image', runId, kind: 'sample-grid', file: gridFile, epoch: ctx.progress.epoch });
  // The same noise through the trained weights: what the weight average bought.
  const raw = ctx.ema ? await drawSamples(ctx, config.sampleCount, config.sampler, 'raw') : undefined;
  if (raw) await writeImageGrid(writer.file(`${RUN_FILES.samples}/${SAMPLE_FILES.finalRawGrid}`), raw.images, config.sampleCount, config.imgSize);

  ctx.emit({ type: 'phase', runId, phase: 'evaluation', detail: 'held-out loss, bits/dim, sliced Wasserstein distance' });
  const at = { epoch: ctx.progress.epoch, step: ctx.progress.step, wallMs: ctx.wallMs() };
  const evalModel = evaluatedModel(ctx);
  const swd = (images: Float32Array, rawWeights: boolean): MetricRecord[] =>
    config.evalImages > 0 ? evaluateSlicedWasserstein(imageSet(ctx, images, config.sampleCount), ctx.heldOut, config.seed, at, weightsLabel(ctx, rawWeights)) : [];
  for (const r of [
    ...(await evaluateHeldOutLoss(evalModel, ctx.schedule, config, ctx.heldOut, at)),
    ...(await evaluateBitsPerDim(evalModel, ctx.schedule, config, ctx.heldOut, at)),
    ...(raw ? swd(raw.images, true) : []),
    ...swd(final.images, false),
  ]) writer.appendMetric(r);
}

/** samples/strip-epoch-NNN.png from the first image's snapshots, with its record (naming the epoch's grid, if any) and event. */
async function writeReverseStrip(ctx: RunContext, snapshots: SampledImages['snapshots'], grid?: string): Promise<void> {
  const { epoch, step } = ctx.progress;
  const name = `${RUN_FILES.samples}/${SAMPLE_FILES.reverseStrip(epoch)}`;
  await writeImageStrip(ctx.writer.file(name), snapshots.values, snapshots.count, ctx.config.imgSize);
  ctx.writer.appendMetric({ kind: 'sample', epoch, step, strip: name, stripT: snapshots.steps, ...(grid ? { grid } : {}), wallMs: ctx.wallMs() });
  ctx.emit({ type: 'image', runId: ctx.runId, kind: 'reverse-strip', file: ctx.writer.file(name), epoch });
}
