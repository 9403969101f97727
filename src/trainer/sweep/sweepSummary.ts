// The table printed at the end of a sweep, read from the run directories alone so that it
// says the same whether the runs were trained now, earlier, or in child processes.
import type { RunConfigField } from '../../shared/runConfigSchema';
import { RUN_STATE_HINTS, type RunDisplayState } from '../../shared/runDirectory';
import type { SweepRun } from '../../shared/sweepSpec';
import { formatMs, formatNumber, formatValue } from '../../shared/formatting';
import { readRun } from '../../shared/runReading/readRun';
import { FINAL_LOSS } from '../../shared/lossNames';
import type { RunAnnotations } from '../../shared/runAnnotations';

/** One row of the sweep table. */
export interface SweepRunRow {
  runId: string;
  varied: SweepRun['varied'];
  state: RunDisplayState;
  /** Mean training loss over the last epoch's steps (a partial epoch when maxSteps ended it). */
  finalLoss?: number;
  /** Median duration of the completed epochs. */
  msPerEpoch?: number;
  /** Median duration of one optimiser step. */
  msPerStep?: number;
  /** Wall time over every session of the run (a resumed run has several). */
  totalMs?: number;
  /** Final sliced Wasserstein distance x 1e3 of the samples, and the real-vs-real floor at the same N. */
  swd?: number;
  swdFloor?: number;
  error?: string;
  /** Corrupt lines of metrics.jsonl, with file and line (a torn last line is not one). */
  metricsProblems?: string[];
  /** What this invocation did with the run: trained, resumed, skipped, ... */
  note?: string;
  /** Display name, star and labels (annotations.json). */
  annotations?: RunAnnotations;
  /** annotations.json is ignored: which file, what is wrong (printed on stderr). */
  annotationsProblem?: string;
}

export async function summarizeRun(run: Pick<SweepRun, 'runId' | 'varied'>, runDir: string, note?: string): Promise<SweepRunRow> {
  const reading = await readRun(runDir);
  const m = reading.measures;
  const error = reading.status?.error?.message ?? reading.problems.join('; ');
  return {
    runId: run.runId, varied: run.varied, state: reading.state,
    ...(m.finalLoss !== undefined ? { finalLoss: m.finalLoss } : {}),
    ...(m.msPerEpoch !== undefined ? { msPerEpoch: m.msPerEpoch } : {}),
    ...(m.msPerStep !== undefined ? { msPerStep: m.msPerStep } : {}),
    ...(m.totalMs !== undefined ? { totalMs: m.totalMs } : {}),
    ...(m.swd ? { swd: m.swd.average, swdFloor: m.swd.floorAverage } : {}),
    ...(error ? { error } : {}),
    ...(reading.metricsProblems.length > 0 ? { metricsProblems: reading.metricsProblems } : {}),
    ...(note ? { note } : {}),
    ...(reading.annotations ? { annotations: reading.annotations } : {}),
    ...(reading.annotationsProblem ? { annotationsProblem: reading.annotationsProblem } : {}),
  };
}

/** One line per ignored annotations.json, for stderr. */
export function annotationWarnings(rows: readonly SweepRunRow[]): string[] {
  return rows.flatMap((r) => (r.annotationsProblem ? [`warning: ${r.annotationsProblem}`] : []));
}

/**
 * A plain-text table: run id (★ when starred), its name and labels (when any run has them), the
 * varied fields, state, final loss, SWD with its floor (when measured), time per epoch and step, total.
 */
export function formatSummaryTable(rows: SweepRunRow[], variedFields: RunConfigField[]): string {
  const withSwd = rows.some((r) => r.swd !== undefined);
  const withStar = rows.some((r) => r.annotations?.starred);
  const withName = rows.some((r) => r.annotations?.name);
  const withLabels = rows.some((r) => r.annotations?.labels);
  const header = ['run', ...(withName ? ['name'] : []), ...(withLabels ? ['labels'] : []), ...variedFields, 'state', FINAL_LOSS.label, ...(withSwd ? ['SWD', 'floor'] : []), 'time/epoch', 'ms/step', 'total', 'this time'];
  const body = rows.map((r) => [
    withStar ? `${r.annotations?.starred ? '★' : ' '} ${r.runId}` : r.runId,
    ...(withName ? [r.annotations?.name ?? ''] : []),
    ...(withLabels ? [(r.annotations?.labels ?? []).join(', ')] : []),
    ...variedFields.map((f) => formatValue(r.varied[f])),
    r.state,
    formatNumber(r.finalLoss),
    ...(withSwd ? [formatNumber(r.swd, 3), formatNumber(r.swdFloor, 3)] : []),
    formatMs(r.msPerEpoch),
    r.msPerStep === undefined ? '–' : r.msPerStep.toFixed(0),
    formatMs(r.totalMs),
    r.note ?? '',
  ]);
  const lines = [formatTable(header, body, new Set([FINAL_LOSS.label, 'SWD', 'floor', 'time/epoch', 'ms/step', 'total']))];
  // Which loss the column is: the panel's legend shows others (smoothed, step).
  if (rows.some((r) => r.finalLoss !== undefined)) lines.push('', `${FINAL_LOSS.label}: ${FINAL_LOSS.definition}`);
  const failures = rows.filter((r) => r.error);
  if (failures.length > 0) {
    lines.push('', ...failures.map((r) => `${r.runId} ${r.state}: ${r.error}`));
  }
  const corrupt = rows.flatMap((r) => (r.metricsProblems ?? []).map((p) => `${r.runId}: corrupt metrics: ${p}`));
  if (corrupt.length > 0) lines.push('', ...corrupt);
  const interrupted = rows.filter((r) => r.state === 'interrupted').length;
  if (interrupted > 0) {
    lines.push('', `${interrupted === 1 ? '1 run was' : `${interrupted} runs were`} interrupted: ${RUN_STATE_HINTS.interrupted}`);
  }
  return lines.join('\n') + '\n';
}

/** Columns padded to their widest cell; the named columns right-aligned (numbers). */
export function formatTable(header: string[], rows: string[][], rightAligned: ReadonlySet<string> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned.has(header[i]!) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
