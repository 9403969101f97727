// Reads a sweep directory and the run directories it lists into one Study: everything the
// report shows, from disk alone. Missing and unreadable pieces become visible states
// ("not started", a problem note) rather than errors, so a half-finished sweep still exports.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RUN_CONFIG, resolveRunConfig, type RunConfig, type RunEnvironment } from '../runConfig';
import { SAMPLE_FILES, type RunDisplayState, type RunStatus } from '../runDirectory';
import { readRun } from './readRun';
import { measureRun, type RunMeasures } from './runMeasures';
import { SWEEP_FILES } from '../sweepSpec';
import { readOptionalText, runsDirectory } from './runFiles';
import type { RunAnnotations } from '../runAnnotations';


type RunConfigField = keyof RunConfig;

/**
 * The parts of sweep.json (ResolvedSweepFile in shared/sweepSpec.ts) that the report reads;
 * everything but the run list is optional, so older and newer sweep files still export.
 */
export interface SweepListing {
  sweepId?: string;
  name?: string;
  description?: string;
  source?: string;
  resolvedAt?: string;
  spec?: {
    base?: Partial<RunConfig>;
    axes?: Partial<Record<RunConfigField, readonly unknown[]>>;
    grid?: Partial<Record<RunConfigField, readonly unknown[]>>;
    repeats?: number;
  };
  /** Fields whose value differs between runs: the comparison table's columns. */
  variedFields?: RunConfigField[];
  runs: SweepListingRun[];
}

export interface SweepListingRun {
  runId: string;
  /** This run's values of the varied fields. */
  varied?: Partial<Record<RunConfigField, unknown>>;
  /** The one-at-a-time axes this run lies on. */
  axes?: RunConfigField[];
  repeat?: number;
  config: RunConfig;
}

export interface StudyRun {
  runId: string;
  dir: string;
  /** This run's values of the sweep's varied fields. */
  varied: Partial<Record<RunConfigField, unknown>>;
  /** The one-at-a-time axes this run lies on (the centre run lies on all). */
  axes: RunConfigField[];
  repeat: number;
  /** From the run's config.json when it has one, else as the sweep resolved it. */
  config: RunConfig;
  state: RunDisplayState;
  status?: RunStatus;
  environment?: RunEnvironment;
  error?: { message: string; step?: number };
  measures: RunMeasures;
  /** notes.md as written, byte for byte (undefined when there is none). */
  notes?: string;
  forwardStrip?: string;
  /** The t of each frame of forward.png, from forward.json (absent for runs written before it). */
  forwardStripTimes?: number[];
  /** samples/strip-epoch-NNN.png, by epoch. */
  reverseStrips: Array<{ epoch: number; file: string }>;
  /** Every other PNG in samples/, by name: grid-final.png is the end-of-training grid, grid-epoch-NNN.png the previews, grid-final-raw.png the raw weights'. */
  sampleGrids: string[];
  /** Files that exist but could not be read, in words. */
  problems: string[];
  /** Display name, star and labels (annotations.json). */
  annotations?: RunAnnotations;
  /** annotations.json is ignored: which file, what is wrong (a warning; the run is reported without them). */
  annotationsProblem?: string;
}

export interface Study {
  sweepDir: string;
  /** The folder holding sweeps/ and runs/. */
  outDir: string;
  sweepId: string;
  name: string;
  description?: string;
  /** The sweep file it was resolved from. */
  source?: string;
  resolvedAt?: string;
  spec: NonNullable<SweepListing['spec']>;
  /** The config every run starts from (the sweep's base with defaults filled). */
  base: RunConfig;
  variedFields: RunConfigField[];
  runs: StudyRun[];
  notes?: string;
  /** Why the sweep's base config did not validate (a sweep.json from another version): the report shows it as written. */
  baseProblem?: string;
}

export class StudyError extends Error {
  override name = 'StudyError';
}

/** Accepts the sweep directory or its sweep.json. */
export async function loadStudy(sweepPath: string): Promise<Study> {
  const resolved = path.resolve(sweepPath);
  const isFile = (await fs.stat(resolved).catch(() => null))?.isFile() ?? false; // else a directory: reading its sweep.json names any problem
  const sweepDir = isFile ? path.dirname(resolved) : resolved;
  const sweepFile = isFile ? resolved : path.join(sweepDir, SWEEP_FILES.resolved);
  const sweep = await readSweepFile(sweepFile);
  const outDir = path.resolve(sweepDir, '..', '..');
  const { base, problem: baseProblem } = sweepBaseConfig(sweep.spec?.base, sweepFile);
  const runs = await Promise.all(sweep.runs.map((run) => loadRun(run, path.join(runsDirectory(outDir), run.runId), base)));
  const notes = await readTextIfPresent(path.join(sweepDir, SWEEP_FILES.notes));
  return {
    sweepDir, outDir,
    sweepId: sweep.sweepId ?? path.basename(sweepDir),
    name: sweep.name ?? sweep.sweepId ?? path.basename(sweepDir),
    ...(sweep.description !== undefined ? { description: sweep.description } : {}),
    ...(sweep.source !== undefined ? { source: sweep.source } : {}),
    ...(sweep.resolvedAt !== undefined ? { resolvedAt: sweep.resolvedAt } : {}),
    spec: sweep.spec ?? {},
    base,
    variedFields: sweep.variedFields ?? [],
    runs,
    ...(notes !== undefined ? { notes } : {}),
    ...(baseProblem !== undefined ? { baseProblem } : {}),
  };
}

