// Metric results as metrics.jsonl records (the run-directory contract in shared/runDirectory.ts).

import type { BitsPerDimRecord, HeldOutLossRecord, ScheduleRecord, SlicedWassersteinRecord } from '../../shared/runDirectory';
import type { BitsPerDimResult } from './bitsPerDim';
import type { HeldOutLossResult } from './heldOutLoss';
import type { ScheduleFacts } from './scheduleFacts';
import type { SlicedWassersteinResult } from './slicedWasserstein';

/** When in training an evaluation was taken. */
export interface EvalPoint {
  epoch: number;
  step: number;
  wallMs: number;
}

const ms3 = (ms: number) => Math.round(ms * 1000) / 1000;

export function scheduleRecord(facts: ScheduleFacts, wallMs: number): ScheduleRecord {
  return { kind: 'schedule', schedule: facts.schedule, T: facts.T, sqrtAlphaBarLast: facts.sqrtAlphaBarLast, snr: facts.snr, wallMs };
}

export function heldOutLossRecord(result: HeldOutLossResult, at: EvalPoint): HeldOutLossRecord {
  return {
    kind: 'eval', metric: 'heldOutLoss', ...at, images: result.images, seed: result.seed, ms: ms3(result.ms),
    loss: result.loss, buckets: result.buckets, meanLoss: result.meanLoss, meanMse: result.meanMse,
  };
}

export function bitsPerDimRecord(result: BitsPerDimResult, at: EvalPoint): BitsPerDimRecord {
  return {
    kind: 'eval', metric: 'bitsPerDim', ...at, images: result.images, seed: result.seed, ms: ms3(result.ms),
    total: result.total, prior: result.prior, diffusion: result.diffusion, diffusionStdErr: result.diffusionStdErr,
    decoder: result.decoder, timesteps: result.timesteps.length, exact: result.exact,
    variance: result.variance, clipDenoised: result.clipDenoised,
  };
}

/** `swd` and `floor` must come from the same settings (slicedWassersteinEval gives both). */
export function slicedWassersteinRecord(
  { swd, floor }: { swd: SlicedWassersteinResult; floor: SlicedWassersteinResult },
  at: EvalPoint,
): SlicedWassersteinRecord {
  return {
    kind: 'eval', metric: 'swd', ...at, images: swd.images, seed: swd.seed, ms: ms3(swd.ms + floor.ms),
    resolutions: swd.resolutions, swd: swd.swd, average: swd.average, floor: floor.swd, floorAverage: floor.average,
  };
}
