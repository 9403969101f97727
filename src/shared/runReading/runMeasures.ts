// The measures of one run, computed from its metrics.jsonl records alone: the one definition
// of final loss, time per epoch and total time that the CLI, the report, the tree and the
// panel all show. Records of kinds this module does not know are counted and otherwise
// ignored, so an older reader reads newer run directories.
import type {
  BitsPerDimRecord, HeldOutLossRecord, MetricRecord, ScheduleRecord, SlicedWassersteinRecord,
} from '../runDirectory';
import { ResumedWallClock } from './wallClock';

/** One training step's loss, with its position in fractional epochs (so batch sizes compare). */
export interface LossPoint {
  step: number;
  epoch: number;
  /** epoch + (position of the step within its epoch) / (steps per epoch); undefined when steps per epoch is unknown. */
  epochPosition?: number;
  loss: number;
}

export interface TimingMeasure {
  ms: number;
  batch?: number;
  steps?: number;
}

/** What was sampled after one epoch, on the run's own clock: how quality grew with training time. */
export interface PreviewPoint {
  epoch: number;
  step: number;
  /** The run's wall time when it was sampled, over every session (a resumed run's clock goes on). */
  atMs: number;
  /** Paths relative to the run directory. */
  strip: string;
  /** The t of each frame of the strip, noise first (recorded since previews; absent in older runs). */
  stripT?: number[];
  grid?: string;
  /** The preview images' SWD (previewCount of them, so its floor is at that N). */
  swd?: SlicedWassersteinRecord;
}

export interface RunMeasures {
  losses: LossPoint[];
  /** Mean training loss per epoch, from epoch records, else from the steps (a partial last epoch included). */
  epochLosses: Array<{ epoch: number; meanLoss: number }>;
  /** Mean loss over the steps of the last epoch reached (partial when maxSteps or a failure ended it). */
  finalLoss?: number;
  /** The lowest per-epoch mean loss. */
  bestLoss?: number;
  bestLossEpoch?: number;
  /** Median duration of the completed epochs: robust to the first epoch's start-up cost. */
  msPerEpoch?: number;
  epochsTimed: number;
  /** Median duration of one optimiser step. */
  msPerStep?: number;
  /** Median training throughput of the steps. */
  imagesPerSec?: number;
  /** Wall time over every session of the run (a resumed run has several). */
  totalMs?: number;
  /** The forward process q(x_t | x_0) for one batch: the assignment's "time taken for diffusion". */
  forwardDiffusion?: TimingMeasure;
  /** Reverse sampling of the final grid: T steps for `batch` images. */
  sampling?: TimingMeasure;
  /** The trainer's own measure of the whole run (last session). */
  runMs?: number;
  schedule?: ScheduleRecord;
  /** The latest record of each quality metric, and every one in order for plots over training. */
  heldOutLoss?: HeldOutLossRecord;
  bitsPerDim?: BitsPerDimRecord;
  swd?: SlicedWassersteinRecord;
  /** With a weight average: the final SWD of the same draw from the raw weights (what the average bought). */
  swdRaw?: SlicedWassersteinRecord;
  /** What was sampled, in training order: after each sampling epoch (a grid when previewCount > 1), and at the end (no grid here: its grid is SAMPLE_FILES.finalGrid). */
  previews: PreviewPoint[];
  evals: Array<HeldOutLossRecord | BitsPerDimRecord | SlicedWassersteinRecord>;
  /** Records of a kind (or eval metric) this report does not know: count per kind. */
  unknownKinds: Record<string, number>;
}

type StepRecord = Extract<MetricRecord, { kind: 'step' }>;
type EpochRecord = Extract<MetricRecord, { kind: 'epoch' }>;
type TimingRecord = Extract<MetricRecord, { kind: 'timing' }>;
type SampleRecord = Extract<MetricRecord, { kind: 'sample' }>;

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Summarises a run's records. A resumed run repeats the records of the steps after its
 * last checkpoint: the later record of a step or epoch wins, so each is counted once.
 */
