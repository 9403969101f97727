// The table printed at the end of a sweep, read from the run directories alone so that it
// says the same whether the runs were trained now, earlier, or in child processes.
import { existsSync } from 'node:fs';
import type { RunConfigField } from '../../shared/runConfigSchema';
import type { MetricRecord, RunState } from '../../shared/runDirectory';
import type { SweepRun } from '../../shared/sweepSpec';
import { formatDuration } from '../progressLine';
import { readMetricsFile, readRunStatus } from '../run/runWriter';
import { isRunOwnerAlive } from './runState';

export interface RunSummary {
  runId: string;
  varied: SweepRun['varied'];
  /** `not started`: no run directory yet. */
  state: RunState | 'not started';
  /** Mean training loss over the last epoch's steps (a partial epoch when maxSteps ended it). */
  finalLoss?: number;
  /** Mean duration of the completed epochs. */
  msPerEpoch?: number;
  /** Median duration of one optimiser step. */
  msPerStep?: number;
  /** Wall time over every session of the run (a resumed run has several). */
  totalMs?: number;
  error?: string;
  /**
   * status.json says running, but the process it names is gone (killed, or crashed before it
   * could write another state): the run is interrupted, and the same command resumes it.
   */
  interrupted?: boolean;
  /** Corrupt lines of metrics.jsonl, with file and line (a torn last line is not one). */
  metricsProblems?: string[];
  /** What this invocation did with the run: trained, resumed, skipped, ... */
  note?: string;
}

export async function summarizeRun(run: Pick<SweepRun, 'runId' | 'varied'>, runDir: string, note?: string): Promise<RunSummary> {
  const summary: RunSummary = { runId: run.runId, varied: run.varied, state: 'not started', ...(note ? { note } : {}) };
  if (!existsSync(runDir)) return summary;
  try {
    const status = await readRunStatus(runDir);
    summary.state = status.state;
    if (status.error) summary.error = status.error.message;
    if (status.state === 'running' && status.pid !== process.pid && !isRunOwnerAlive(status)) summary.interrupted = true;
  } catch (err) {
    summary.state = 'failed';
    summary.error = (err as Error).message;
    return summary;
  }
  const metrics = await readMetricsFile(runDir);
  return { ...summary, ...measure(metrics.records), ...(metrics.problems.length > 0 ? { metricsProblems: metrics.problems } : {}) };
}

/** Loss and times from metrics.jsonl; records a resumed run repeated are counted once. */
export function measure(records: MetricRecord[]): Pick<RunSummary, 'finalLoss' | 'msPerEpoch' | 'msPerStep' | 'totalMs'> {
  const steps = new Map<number, Extract<MetricRecord, { kind: 'step' }>>();
  const epochs = new Map<number, Extract<MetricRecord, { kind: 'epoch' }>>();
  // wallMs restarts at 0 in each session (a resume); a session's last record is its length.
  let totalMs = 0;
  let sessionMs = 0;
  for (const r of records) {
    if (r.kind === 'step') steps.set(r.step, r);
    if (r.kind === 'epoch') epochs.set(r.epoch, r);
    const wallMs = (r as { wallMs?: unknown }).wallMs;
    if (typeof wallMs !== 'number') continue;
    if (wallMs < sessionMs) totalMs += sessionMs;
    sessionMs = wallMs;
  }
  totalMs += sessionMs;
  const out: ReturnType<typeof measure> = {};
  if (steps.size > 0) {
    const lastEpoch = Math.max(...[...steps.values()].map((s) => s.epoch));
    const last = [...steps.values()].filter((s) => s.epoch === lastEpoch);
    out.finalLoss = last.reduce((a, s) => a + s.loss, 0) / last.length;
    const ms = [...steps.values()].map((s) => s.ms).sort((a, b) => a - b);
    out.msPerStep = ms[Math.floor(ms.length / 2)]!;
  }
  if (epochs.size > 0) out.msPerEpoch = [...epochs.values()].reduce((a, e) => a + e.ms, 0) / epochs.size;
  if (records.length > 0) out.totalMs = totalMs;
  return out;
}

/** A plain-text table: run id, the varied fields, state, final loss, time per epoch and step, total. */
export function formatSummaryTable(rows: RunSummary[], variedFields: RunConfigField[]): string {
  const header = ['run', ...variedFields, 'state', 'final loss', 'time/epoch', 'ms/step', 'total', 'this time'];
  const body = rows.map((r) => [
    r.runId,
    ...variedFields.map((f) => formatValue(r.varied[f])),
    displayState(r),
    r.finalLoss === undefined ? '-' : r.finalLoss.toFixed(4),
    r.msPerEpoch === undefined ? '-' : formatTime(r.msPerEpoch),
    r.msPerStep === undefined ? '-' : r.msPerStep.toFixed(0),
    r.totalMs === undefined ? '-' : formatTime(r.totalMs),
    r.note ?? '',
  ]);
  const lines = [formatTable(header, body, new Set(['final loss', 'time/epoch', 'ms/step', 'total']))];
  const failures = rows.filter((r) => r.error);
  if (failures.length > 0) {
    lines.push('', ...failures.map((r) => `${r.runId} ${displayState(r)}: ${r.error}`));
  }
  const corrupt = rows.flatMap((r) => (r.metricsProblems ?? []).map((p) => `${r.runId}: corrupt metrics: ${p}`));
  if (corrupt.length > 0) lines.push('', ...corrupt);
  const interrupted = rows.filter((r) => r.interrupted).length;
  if (interrupted > 0) {
    lines.push('', `${interrupted === 1 ? '1 run was' : `${interrupted} runs were`} interrupted (the process training ${interrupted === 1 ? 'it' : 'them'} is gone): run the same command to resume`);
  }
  return lines.join('\n') + '\n';
}

/** The state column: `interrupted` for a run whose status says running in a process that is gone. */
export function displayState(r: Pick<RunSummary, 'state' | 'interrupted'>): string {
  return r.interrupted ? 'interrupted' : r.state;
}

/** Columns padded to their widest cell; the named columns right-aligned (numbers). */
export function formatTable(header: string[], rows: string[][], rightAligned: ReadonlySet<string> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(header[i]!) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Tenths of a second below 10 s (tiny runs), else as the progress line shows durations. */
function formatTime(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}

/** A varied value in a table cell: widths as `32,64,128`. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(',') : String(v);
}
