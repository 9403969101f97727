// What the panel shows about one run: the shared reading of its directory (state, config,
// measures, images) turned into the panel's RunSummary, with webview URIs for the images.
import type { FieldValue, FinalSamples, RunSummary, SampleImages, ScheduleCurves, SwdScore } from '../../shared/panelMessages';
import { RUN_STATE_HINTS, SAMPLE_FILES, type MetricRecord, type SlicedWassersteinRecord } from '../../shared/runDirectory';
import type { RunConfig } from '../../shared/runConfig';
import { generatedRunLabel, shownRunLabel, type SweepRunPlace } from '../../shared/runLabels';
import { makeNoiseSchedule } from '../../shared/noiseSchedules';
import { readRun, type RunReading } from '../../shared/runReading/readRun';
import { measureSummary } from '../../shared/runReading/measureSummary';

/** A file's webview URI; `stamp` changes when the file does, so the webview reloads it. */
export type ToWebviewUri = (file: string, stamp: number) => string;

export interface RunPlace extends SweepRunPlace {
  dir: string;
  colorIndex: number;
  varied: Record<string, unknown>;
}

/** Config fields the panel compares runs by. */
const COMPARED_FIELDS = ['timesteps', 'imgSize', 'batchSize', 'activation', 'loss', 'schedule', 'betaStart', 'betaEnd', 'epochs', 'lr', 'preset', 'seed'] as const;

/** The most schedule points sent per run: enough for a smooth curve at any panel width. */
const SCHEDULE_POINTS = 300;

export async function readRunSummary(place: RunPlace, records: readonly MetricRecord[], problems: readonly string[], toUri: ToWebviewUri): Promise<RunSummary> {
  const reading = await readRun(place.dir, { metrics: { records: [...records], problems: [...problems] } });
  const { status, measures: m } = reading;
  const generated = generatedRunLabel(place);
  const a = reading.annotations;
  const summary: RunSummary = {
    runId: place.runId, label: shownRunLabel(generated, a), generatedLabel: generated, colorIndex: place.colorIndex, state: reading.state,
    varied: toFieldValues(place.varied), config: {}, measures: {}, samples: [],
    ...(a?.name ? { displayName: a.name } : {}), ...(a?.starred ? { starred: true } : {}), ...(a?.labels ? { labels: a.labels } : {}),
  };
  if (status) {
    summary.step = status.step;
    summary.totalSteps = status.totalSteps;
  }
  const hint = RUN_STATE_HINTS[reading.state];
  const errors = [hint && `${reading.state}: ${hint}`, status?.error?.message, ...reading.problems, ...reading.metricsProblems, reading.annotationsProblem].filter((e) => e);
  if (errors.length > 0) summary.error = errors.join('\n');
  const config = reading.configFile?.config;
  if (config) {
    for (const f of COMPARED_FIELDS) summary.config[f] = config[f];
    summary.config.backend = reading.configFile!.environment?.backend ?? config.backend;
  }

  summary.measures = measureSummary(m);
  const perEpoch = m.losses.find((p) => p.epochPosition !== undefined);
  if (perEpoch) summary.stepsPerEpoch = perEpoch.step / perEpoch.epochPosition!;
  else if (config && config.maxSteps === 0 && status && status.totalSteps > 0) summary.stepsPerEpoch = status.totalSteps / config.epochs;

  const schedule = m.schedule ? curvesFromRecord(m.schedule) : config ? curvesFromConfig(config) : undefined;
  if (schedule) summary.schedule = schedule;

  const forward = reading.forwardStrip;
  if (forward?.index) {
    summary.forwardStrip = { uri: toUri(forward.file, forward.mtimeMs), t: forward.index.t, tile: forward.index.tile, gap: forward.index.gap };
  }
  const steps = reading.forwardSteps;
  if (steps) {
    const { t, tile, columns, gap } = steps.index;
    summary.forwardSteps = { uri: toUri(steps.file, steps.mtimeMs), t, tile, columns, gap };
  }
  summary.samples = samplesByEpoch(reading, toUri);
  const final = finalSamples(reading, config, toUri);
  if (final) summary.final = final;
  return summary;
}

