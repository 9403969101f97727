// What the panel shows about one run, read from its directory: status, config, images on
// disk and measures from metrics.jsonl. Plain fs; the schedule arithmetic is the trainer's
// own (schedules.ts imports no tfjs), so the panel's curves are the ones training used.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { FieldValue, RunSummary, SampleImages, ScheduleCurves } from '../../shared/panelMessages';
import { RUN_FILES, type ForwardStepsIndex, type MetricRecord } from '../../shared/runDirectory';
import type { RunConfig } from '../../shared/runConfig';
import { makeNoiseSchedule } from '../../trainer/diffusion/schedules';
import { measureRun } from '../../trainer/report/runMeasures';
import { readRunConfigFile, readRunStatus } from '../../trainer/run/runWriter';

/** A file's webview URI; `stamp` changes when the file does, so the webview reloads it. */
export type ToWebviewUri = (file: string, stamp: number) => string;

export interface RunPlace {
  runId: string;
  dir: string;
  colorIndex: number;
  varied: Record<string, unknown>;
}

/** Config fields the panel compares runs by. */
const COMPARED_FIELDS = ['timesteps', 'imgSize', 'batchSize', 'activation', 'loss', 'schedule', 'betaStart', 'betaEnd', 'epochs', 'lr', 'preset', 'seed'] as const;

/** The most schedule points sent per run: enough for a smooth curve at any panel width. */
const SCHEDULE_POINTS = 300;

export async function readRunSummary(place: RunPlace, records: readonly MetricRecord[], toUri: ToWebviewUri): Promise<RunSummary> {
  const { runId, dir } = place;
  const summary: RunSummary = {
    runId, label: describe(place), colorIndex: place.colorIndex, state: 'not started',
    varied: toFieldValues(place.varied), config: {}, measures: {}, samples: [],
  };
  const [status, configFile] = await Promise.all([readRunStatus(dir).catch((e: Error) => e), readRunConfigFile(dir).catch((e: Error) => e)]);
  if (!(status instanceof Error)) {
    summary.state = status.state;
    summary.step = status.step;
    summary.totalSteps = status.totalSteps;
    if (status.error) summary.error = status.error.message;
  } else if (await exists(dir)) {
    summary.state = 'unreadable';
    summary.error = status.message;
  }
  const config = configFile instanceof Error ? undefined : configFile.config;
  if (config) {
    for (const f of COMPARED_FIELDS) summary.config[f] = config[f];
    summary.config.backend = configFile instanceof Error ? config.backend : configFile.environment.backend;
  }

  const m = measureRun(records);
  const measures = summary.measures;
  assign(measures, 'msPerEpoch', m.msPerEpoch);
  assign(measures, 'forwardMs', m.forwardDiffusion?.ms);
  assign(measures, 'forwardBatch', m.forwardDiffusion?.batch);
  assign(measures, 'samplingMs', m.sampling?.ms);
  assign(measures, 'samplingBatch', m.sampling?.batch);
  assign(measures, 'samplingSteps', m.sampling?.steps);
  assign(measures, 'finalLoss', m.finalLoss);
  assign(measures, 'bestLoss', m.bestLoss);
  assign(measures, 'heldOutMse', m.heldOutLoss?.meanMse);
  assign(measures, 'bitsPerDim', m.bitsPerDim?.total);
  assign(measures, 'swd', m.swd?.average);
  assign(measures, 'swdFloor', m.swd?.floorAverage);
  assign(measures, 'totalMs', totalWallMs(records));
  const perEpoch = m.losses.find((p) => p.epochPosition !== undefined);
  if (perEpoch) summary.stepsPerEpoch = perEpoch.step / perEpoch.epochPosition!;
  else if (config && config.maxSteps === 0 && status instanceof Error === false && status.totalSteps > 0) summary.stepsPerEpoch = status.totalSteps / config.epochs;

  const schedule = m.schedule ? curvesFromRecord(m.schedule) : config ? curvesFromConfig(config) : undefined;
  if (schedule) summary.schedule = schedule;

  const forward = await stamp(path.join(dir, RUN_FILES.forwardStrip));
  if (forward !== undefined && config) {
    // forward.png as the trainer lays it out (trainRun.ts, report/images.ts): min(10, T) tiles at
    // t = i * floor(T / count), each upscaled to at least 64 px, 2 px apart.
    const count = Math.min(10, config.timesteps);
    const stride = Math.floor(config.timesteps / count);
    summary.forwardStrip = {
      uri: toUri(path.join(dir, RUN_FILES.forwardStrip), forward),
      t: Array.from({ length: count }, (_, i) => i * stride),
      tile: config.imgSize * Math.max(1, Math.ceil(64 / config.imgSize)),
      gap: 2,
    };
  }
  const stepsStamp = await stamp(path.join(dir, RUN_FILES.forwardSteps));
  if (stepsStamp !== undefined) {
    const index = await readJson<ForwardStepsIndex>(path.join(dir, RUN_FILES.forwardStepsIndex));
    if (index && Array.isArray(index.t) && index.t.every(Number.isFinite) && [index.tile, index.columns, index.gap].every(Number.isFinite)) {
      summary.forwardSteps = { uri: toUri(path.join(dir, RUN_FILES.forwardSteps), stepsStamp), t: index.t, tile: index.tile, columns: index.columns, gap: index.gap };
    }
  }
  summary.samples = await readSamples(dir, status instanceof Error ? undefined : status.epoch, toUri);
  return summary;
}

