// The comparison table: one row per run of the sweep, the varied fields first, then state,
// times and quality. Columns that only some trainers write (held-out loss, the schedule's
// last signal) appear when at least one run has them; the assignment's columns always do.
import { RUN_STATE_HINTS } from './runDirectory';
import type { Study, StudyRun } from './runReading/loadStudy';
import { formatMs, formatNumber, formatValue, markdownCell, markdownTable } from './formatting';

export interface ComparisonTable {
  header: string[];
  rows: string[][];
  /** Column indexes holding numbers (right-aligned). */
  numeric: Set<number>;
  /** Runs that failed or stopped, with what the status says. */
  failures: Array<{ runId: string; state: string; step?: number; message: string }>;
  /** What the less obvious columns mean. */
  footnotes: string[];
}

interface Column {
  header: string;
  numeric: boolean;
  cell(run: StudyRun): string;
}

/** done, failed at step 12, running (step 40 of 120), cancelled or interrupted at step 30, not started. */
export function describeState(run: StudyRun): string {
  const step = run.error?.step ?? run.status?.step;
  switch (run.state) {
    case 'failed':
      return step !== undefined ? `failed at step ${step}` : 'failed';
    case 'cancelled':
      return step !== undefined ? `cancelled at step ${step}` : 'cancelled';
    case 'running':
      return run.status && run.status.totalSteps > 0 ? `running (step ${run.status.step} of ${run.status.totalSteps})` : 'running';
    case 'interrupted':
      return step !== undefined ? `interrupted at step ${step}` : 'interrupted';
    default:
      return run.state;
  }
}

function forwardCell(run: StudyRun): string {
  const f = run.measures.forwardDiffusion;
  if (!f) return '–';
  return f.batch !== undefined ? `${formatMs(f.ms)} (batch ${f.batch})` : formatMs(f.ms);
}

function samplingCell(run: StudyRun): string {
  const s = run.measures.sampling;
  if (!s) return '–';
  const what = [s.batch !== undefined ? `${s.batch} img` : '', s.steps !== undefined ? `${s.steps} steps` : ''].filter(Boolean).join(', ');
  return what ? `${formatMs(s.ms)} (${what})` : formatMs(s.ms);
}

function bestLossCell(run: StudyRun): string {
  const m = run.measures;
  if (m.bestLoss === undefined) return '–';
  return `${formatNumber(m.bestLoss)} (epoch ${m.bestLossEpoch! + 1})`;
}

function bitsPerDimCell(run: StudyRun): string {
  const b = run.measures.bitsPerDim;
  if (!b) return '–';
  return b.diffusionStdErr > 0 ? `${formatNumber(b.total)} ± ${formatNumber(b.diffusionStdErr, 2)}` : formatNumber(b.total);
}

export function comparisonTable(study: Study): ComparisonTable {
  const runs = study.runs;
  const any = (has: (r: StudyRun) => boolean) => runs.some(has);
  const columns: Column[] = [
    { header: 'run', numeric: false, cell: (r) => r.runId },
    ...study.variedFields.map((field): Column => ({ header: field, numeric: false, cell: (r) => formatValue(r.varied[field] ?? r.config[field]) })),
    { header: 'state', numeric: false, cell: describeState },
    { header: 'time / epoch', numeric: true, cell: (r) => formatMs(r.measures.msPerEpoch) },
    { header: 'forward diffusion', numeric: true, cell: forwardCell },
    { header: 'sampling', numeric: true, cell: samplingCell },
    { header: 'final loss', numeric: true, cell: (r) => formatNumber(r.measures.finalLoss) },
    { header: 'best loss', numeric: true, cell: bestLossCell },
    { header: 'total time', numeric: true, cell: (r) => formatMs(r.measures.totalMs) },
  ];
  if (any((r) => r.measures.heldOutLoss !== undefined)) {
    columns.push(
      { header: 'held-out loss', numeric: true, cell: (r) => formatNumber(r.measures.heldOutLoss?.meanLoss) },
      { header: 'held-out MSE', numeric: true, cell: (r) => formatNumber(r.measures.heldOutLoss?.meanMse) },
    );
  }
  columns.push(
    { header: 'bits/dim', numeric: true, cell: bitsPerDimCell },
    { header: 'SWD ×10³', numeric: true, cell: (r) => formatNumber(r.measures.swd?.average, 3) },
    { header: 'SWD floor', numeric: true, cell: (r) => formatNumber(r.measures.swd?.floorAverage, 3) },
  );
  if (any((r) => r.measures.schedule !== undefined)) {
    columns.push({ header: 'signal left at T', numeric: true, cell: (r) => formatNumber(r.measures.schedule?.sqrtAlphaBarLast, 3) });
  }

  const failures = runs
    .filter((r) => r.state === 'failed' || r.state === 'cancelled' || r.state === 'interrupted' || r.problems.length > 0)
    .map((r) => {
      const step = r.error?.step ?? r.status?.step;
      const stopped = r.state === 'cancelled' ? 'stopped before the end (resume it, or run the sweep again)' : r.state === 'interrupted' ? RUN_STATE_HINTS.interrupted! : '';
      return {
        runId: r.runId,
        state: describeState(r),
        ...(step !== undefined ? { step } : {}),
        message: [r.error?.message ?? stopped, ...r.problems].filter(Boolean).join('; '),
      };
    });

  const footnotes = [
    '*time / epoch*: the median over the epochs (the first epoch also pays for start-up).',
    '*forward diffusion*: noising one batch with q(x_t | x_0), the assignment\'s "time taken for diffusion".',
    '*sampling*: the reverse process for the final sample grid, all T steps.',
    '*final loss*: mean training loss over the last epoch\'s steps; *best loss*: the lowest epoch mean.',
    '*total time*: wall time of the run over every session (a resumed run has several).',
  ];
  if (any((r) => r.measures.heldOutLoss !== undefined)) {
    footnotes.push('*held-out loss*: the run\'s own loss on held-out images at fixed t bands; *held-out MSE* compares runs trained with different losses.');
  }
  footnotes.push(
    '*bits/dim*: the variational bound on held-out images (lower is better), ± its Monte-Carlo standard error.',
    '*SWD ×10³*: sliced Wasserstein distance between generated and held-out images (lower is better); *SWD floor*: the same between two sets of real images, the best a model can score.',
  );
  if (any((r) => r.measures.schedule !== undefined)) {
    footnotes.push('*signal left at T*: sqrt(ᾱ_{T-1}), the share of the image left at the last step; sampling starts from pure noise, so larger is a bigger mismatch.');
  }

  return {
    header: columns.map((c) => c.header),
    rows: runs.map((r) => columns.map((c) => c.cell(r))),
    numeric: new Set(columns.flatMap((c, i) => (c.numeric ? [i] : []))),
    failures,
    footnotes,
  };
}

export function comparisonTableMarkdown(table: ComparisonTable): string {
  return markdownTable(table.header, table.rows, table.numeric);
}

/** The table, the runs that did not finish and the footnotes: the report's comparison and Compare Runs' document. */
export function comparisonMarkdown(study: Study): string {
  const table = comparisonTable(study);
  const lines = [comparisonTableMarkdown(table), ''];
  if (table.failures.length > 0) {
    lines.push('**Runs that did not finish:**', '');
    for (const f of table.failures) lines.push(`- \`${f.runId}\` ${f.state}${f.message ? `: ${markdownCell(f.message)}` : ''}`);
    lines.push('');
  }
  lines.push(...table.footnotes.map((f) => `- ${f}`));
  return lines.join('\n');
}