export function measureRun(records: readonly unknown[]): RunMeasures {
  const steps = new Map<number, StepRecord>();
  const epochs = new Map<number, EpochRecord>();
  const timings = new Map<string, TimingRecord>();
  const evals: RunMeasures['evals'] = [];
  const previews = new Map<number, PreviewPoint>();
  const unknownKinds: Record<string, number> = {};
  let schedule: ScheduleRecord | undefined;
  const clock = new ResumedWallClock();
  const countUnknown = (name: string) => {
    unknownKinds[name] = (unknownKinds[name] ?? 0) + 1;
  };

  for (const raw of records) {
    if (typeof raw !== 'object' || raw === null) continue;
    const r = raw as { kind?: unknown; metric?: unknown; wallMs?: unknown };
    const atMs = clock.add(r.wallMs);
    switch (r.kind) {
      case 'step': {
        const s = raw as StepRecord;
        if (isFiniteNumber(s.step) && isFiniteNumber(s.loss)) steps.set(s.step, s);
        break;
      }
      case 'epoch': {
        const e = raw as EpochRecord;
        if (isFiniteNumber(e.epoch)) epochs.set(e.epoch, e);
        break;
      }
      case 'timing': {
        const t = raw as TimingRecord;
        if (typeof t.name === 'string' && isFiniteNumber(t.ms)) timings.set(t.name, t);
        break;
      }
      case 'sample': {
        const p = raw as SampleRecord;
        if (isFiniteNumber(p.epoch) && isFiniteNumber(p.step) && typeof p.strip === 'string') {
          const stripT = Array.isArray(p.stripT) && p.stripT.every(isFiniteNumber) ? { stripT: p.stripT } : {};
          previews.set(p.step, { epoch: p.epoch, step: p.step, atMs, strip: p.strip, ...stripT, ...(typeof p.grid === 'string' ? { grid: p.grid } : {}) });
        }
        break;
      }
      case 'schedule':
        schedule = raw as ScheduleRecord;
        break;
      case 'eval':
        if (r.metric === 'heldOutLoss' || r.metric === 'bitsPerDim' || r.metric === 'swd') {
          evals.push(raw as RunMeasures['evals'][number]);
        } else {
          countUnknown(`eval:${String(r.metric)}`);
        }
        break;
      default:
        countUnknown(String(r.kind));
    }
  }

  const orderedSteps = [...steps.values()].sort((a, b) => a.step - b.step);
  const orderedEpochs = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
  const stepsPerEpoch = stepsPerEpochOf(orderedEpochs, orderedSteps);
  const losses: LossPoint[] = orderedSteps.map((s) => ({
    step: s.step,
    epoch: s.epoch,
    ...(stepsPerEpoch ? { epochPosition: s.step / stepsPerEpoch } : {}),
    loss: s.loss,
  }));

  const epochLosses = epochMeanLosses(orderedEpochs, orderedSteps);
  const out: RunMeasures = { losses, epochLosses, epochsTimed: 0, previews: [], evals, unknownKinds };
  if (orderedSteps.length > 0) {
    const lastEpoch = orderedSteps[orderedSteps.length - 1]!.epoch;
    const last = orderedSteps.filter((s) => s.epoch === lastEpoch);
    out.finalLoss = last.reduce((a, s) => a + s.loss, 0) / last.length;
    out.msPerStep = median(orderedSteps.map((s) => s.ms).filter(isFiniteNumber));
    out.imagesPerSec = median(orderedSteps.map((s) => s.imagesPerSec).filter(isFiniteNumber));
  }
  if (clock.started) out.totalMs = clock.totalMs;
  if (epochLosses.length > 0) {
    const best = epochLosses.reduce((a, b) => (b.meanLoss < a.meanLoss ? b : a));
    out.bestLoss = best.meanLoss;
    out.bestLossEpoch = best.epoch;
  }
  const epochMs = orderedEpochs.map((e) => e.ms).filter(isFiniteNumber);
  out.msPerEpoch = median(epochMs);
  out.epochsTimed = epochMs.length;
  const timing = (name: string): TimingMeasure | undefined => {
    const t = timings.get(name);
    if (!t) return undefined;
    return { ms: t.ms, ...(isFiniteNumber(t.batch) ? { batch: t.batch } : {}), ...(isFiniteNumber(t.steps) ? { steps: t.steps } : {}) };
  };
  const forward = timing('forwardDiffusion');
  if (forward) out.forwardDiffusion = forward;
  const sampling = timing('sampling');
  if (sampling) out.sampling = sampling;
  const run = timings.get('run');
  if (run) out.runMs = run.ms;
  if (schedule) out.schedule = schedule;
  // Evaluations are appended in training order; the latest is the run's result.
  for (const e of evals) {
    if (e.metric === 'heldOutLoss') out.heldOutLoss = e;
    if (e.metric === 'bitsPerDim') out.bitsPerDim = e;
    if (e.metric === 'swd' && e.weights === 'raw') out.swdRaw = e;
    else if (e.metric === 'swd') {
      out.swd = e;
      const preview = previews.get(e.step);
      if (preview) preview.swd = e;
    }
  }
  out.previews = [...previews.values()].sort((a, b) => a.step - b.step);
  return out;
}

/** From the first epoch record (its step is the steps in epoch 0), else from counting epoch 0's steps when epoch 1 began. */
function stepsPerEpochOf(epochs: EpochRecord[], steps: StepRecord[]): number | undefined {
  const first = epochs.find((e) => e.epoch === 0);
  if (first && isFiniteNumber(first.step) && first.step > 0) return first.step;
  if (steps.some((s) => s.epoch >= 1)) {
    const inFirst = steps.filter((s) => s.epoch === 0).length;
    if (inFirst > 0) return inFirst;
  }
  return undefined;
}

function epochMeanLosses(epochs: EpochRecord[], steps: StepRecord[]): RunMeasures['epochLosses'] {
  const byEpoch = new Map<number, number>();
  for (const e of epochs) if (isFiniteNumber(e.meanLoss)) byEpoch.set(e.epoch, e.meanLoss);
  // Epochs without a record (the partial epoch a failure or maxSteps cut short): mean of their steps.
  const sums = new Map<number, { sum: number; n: number }>();
  for (const s of steps) {
    if (byEpoch.has(s.epoch)) continue;
    const acc = sums.get(s.epoch) ?? { sum: 0, n: 0 };
    acc.sum += s.loss;
    acc.n += 1;
    sums.set(s.epoch, acc);
  }
  for (const [epoch, { sum, n }] of sums) byEpoch.set(epoch, sum / n);
  return [...byEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, meanLoss]) => ({ epoch, meanLoss }));
}
