// What the output directory holds, read from disk alone: sweeps (sweep.json) and the runs
// they list, and runs no sweep lists (made by `diffusion-lab train` or `demo`). A file
// that is missing or edited into nonsense becomes an `error` on its node, never an
// exception: the tree has to stay usable. No VS Code import.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunConfigFile } from '../shared/runConfig';
import { RUN_FILES, isRunId, type RunDisplayState, type RunStatus } from '../shared/runDirectory';
import { MetricsCache, readRun as readRunDirectory } from '../shared/runReading/readRun';
import { SWEEP_FILES, type ResolvedSweepFile } from '../shared/sweepSpec';
import type { RunAnnotations } from '../shared/runAnnotations';
import { generatedRunLabel, shownRunLabel, type SweepRunPlace } from '../shared/runLabels';
import { sweepBaseConfig } from '../shared/runReading/loadStudy';
import { slurmLogFile, type SlurmSubmission } from '../shared/slurmJob';

export { MetricsCache };

export interface RunEntry {
  runId: string;
  dir: string;
  state: RunDisplayState;
  status?: RunStatus;
  config?: RunConfigFile;
  /** Why status.json or config.json could not be used. */
  error?: string;
  /** The values that set this run apart in its sweep; empty outside a sweep. */
  varied: Record<string, unknown>;
  /** Its generated label, the panel's and the report's (generatedRunLabel): `T=250`, the base run `T=300 (base)`; the run id outside a sweep. */
  generatedLabel: string;
  /** Mean training loss over the last epoch's steps, as the CLI's sweep table shows it. */
  finalLoss?: number;
  /** Median duration of the completed epochs. */
  msPerEpoch?: number;
  /** Wall time over every session of the run. */
  totalMs?: number;
  /** Lines of metrics.jsonl that are not records (a torn last line is not one of them). */
  metricsProblems?: string[];
  hasForwardStrip: boolean;
  /** File names in samples/, sorted. */
  samples: string[];
  hasNotes: boolean;
  /** Display name, star and labels (annotations.json). */
  annotations?: RunAnnotations;
  /** annotations.json is ignored: which file, what is wrong. */
  annotationsProblem?: string;
  /** Set when the run's sweep was submitted to Slurm: the task's log (sweeps/<id>/slurm/<run-id>.log), and whether it is there yet. */
  slurmLog?: { file: string; exists: boolean };
}

export interface SweepEntry {
  sweepId: string;
  dir: string;
  name: string;
  description?: string;
  /** The sweep file it was resolved from. */
  source?: string;
  variedFields: string[];
  runs: RunEntry[];
  hasNotes: boolean;
  error?: string;
  /** sweep.json's latest submission as a Slurm job array. */
  slurm?: SlurmSubmission;
}

export interface Experiments {
  outDir: string;
  sweeps: SweepEntry[];
  /** Runs that no sweep lists. */
  singleRuns: RunEntry[];
}