/** Reverse strips (strip-epoch-NNN.png) and grids, per epoch; grids are made at the end of training. */
async function readSamples(dir: string, finalEpoch: number | undefined, toUri: ToWebviewUri): Promise<SampleImages[]> {
  const samplesDir = path.join(dir, RUN_FILES.samples);
  const names = (await fs.readdir(samplesDir).catch(() => [] as string[])).filter((n) => n.endsWith('.png') && !n.startsWith('.'));
  const byEpoch = new Map<number, SampleImages>();
  const at = (epoch: number) => byEpoch.get(epoch) ?? byEpoch.set(epoch, { epoch }).get(epoch)!;
  let lastStrip = -1;
  for (const name of names.sort()) {
    const match = /^strip-epoch-(\d+)\.png$/.exec(name);
    if (!match) continue;
    const epoch = Number(match[1]);
    lastStrip = Math.max(lastStrip, epoch);
    at(epoch).strip = toUri(path.join(samplesDir, name), (await stamp(path.join(samplesDir, name))) ?? 0);
  }
  // grid-final.png, or a later grid sampled from the checkpoint: the newest one shows.
  const grids = await Promise.all(names.filter((n) => n.startsWith('grid')).map(async (n) => ({ n, t: (await stamp(path.join(samplesDir, n))) ?? 0 })));
  const newest = grids.sort((a, b) => b.t - a.t)[0];
  if (newest) at(lastStrip >= 0 ? lastStrip : finalEpoch ?? 0).grid = toUri(path.join(samplesDir, newest.n), newest.t);
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
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

/** Wall time over every session of the run (wallMs restarts at 0 when a run resumes). */
function totalWallMs(records: readonly MetricRecord[]): number | undefined {
  let total = 0;
  let session = 0;
  let seen = false;
  for (const r of records) {
    const w = (r as { wallMs?: unknown }).wallMs;
    if (typeof w !== 'number' || !Number.isFinite(w)) continue;
    if (w < session) total += session;
    session = w;
    seen = true;
  }
  return seen ? total + session : undefined;
}

function describe(place: RunPlace): string {
  const parts = Object.entries(place.varied).map(([k, v]) => `${SHORT_NAMES[k] ?? k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length > 0 ? parts.join(' · ') : place.runId;
}

const SHORT_NAMES: Record<string, string> = { timesteps: 'T', imgSize: 'size', batchSize: 'batch' };

function toFieldValues(values: Record<string, unknown>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
    else if (Array.isArray(v)) out[k] = v.join(',');
    else if (v !== undefined && v !== null) out[k] = JSON.stringify(v);
  }
  return out;
}

function assign<K extends keyof RunSummary['measures']>(m: RunSummary['measures'], key: K, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) m[key] = value;
}

async function stamp(file: string): Promise<number | undefined> {
  const s = await fs.stat(file).catch(() => null);
  return s ? Math.round(s.mtimeMs) : undefined;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
