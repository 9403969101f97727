// What the output directory holds, read from disk alone: sweeps (sweep.json) and the runs
// they list, and runs no sweep lists (made by `diffusion-lab train` or `demo`). A file
// that is missing or edited into nonsense becomes an `error` on its node, never an
// exception: the tree has to stay usable. No VS Code import.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunConfigFile } from '../shared/runConfig';
import { RUN_FILES, type MetricRecord, type RunState, type RunStatus } from '../shared/runDirectory';
import { parseMetricsJsonl } from '../shared/metricsLines';
import { SWEEP_FILES, type ResolvedSweepFile } from '../shared/sweepSpec';

export type RunDisplayState = RunState | 'not started' | 'unreadable';

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
  /** Mean training loss over the last epoch's steps, as the CLI's sweep table shows it. */
  finalLoss?: number;
  /** Wall time over every session of the run. */
  totalMs?: number;
  /** Lines of metrics.jsonl that are not records (a torn last line is not one of them). */
  metricsProblems?: string[];
  hasForwardStrip: boolean;
  /** File names in samples/, sorted. */
  samples: string[];
  hasNotes: boolean;
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
}

export interface Experiments {
  outDir: string;
  sweeps: SweepEntry[];
  /** Runs that no sweep lists. */
  singleRuns: RunEntry[];
}

const RUN_STATES: readonly RunState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

/** Parsed metrics per file, kept while the file's size and time stay the same. */
export class MetricsCache {
  private readonly entries = new Map<string, { size: number; mtimeMs: number; summary: Pick<RunEntry, 'finalLoss' | 'totalMs' | 'metricsProblems'> }>();

  async summarize(runDir: string): Promise<Pick<RunEntry, 'finalLoss' | 'totalMs' | 'metricsProblems'>> {
    const file = path.join(runDir, RUN_FILES.metrics);
    const stat = await fs.stat(file).catch(() => null);
    if (!stat) return {};
    const hit = this.entries.get(file);
    if (hit && hit.size === stat.size && hit.mtimeMs === stat.mtimeMs) return hit.summary;
    // Unreadable though listed (permissions, a race with a delete): no metrics, said as a problem.
    const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => ({ error: `${file}: cannot read (${err.code ?? err.message})` }));
    const parsed = typeof text === 'string' ? parseMetricsJsonl(text, file) : { records: [], problems: [text.error] };
    const summary = { ...summarizeMetrics(parsed.records), ...(parsed.problems.length > 0 ? { metricsProblems: parsed.problems } : {}) };
    this.entries.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, summary });
    return summary;
  }
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
      if (!Array.isArray(resolved.runs) || !resolved.runs.every((r) => typeof r?.runId === 'string' && /^[\w.-]+$/.test(r.runId))) {
        throw new Error('its runs list is not a list of runs');
      }
    } catch (err) {
      sweeps.push({ sweepId, dir, name: sweepId, variedFields: [], runs: [], hasNotes, error: `${file}: ${(err as Error).message}` });
      continue;
    }
    const runs = await Promise.all(resolved.runs.map((r) => {
      listed.add(r.runId);
      return readRun(path.join(runsDir, r.runId), cache, isRecord(r.varied) ? r.varied : {});
    }));
    sweeps.push({
      sweepId, dir, runs, hasNotes,
      name: typeof resolved.name === 'string' ? resolved.name : sweepId,
      ...(typeof resolved.description === 'string' ? { description: resolved.description } : {}),
      ...(typeof resolved.source === 'string' ? { source: resolved.source } : {}),
      variedFields: Array.isArray(resolved.variedFields) ? resolved.variedFields.map(String) : [],
    });
  }
  const singleRuns = await Promise.all(runIds.filter((id) => !listed.has(id)).map((id) => readRun(path.join(runsDir, id), cache, {})));
  return { outDir, sweeps, singleRuns };
}

export async function readRun(dir: string, cache: MetricsCache, varied: Record<string, unknown>): Promise<RunEntry> {
  const runId = path.basename(dir);
  const entry: RunEntry = { runId, dir, state: 'not started', varied, hasForwardStrip: false, samples: [], hasNotes: false };
  if (!(await exists(dir))) return entry;
  const [status, config] = await Promise.all([readJson(path.join(dir, RUN_FILES.status)), readJson(path.join(dir, RUN_FILES.config))]);
  if (typeof status === 'string') {
    entry.state = 'unreadable';
    entry.error = status;
  } else if (!isRecord(status) || !RUN_STATES.includes(status.state as RunState)) {
    entry.state = 'unreadable';
    entry.error = `${path.join(dir, RUN_FILES.status)}: not a run status (state must be one of ${RUN_STATES.join(', ')})`;
  } else {
    entry.status = status as unknown as RunStatus;
    entry.state = entry.status.state;
  }
  if (isRecord(config) && isRecord(config.config)) entry.config = config as unknown as RunConfigFile;
  else if (typeof config === 'string' && entry.state !== 'queued' && !config.includes('ENOENT')) entry.error ??= config;
  Object.assign(entry, await cache.summarize(dir));
  entry.hasForwardStrip = await exists(path.join(dir, RUN_FILES.forwardStrip));
  entry.samples = (await fs.readdir(path.join(dir, RUN_FILES.samples)).catch(() => [] as string[])).filter((f) => !f.startsWith('.')).sort();
  entry.hasNotes = await exists(path.join(dir, RUN_FILES.notes));
  return entry;
}

/** The final loss (mean over the last epoch's steps) and total wall time; repeated records of a resume count once. */
export function summarizeMetrics(records: MetricRecord[]): Pick<RunEntry, 'finalLoss' | 'totalMs'> {
  const steps = new Map<number, { epoch: number; loss: number }>();
  let totalMs = 0;
  let sessionMs = 0;
  for (const r of records) {
    if (r.kind === 'step' && Number.isFinite(r.step) && Number.isFinite(r.loss)) steps.set(r.step, { epoch: r.epoch, loss: r.loss });
    const wallMs = (r as { wallMs?: unknown }).wallMs;
    if (typeof wallMs !== 'number' || !Number.isFinite(wallMs)) continue;
    // wallMs starts again at 0 in each session (a resume): a session's last record is its length.
    if (wallMs < sessionMs) totalMs += sessionMs;
    sessionMs = wallMs;
  }
  const out: Pick<RunEntry, 'finalLoss' | 'totalMs'> = {};
  if (steps.size > 0) {
    const lastEpoch = Math.max(...[...steps.values()].map((s) => s.epoch));
    const last = [...steps.values()].filter((s) => s.epoch === lastEpoch);
    out.finalLoss = last.reduce((a, s) => a + s.loss, 0) / last.length;
  }
  if (records.length > 0) out.totalMs = totalMs + sessionMs;
  return out;
}

/** `timesteps 250 · imgSize 16`, or the run id when nothing is varied. */
export function describeVaried(run: Pick<RunEntry, 'runId' | 'varied'>): string {
  const parts = Object.entries(run.varied).map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length > 0 ? parts.join(' · ') : run.runId;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

async function listDirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

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

function exists(p: string): Promise<boolean> {
  return fs.access(p).then(() => true, () => false);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