export async function readExperiments(outDir: string, cache = new MetricsCache()): Promise<Experiments> {
  const sweepsDir = path.join(outDir, 'sweeps');
  const runsDir = path.join(outDir, 'runs');
  const sweepIds = await listDirs(sweepsDir);
  const runIds = await listDirs(runsDir);
  const listed = new Set<string>();
  const sweeps: SweepEntry[] = [];
  for (const sweepId of sweepIds) {
    const dir = path.join(sweepsDir, sweepId);
    const hasNotes = await exists(path.join(dir, RUN_FILES.notes));
    const file = path.join(dir, SWEEP_FILES.resolved);
    let resolved: ResolvedSweepFile;
    try {
      resolved = JSON.parse(await fs.readFile(file, 'utf8')) as ResolvedSweepFile;
      if (!Array.isArray(resolved.runs) || !resolved.runs.every((r) => isRunId(r?.runId))) {
        throw new Error('its runs list is not a list of runs');
      }
    } catch (err) {
      sweeps.push({ sweepId, dir, name: sweepId, variedFields: [], runs: [], hasNotes, error: `${file}: ${(err as Error).message}` });
      continue;
    }
    const slurm = isSlurmSubmission(resolved.slurm) ? resolved.slurm : undefined;
    const { base } = sweepBaseConfig(resolved.spec?.base, file);
    const runs = await Promise.all(resolved.runs.map(async (r) => {
      listed.add(r.runId);
      const place = { varied: isRecord(r.varied) ? r.varied : {}, base, ...(typeof r.repeat === 'number' ? { repeat: r.repeat } : {}) };
      const run = await readRun(path.join(runsDir, r.runId), cache, place);
      if (slurm) {
        const log = slurmLogFile(dir, r.runId);
        run.slurmLog = { file: log, exists: await exists(log) };
      }
      return run;
    }));
    sweeps.push({
      sweepId, dir, runs, hasNotes,
      name: typeof resolved.name === 'string' ? resolved.name : sweepId,
      ...(typeof resolved.description === 'string' ? { description: resolved.description } : {}),
      ...(typeof resolved.source === 'string' ? { source: resolved.source } : {}),
      variedFields: Array.isArray(resolved.variedFields) ? resolved.variedFields.map(String) : [],
      ...(slurm ? { slurm } : {}),
    });
  }
  const singleRuns = await Promise.all(runIds.filter((id) => !listed.has(id)).map((id) => readRun(path.join(runsDir, id), cache)));
  return { outDir, sweeps, singleRuns };
}

/** `inSweep`: where its sweep puts it (absent for a run no sweep lists). */
export async function readRun(dir: string, cache: MetricsCache, inSweep?: Omit<SweepRunPlace, 'runId'>): Promise<RunEntry> {
  const r = await readRunDirectory(dir, { metricsCache: cache });
  const m = r.measures;
  const varied = { ...inSweep?.varied };
  return {
    runId: r.runId, dir, state: r.state, varied, generatedLabel: inSweep ? generatedRunLabel({ ...inSweep, runId: r.runId }) : r.runId,
    ...(r.status ? { status: r.status } : {}),
    ...(r.configFile ? { config: r.configFile } : {}),
    ...(r.problems.length > 0 ? { error: r.problems.join('\n') } : {}),
    ...(m.finalLoss !== undefined ? { finalLoss: m.finalLoss } : {}),
    ...(m.msPerEpoch !== undefined ? { msPerEpoch: m.msPerEpoch } : {}),
    ...(m.totalMs !== undefined ? { totalMs: m.totalMs } : {}),
    ...(r.metricsProblems.length > 0 ? { metricsProblems: r.metricsProblems } : {}),
    hasForwardStrip: r.forwardStrip !== undefined,
    samples: r.samples.map((image) => image.name).sort(),
    hasNotes: r.notes !== undefined,
    ...(r.annotations ? { annotations: r.annotations } : {}),
    ...(r.annotationsProblem ? { annotationsProblem: r.annotationsProblem } : {}),
  };
}

/** The run's row in the tree and its line in pickers: its display name, else its generated label. */
export function runName(run: Pick<RunEntry, 'generatedLabel' | 'annotations'>): string {
  return shownRunLabel(run.generatedLabel, run.annotations);
}

/** `★ #baseline #keep`: the star and the labels; `⚠ annotations.json` when that file is ignored (the tooltip says why). */
export function annotationMarks(run: Pick<RunEntry, 'annotations' | 'annotationsProblem'>): string {
  const a = run.annotations;
  return [a?.starred ? '★' : '', ...(a?.labels ?? []).map((l) => `#${l}`), run.annotationsProblem ? `⚠ ${RUN_FILES.annotations}` : ''].filter(Boolean).join(' ');
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []); // absent: nothing trained yet; unreadable: empty, as the tree must stay usable
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false); // only whether to offer it: opening it reports any problem
}

/** A sweep.json edited into nonsense there means no Slurm job, not a broken tree. */
function isSlurmSubmission(v: unknown): v is SlurmSubmission {
  return isRecord(v) && typeof v.jobId === 'string' && v.jobId !== '' && Array.isArray(v.runIds) && v.runIds.every((id) => typeof id === 'string');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
