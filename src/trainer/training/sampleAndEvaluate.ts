// Sampling during and after training, and the evaluations that go with it. After every
// `sampleEvery` epochs: one reverse strip and the held-out loss. At the end: one sampling pass
// for the final grid and reverse strip, then held-out loss, bits/dim and sliced Wasserstein.
import { RUN_FILES, SAMPLE_FILES } from '../../shared/runDirectory';
import type { ImageSet } from '../metrics/imageSet';
import { Random } from '../random';
import { writeImageGrid, writeImageStrip } from '../report/images';
import { evaluateBitsPerDim, evaluateHeldOutLoss, evaluateSlicedWasserstein } from './evaluate';
import { evaluatedModel, round3, samplingModel, saveRunCheckpoint, type RunContext } from './runContext';
import { sampleImages, type SampledImages } from './sampling';

/** The one place a run samples: `count` images and the first one's reverse strip, seeded by the epochs done. */
function drawSamples(ctx: RunContext, count: number): Promise<SampledImages> {
  return sampleImages(samplingModel(ctx), ctx.schedule, ctx.config, count, Random.derive(ctx.config.seed, `reverse-strip/${ctx.progress.epoch}`));
}

/** After an epoch that ran to its end: whether the config asks for a sample now (the last epoch samples at the end instead). */
export function sampleDueAfterEpoch(ctx: RunContext): boolean {
  const { epoch, step } = ctx.progress;
  const isLast = epoch >= ctx.config.epochs || step >= ctx.totalSteps;
  return !isLast && ctx.config.sampleEvery > 0 && epoch % ctx.config.sampleEvery === 0;
}

/** A reverse strip and the held-out loss after the epoch just ended, then a checkpoint at that step. */
export async function sampleAfterEpoch(ctx: RunContext): Promise<void> {
  const { epoch, step } = ctx.progress;
  ctx.emit({ type: 'phase', runId: ctx.runId, phase: 'sampling', detail: `reverse strip after epoch ${epoch}` });
  const { snapshots } = await drawSamples(ctx, 1);
  await writeReverseStrip(ctx, snapshots);
  const at = { epoch, step, wallMs: ctx.wallMs() };
  for (const r of await evaluateHeldOutLoss(evaluatedModel(ctx), ctx.schedule, ctx.config, ctx.heldOut, at)) ctx.writer.appendMetric(r);
  await saveRunCheckpoint(ctx);
}

/** The end of training: the final grid and reverse strip from one sampling pass, timed, then the three evaluations. */
export async function sampleAndEvaluate(ctx: RunContext): Promise<void> {
  const { config, writer, runId } = ctx;
  const samplingSteps = config.sampler === 'ddim' ? config.ddimSteps : config.timesteps;
  ctx.emit({ type: 'phase', runId, phase: 'sampling', detail: `${config.sampleCount} images, ${config.sampler.toUpperCase()} ${samplingSteps} steps` });
  const samplingStart = performance.now();
  const final = await drawSamples(ctx, config.sampleCount);
  writer.appendMetric({ kind: 'timing', name: 'sampling', ms: round3(performance.now() - samplingStart), batch: config.sampleCount, steps: samplingSteps, wallMs: ctx.wallMs() });
  await writeReverseStrip(ctx, final.snapshots);
  const gridFile = writer.file(`${RUN_FILES.samples}/${SAMPLE_FILES.finalGrid}`);
  await writeImageGrid(gridFile, final.images, config.sampleCount, config.imgSize);
  ctx.emit({ type: 'image', runId, kind: 'sample-grid', file: gridFile, epoch: ctx.progress.epoch });

  ctx.emit({ type: 'phase', runId, phase: 'evaluation', detail: 'held-out loss, bits/dim, sliced Wasserstein distance' });
  const at = { epoch: ctx.progress.epoch, step: ctx.progress.step, wallMs: ctx.wallMs() };
  const generated: ImageSet = { data: final.images, shape: [config.sampleCount, config.imgSize, config.imgSize, 3] };
  const evalModel = evaluatedModel(ctx);
  for (const r of [
    ...(await evaluateHeldOutLoss(evalModel, ctx.schedule, config, ctx.heldOut, at)),
    ...(await evaluateBitsPerDim(evalModel, ctx.schedule, config, ctx.heldOut, at)),
    ...(config.evalImages > 0 ? evaluateSlicedWasserstein(generated, ctx.heldOut, config.seed, at) : []),
  ]) writer.appendMetric(r);
}

/** samples/strip-epoch-NNN.png from the first image's snapshots, with its record and event. */
async function writeReverseStrip(ctx: RunContext, snapshots: SampledImages['snapshots']): Promise<void> {
  const { epoch, step } = ctx.progress;
  const name = `${RUN_FILES.samples}/${SAMPLE_FILES.reverseStrip(epoch)}`;
  await writeImageStrip(ctx.writer.file(name), snapshots.values, snapshots.count, ctx.config.imgSize);
  ctx.writer.appendMetric({ kind: 'sample', epoch, step, strip: name, wallMs: ctx.wallMs() });
  ctx.emit({ type: 'image', runId: ctx.runId, kind: 'reverse-strip', file: ctx.writer.file(name), epoch });
}
