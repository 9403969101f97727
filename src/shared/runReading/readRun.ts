// A run directory read for display, the one way every reader (the CLI's sweep table, the
// report, the Experiments tree, the panel) reads it: state, including `interrupted`, the
// config, the measures from metrics.jsonl, and the images with their epochs. Nothing here
// throws for a missing or broken file: each becomes the `unreadable` state or a problem
// naming the file, so a half-written or hand-edited directory still shows what it can.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunConfigFile } from '../runConfig';
import {
  RUN_FILES, RUN_STATES, SAMPLE_FILES, type ForwardStepsIndex, type RunDisplayState, type ForwardStripIndex, type MetricRecord, type RunState, type RunStatus,
} from '../runDirectory';
import type { ParsedMetrics } from './metricsLines';
import { readMetricsFile, readRunAnnotations } from './runFiles';
import type { RunAnnotations } from '../runAnnotations';
import { measureRun, type RunMeasures } from './runMeasures';
import { isInterrupted } from './processIdentity';

export interface ImageOnDisk {
  file: string;
  /** Changes when the file does (rounded ms). */
  mtimeMs: number;
}

export interface SampleImage extends ImageOnDisk {
  name: string;
  /**
   * `epoch-grid`: the preview images sampled after an epoch (grid-epoch-NNN.png). `grid`: the
   * end-of-training grid, or one sampled later from the checkpoint. `raw-grid`: the end's same
   * draw from the raw weights of a run with a weight average (grid-final-raw.png).
   */
  kind: 'reverse-strip' | 'epoch-grid' | 'grid' | 'raw-grid';
  /** The epoch after which it was sampled; a grid made at or after the end has the last one. */
  epoch: number;
}

export interface RunReading {
  runId: string;
  dir: string;
  state: RunDisplayState;
  status?: RunStatus;
  configFile?: RunConfigFile;
  /** status.json or config.json missing or broken, or samples/ unreadable, in words naming the file. */
  problems: string[];
  /** Corrupt lines of metrics.jsonl, with file and line (a torn last line is not one). */
  metricsProblems: string[];
  records: readonly MetricRecord[];
  measures: RunMeasures;
  forwardStrip?: ImageOnDisk & { index?: ForwardStripIndex };
  forwardSteps?: ImageOnDisk & { index: ForwardStepsIndex };
  /** Reverse strips and grids, by epoch then name. */
  samples: SampleImage[];
  notes?: ImageOnDisk;
  /** annotations.json: display name, star, labels. */
  annotations?: RunAnnotations;
  /** annotations.json is there but ignored (naming it and what is wrong): a warning, the run still shows. */
  annotationsProblem?: string;
}

export interface ReadRunOptions {
  /** The records, when the caller has them already (the panel tails metrics.jsonl as it grows). */
  metrics?: ParsedMetrics;
  /** Reuses the parse and measures of a metrics.jsonl that has not changed since the last read. */
  metricsCache?: MetricsCache;
}

export async function readRun(dir: string, options: ReadRunOptions = {}): Promise<RunReading> {
  const reading: RunReading = {
    runId: path.basename(dir), dir, state: 'not started', problems: [], metricsProblems: [], records: [], measures: measureRun([]), samples: [],
  };
  if (!(await stat(dir))?.isDirectory()) return reading;
  const [status, config] = await Promise.all([readJson(path.join(dir, RUN_FILES.status)), readJson(path.join(dir, RUN_FILES.config))]);
  if (typeof status === 'string') {
    reading.state = 'unreadable';
    reading.problems.push(status);
  } else if (!isRecord(status) || !RUN_STATES.includes(status.state as RunState)) {
    reading.state = 'unreadable';
    reading.problems.push(`${path.join(dir, RUN_FILES.status)}: not a run status (state must be one of ${RUN_STATES.join(', ')})`);
  } else {
    reading.status = status as unknown as RunStatus;
    reading.state = isInterrupted(reading.status) ? 'interrupted' : reading.status.state;
  }
  if (isRecord(config) && isRecord(config.config)) reading.configFile = config as unknown as RunConfigFile;
  else if (isRecord(config)) reading.problems.push(`${path.join(dir, RUN_FILES.config)}: not a run config (no "config" object)`);
  // config.json is written when training starts: missing is a problem only for a run that got further.
  else if (typeof config === 'string' && !(config.endsWith('(ENOENT)') && ['queued', 'running', 'unreadable'].includes(reading.state))) reading.problems.push(config);

  const { metrics, measures } = options.metrics
    ? { metrics: options.metrics, measures: measureRun(options.metrics.records) }
    : await (options.metricsCache ?? new MetricsCache()).read(dir);
  reading.records = metrics.records;
  reading.metricsProblems = metrics.problems;
  reading.measures = measures;

  const [forward, forwardIndex, steps, stepsIndex, notes, annotations] = await Promise.all([
    imageOnDisk(path.join(dir, RUN_FILES.forwardStrip)),
    readJson(path.join(dir, RUN_FILES.forwardStripIndex)),
    imageOnDisk(path.join(dir, RUN_FILES.forwardSteps)),
    readJson(path.join(dir, RUN_FILES.forwardStepsIndex)),
    imageOnDisk(path.join(dir, RUN_FILES.notes)),
    readRunAnnotations(dir),
  ]);
  if (forward) reading.forwardStrip = { ...forward, ...(isTileIndex(forwardIndex) ? { index: forwardIndex as unknown as ForwardStripIndex } : {}) };
  if (steps && isTileIndex(stepsIndex) && typeof stepsIndex.columns === 'number') reading.forwardSteps = { ...steps, index: stepsIndex as unknown as ForwardStepsIndex };
  if (notes) reading.notes = notes;
  if (annotations.annotations) reading.annotations = annotations.annotations;
  if (annotations.problem) reading.annotationsProblem = annotations.problem;
  reading.samples = await readSamples(dir, reading.status?.epoch, reading.problems);
  return reading;
}

