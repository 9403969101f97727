// A run's measures as plain numbers (RunMeasureSummary): what the panel is sent, and what the
// groups and the CSV export of a Study are computed from, so both start from the same numbers.
import type { RunMeasureSummary } from '../panelMessages';
import type { RunMeasures } from './runMeasures';

export function measureSummary(m: RunMeasures): RunMeasureSummary {
  const out: RunMeasureSummary = {};
  const put = (key: keyof RunMeasureSummary, value: number | undefined) => {
    if (value !== undefined && Number.isFinite(value)) out[key] = value;
  };
  put('msPerEpoch', m.msPerEpoch);
  put('forwardMs', m.forwardDiffusion?.ms);
  put('forwardBatch', m.forwardDiffusion?.batch);
  put('samplingMs', m.sampling?.ms);
  put('samplingBatch', m.sampling?.batch);
  put('samplingSteps', m.sampling?.steps);
  put('finalLoss', m.finalLoss);
  put('bestLoss', m.bestLoss);
  put('heldOutMse', m.heldOutLoss?.meanMse);
  put('bitsPerDim', m.bitsPerDim?.total);
  put('bitsPerDimStdErr', m.bitsPerDim?.diffusionStdErr);
  put('swd', m.swd?.average);
  put('swdFloor', m.swd?.floorAverage);
  put('swdRaw', m.swdRaw?.average);
  put('totalMs', m.totalMs);
  return out;
}