async function readSweepFile(file: string): Promise<SweepListing> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StudyError(code === 'ENOENT'
      ? `${path.dirname(file)} is not a sweep directory: it has no ${SWEEP_FILES.resolved} (run \`diffusion-lab sweep FILE\` first; sweeps live in <out>/sweeps/<sweep-id>/)`
      : `${file}: cannot read (${code ?? (err as Error).message})`);
  }
  let sweep: SweepListing;
  try {
    sweep = JSON.parse(text) as SweepListing;
  } catch (err) {
    throw new StudyError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof sweep !== 'object' || sweep === null || !Array.isArray(sweep.runs)) {
    throw new StudyError(`${file}: not a resolved sweep (no "runs" list)`);
  }
  sweep.runs.forEach((run, i) => {
    if (typeof run?.runId !== 'string' || run.runId.length === 0 || run.runId !== path.basename(run.runId)) {
      throw new StudyError(`${file}: runs[${i}].runId must be a run directory name, got ${JSON.stringify(run?.runId)}`);
    }
  });
  return sweep;
}

/** A sweep's base (sweep.json's spec.base) with defaults filled, as the report, the panel and the tree label runs by it. */
export function sweepBaseConfig(base: unknown, file: string): { base: RunConfig; problem?: string } {
  const partial = typeof base === 'object' && base !== null ? (base as Partial<RunConfig>) : {};
  try {
    return { base: resolveRunConfig({ ...partial }, `${file} base`) };
  } catch (err) {
    // A sweep.json from another version: show what it says rather than refuse to report, and say so.
    return { base: { ...DEFAULT_RUN_CONFIG, ...partial } as RunConfig, problem: (err as Error).message };
  }
}

async function loadRun(run: SweepListingRun, dir: string, base: RunConfig): Promise<StudyRun> {
  const out: StudyRun = {
    runId: run.runId,
    dir,
    varied: run.varied ?? {},
    axes: Array.isArray(run.axes) ? run.axes : [],
    repeat: typeof run.repeat === 'number' ? run.repeat : 0,
    // Until the run writes its own config.json; base only if sweep.json lacks the config.
    config: typeof run.config === 'object' && run.config !== null ? run.config : base,
    state: 'not started',
    measures: measureRun([]),
    reverseStrips: [],
    sampleGrids: [],
    problems: [],
  };
  const reading = await readRun(dir);
  if (reading.state === 'not started') return out;
  out.state = reading.state;
  if (reading.status) out.status = reading.status;
  if (reading.status?.error) out.error = reading.status.error;
  if (reading.configFile) {
    out.config = reading.configFile.config;
    out.environment = reading.configFile.environment;
  }
  out.measures = reading.measures;
  out.problems.push(...reading.problems, ...reading.metricsProblems);
  if (reading.annotations) out.annotations = reading.annotations;
  if (reading.annotationsProblem) out.annotationsProblem = reading.annotationsProblem;
  if (reading.notes) {
    const notes = await readTextIfPresent(reading.notes.file);
    if (notes !== undefined) out.notes = notes;
  }
  if (reading.forwardStrip) out.forwardStrip = reading.forwardStrip.file;
  if (reading.forwardStrip?.index) out.forwardStripTimes = reading.forwardStrip.index.t;
  for (const image of reading.samples) {
    if (image.kind === 'reverse-strip') out.reverseStrips.push({ epoch: image.epoch, file: image.file });
    else out.sampleGrids.push(image.file);
  }
  out.sampleGrids.sort();
  return out;
}

/** The file's text, or undefined when it does not exist. Read only: the report never writes notes. */
async function readTextIfPresent(file: string): Promise<string | undefined> {
  const { text, problem } = await readOptionalText(file);
  if (problem) throw new StudyError(problem);
  return text;
}

/** The grid to show for a run: the end-of-training grid, else the newest by name. */
export function finalSampleGrid(run: StudyRun): string | undefined {
  // Without grid-final.png (a run that failed at its end), the newest checkpoint grid: never a preview or the raw weights' grid.
  const ofTheModel = run.sampleGrids.filter((f) => !SAMPLE_FILES.epochGridPattern.test(path.basename(f)) && path.basename(f) !== SAMPLE_FILES.finalRawGrid);
  return ofTheModel.find((f) => path.basename(f) === SAMPLE_FILES.finalGrid) ?? ofTheModel[ofTheModel.length - 1];
}

/** The fields where this run's config differs from the sweep's base, in the sweep's varied order. */
export function fieldsOffBase(study: Pick<Study, 'base' | 'variedFields'>, run: Pick<StudyRun, 'config'>): RunConfigField[] {
  return study.variedFields.filter((f) => JSON.stringify(run.config[f]) !== JSON.stringify(study.base[f]));
}