/** Parsed metrics and their measures per run directory, kept while metrics.jsonl's size and time stay the same. */
export class MetricsCache {
  private readonly entries = new Map<string, { size: number; mtimeMs: number; metrics: ParsedMetrics; measures: RunMeasures }>();

  async read(dir: string): Promise<{ metrics: ParsedMetrics; measures: RunMeasures }> {
    const file = path.join(dir, RUN_FILES.metrics);
    const s = await stat(file);
    const hit = this.entries.get(file);
    if (s && hit && hit.size === s.size && hit.mtimeMs === s.mtimeMs) return hit;
    const metrics = await readMetricsFile(dir);
    const entry = { size: s?.size ?? 0, mtimeMs: s?.mtimeMs ?? 0, metrics, measures: measureRun(metrics.records) };
    if (s) this.entries.set(file, entry);
    return entry;
  }
}

async function readSamples(dir: string, statusEpoch: number | undefined, problems: string[]): Promise<SampleImage[]> {
  const samplesDir = path.join(dir, RUN_FILES.samples);
  const listed = await fs.readdir(samplesDir).catch((err: NodeJS.ErrnoException) => {
    // No samples/ yet (a queued run) is no problem: nothing to show.
    if (err.code !== 'ENOENT') problems.push(`${samplesDir}: cannot read (${err.code ?? err.message})`);
    return [] as string[];
  });
  const names = listed.filter((n) => n.endsWith('.png') && !n.startsWith('.'));
  const found = await Promise.all(names.map(async (name) => ({ name, image: await imageOnDisk(path.join(samplesDir, name)) })));
  const byEpoch: SampleImage[] = [];
  const grids: Array<{ name: string; image: ImageOnDisk; kind: 'grid' | 'raw-grid' }> = [];
  for (const { name, image } of found) {
    if (!image) continue; // deleted between the listing and the stat
    const strip = SAMPLE_FILES.reverseStripPattern.exec(name);
    const epochGrid = SAMPLE_FILES.epochGridPattern.exec(name);
    if (strip) byEpoch.push({ ...image, name, kind: 'reverse-strip', epoch: Number(strip[1]) });
    else if (epochGrid) byEpoch.push({ ...image, name, kind: 'epoch-grid', epoch: Number(epochGrid[1]) });
    else if (name === SAMPLE_FILES.finalRawGrid) grids.push({ name, image, kind: 'raw-grid' });
    else if (name.startsWith(SAMPLE_FILES.gridPrefix)) grids.push({ name, image, kind: 'grid' });
  }
  // The final strip and grid come from one sampling pass: a grid belongs to the last strip's epoch.
  const strips = byEpoch.filter((s) => s.kind === 'reverse-strip');
  const lastEpoch = strips.length > 0 ? Math.max(...strips.map((s) => s.epoch)) : statusEpoch ?? 0;
  const samples = [...byEpoch, ...grids.map(({ name, image, kind }): SampleImage => ({ ...image, name, kind, epoch: lastEpoch }))];
  return samples.sort((a, b) => a.epoch - b.epoch || a.name.localeCompare(b.name));
}

async function imageOnDisk(file: string): Promise<ImageOnDisk | undefined> {
  const s = await stat(file);
  return s?.isFile() ? { file, mtimeMs: Math.round(s.mtimeMs) } : undefined;
}

function stat(file: string) {
  return fs.stat(file).catch(() => null); // missing, or gone since the listing: absent, which the callers show as such
}

/** The parsed file, or a sentence naming the file and what is wrong. */
async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return `${file}: not valid JSON (${(err as Error).message})`;
  }
}

function isTileIndex(v: unknown): v is Record<string, unknown> & { t: number[] } {
  return isRecord(v) && Array.isArray(v.t) && v.t.every(Number.isFinite) && Number.isFinite(v.tile) && Number.isFinite(v.gap);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