/** Per epoch: the strip and preview grid on disk, with when they were sampled and the preview's SWD (from metrics.jsonl). */
function samplesByEpoch(reading: RunReading, toUri: ToWebviewUri): SampleImages[] {
  const byEpoch = new Map<number, SampleImages>();
  const at = (epoch: number) => byEpoch.get(epoch) ?? byEpoch.set(epoch, { epoch }).get(epoch)!;
  for (const image of reading.samples) {
    if (image.kind === 'reverse-strip') at(image.epoch).strip = toUri(image.file, image.mtimeMs);
    if (image.kind === 'epoch-grid') at(image.epoch).grid = toUri(image.file, image.mtimeMs);
  }
  // Previews in step order: after a resume the later record of an epoch wins.
  for (const p of reading.measures.previews) {
    const entry = at(p.epoch);
    entry.atMs = p.atMs;
    if (p.stripT) entry.stripT = p.stripT;
    const swd = p.grid ? swdScore(p.swd) : undefined;
    if (swd) entry.swd = swd;
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/** The newest grid (grid-final.png, or a later one sampled from the checkpoint), the raw weights' grid, and the end's SWDs. */
function finalSamples(reading: RunReading, config: RunConfig | undefined, toUri: ToWebviewUri): FinalSamples | undefined {
  const m = reading.measures;
  const newest = reading.samples.filter((i) => i.kind === 'grid').sort((a, b) => b.mtimeMs - a.mtimeMs)[0];
  const raw = reading.samples.find((i) => i.kind === 'raw-grid');
  if (!newest && !raw) return undefined;
  const final: FinalSamples = {
    epoch: (newest ?? raw)!.epoch,
    ema: (config?.emaDecay ?? 0) > 0 || raw !== undefined || m.swd?.weights === 'ema',
  };
  if (newest) final.grid = toUri(newest.file, newest.mtimeMs);
  if (newest && newest.name !== SAMPLE_FILES.finalGrid) final.later = true;
  if (raw) final.rawGrid = toUri(raw.file, raw.mtimeMs);
  // The end's sample record is the last one and names no grid (its grid is grid-final.png).
  const last = m.previews[m.previews.length - 1];
  if (last && !last.grid) final.atMs = last.atMs;
  // The latest SWD is an epoch preview's when the end was not evaluated (yet): not the final one then.
  const endSwd = m.swd && !m.previews.some((p) => p.grid && p.swd === m.swd) ? m.swd : undefined;
  const swd = final.later ? undefined : swdScore(endSwd);
  if (swd) final.swd = swd;
  const swdRaw = swdScore(m.swdRaw);
  if (swdRaw) final.swdRaw = swdRaw;
  return final;
}

function swdScore(r: SlicedWassersteinRecord | undefined): SwdScore | undefined {
  if (!r || !Number.isFinite(r.average) || !Number.isFinite(r.floorAverage) || !Number.isFinite(r.images)) return undefined;
  return { value: r.average, floor: r.floorAverage, images: r.images };
}

function curvesFromRecord(r: { schedule: string; T: number; snr: { t: number[]; value: number[] } }): ScheduleCurves {
  return {
    name: r.schedule, T: r.T, t: r.snr.t, snr: r.snr.value,
    sqrtAlphaBar: r.snr.value.map((s) => Math.sqrt(s / (1 + s))),
  };
}

function curvesFromConfig(c: RunConfig): ScheduleCurves | undefined {
  try {
    const s = makeNoiseSchedule(c.schedule, c.timesteps, c.betaStart, c.betaEnd);
    const stride = Math.max(1, Math.ceil(s.T / SCHEDULE_POINTS));
    const t: number[] = [];
    for (let i = 0; i < s.T; i += stride) t.push(i);
    if (t[t.length - 1] !== s.T - 1) t.push(s.T - 1);
    return { name: c.schedule, T: s.T, t, sqrtAlphaBar: t.map((i) => s.sqrtAlphasCumprod[i]!), snr: t.map((i) => s.signalToNoise[i]!) };
  } catch {
    return undefined; // a config edited into an impossible schedule: no curve, the rest still shows
  }
}

function toFieldValues(values: Record<string, unknown>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join(',');
    else if (v !== undefined && v !== null) out[k] = JSON.stringify(v);
  }
  return out;
}
