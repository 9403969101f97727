// The comparison tables: one row per run of the sweep, the varied fields first, then state,
// times and quality; and the quality of each finished run against the base run, with the
// differences. Columns that only some trainers write (held-out loss, the schedule's last
// signal, the raw weights' SWD) appear when at least one run has them.
import { RUN_STATE_HINTS } from './runDirectory';
import { fieldsOffBase, type Study, type StudyRun } from './runReading/loadStudy';
import { formatMs, formatNumber, formatValue, markdownCell, markdownCode, markdownTable } from './formatting';
import { QUALITY_TEXT, swdRatio, withinStdErr, type ComparedRun, type QualityComparison } from './measuredDifferences';
import { shownRunLabel, sweepRunLabel } from './runLabels';
import { BEST_LOSS, FINAL_LOSS } from './lossNames';
import { COMPARE_MEASURES } from './compareMeasures';
import { groupFields, groupRuns, meanStdText, type GroupBy } from './runGroups';
import { studyCsvRuns } from './runReading/studyRows';

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
  return b ? QUALITY_TEXT.bitsPerDim(b) : '–';
}

const swdCell = (s: { average: number } | undefined) => (s ? QUALITY_TEXT.swd(s.average) : '–');

export function comparisonTable(study: Study): ComparisonTable {
  const runs = study.runs;
  const any = (has: (r: StudyRun) => boolean) => runs.some(has);
  const columns: Column[] = [
    // ★ marks a starred run; name and labels appear when some run has them (annotations.json).
    { header: 'run', numeric: false, cell: (r) => (any((x) => x.annotations?.starred === true) ? `${r.annotations?.starred ? '★ ' : ''}${r.runId}` : r.runId) },
    ...(any((r) => r.annotations?.name !== undefined) ? [{ header: 'name', numeric: false, cell: (r: StudyRun) => r.annotations?.name ?? '' }] : []),
    ...(any((r) => r.annotations?.labels !== undefined) ? [{ header: 'labels', numeric: false, cell: (r: StudyRun) => (r.annotations?.labels ?? []).join(', ') }] : []),
    ...study.variedFields.map((field): Column => ({ header: field, numeric: false, cell: (r) => formatValue(r.varied[field] ?? r.config[field]) })),
    { header: 'state', numeric: false, cell: describeState },
    { header: 'time / epoch', numeric: true, cell: (r) => formatMs(r.measures.msPerEpoch) },
    { header: 'forward diffusion', numeric: true, cell: forwardCell },
    { header: 'sampling', numeric: true, cell: samplingCell },
    { header: FINAL_LOSS.label, numeric: true, cell: (r) => formatNumber(r.measures.finalLoss) },
    { header: BEST_LOSS.label, numeric: true, cell: bestLossCell },
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
    { header: 'SWD ×10³', numeric: true, cell: (r) => swdCell(r.measures.swd) },
    { header: 'SWD floor', numeric: true, cell: (r) => (r.measures.swd ? QUALITY_TEXT.swd(r.measures.swd.floorAverage) : '–') },
  );
  if (any((r) => r.measures.swdRaw !== undefined)) {
    columns.push({ header: RAW_SWD_HEADER, numeric: true, cell: (r) => swdCell(r.measures.swdRaw) });
  }
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
    `*${FINAL_LOSS.label}*: ${FINAL_LOSS.definition}; *${BEST_LOSS.label}*: ${BEST_LOSS.definition}.`,
    '*total time*: wall time of the run over every session (a resumed run has several).',
  ];
  if (any((r) => r.measures.heldOutLoss !== undefined)) {
    footnotes.push('*held-out loss*: the run\'s own loss on held-out images at fixed t bands; *held-out MSE* compares runs trained with different losses.');
  }
  footnotes.push(
    '*bits/dim*: the variational bound on held-out images (lower is better), ± its Monte-Carlo standard error.',
    '*SWD ×10³*: sliced Wasserstein distance between generated and held-out images (lower is better); *SWD floor*: the same between two sets of real images, the best a model can score.',
  );
  if (any((r) => r.measures.swdRaw !== undefined)) footnotes.push(RAW_SWD_FOOTNOTE);
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

const RAW_SWD_HEADER = 'SWD ×10³, raw weights';
const RAW_SWD_FOOTNOTE = '*SWD ×10³, raw weights*: for a run that keeps a weight average (emaDecay > 0), the same noise sampled through the trained weights themselves; *SWD ×10³* is the average\'s.';

/** A run's label in legends and tables, the panel's rule: its display name, else sweepRunLabel (`T=250`, the base run `T=300 (base)`). */
export function runLabel(study: Study, run: StudyRun, markBase = true): string {
  return shownRunLabel(sweepRunLabel({ values: run.config, repeat: run.repeat }, study.base, study.variedFields, markBase), run.annotations);
}

/** The run the others are compared with: the finished base run (first repeat), else the first finished run; none below two finished runs. */
export function referenceRun(study: Study): { run: StudyRun; is: QualityComparison['referenceIs'] } | undefined {
  const finished = study.runs.filter((r) => r.state === 'done');
  if (finished.length < 2) return undefined;
  const base = finished.filter((r) => fieldsOffBase(study, r).length === 0).sort((a, b) => a.repeat - b.repeat)[0];
  return base ? { run: base, is: 'base' } : { run: finished[0]!, is: 'first' };
}

export interface QualityTable {
  comparison: QualityComparison;
  /** The reference first, then the other finished runs in sweep order. */
  runs: StudyRun[];
  header: string[];
  rows: string[][];
  numeric: Set<number>;
  footnotes: string[];
}

/** The finished runs' quality against the reference, for the table and the generated paragraph; undefined below two finished runs. */
export function qualityTable(study: Study): QualityTable | undefined {
  const reference = referenceRun(study);
  if (!reference) return undefined;
  const finished = study.runs.filter((r) => r.state === 'done');
  const sameLoss = new Set(finished.map((r) => r.config.loss)).size === 1;
  const heldOut: QualityComparison['heldOut'] = sameLoss ? 'held-out loss' : 'held-out MSE';
  const compared = (r: StudyRun): ComparedRun => {
    const m = r.measures;
    const heldOutValue = sameLoss ? m.heldOutLoss?.meanLoss : m.heldOutLoss?.meanMse;
    return {
      label: runLabel(study, r),
      finished: r.state === 'done',
      state: describeState(r),
      ...(m.swd ? { swd: m.swd } : {}),
      ...(m.swdRaw ? { swdRaw: m.swdRaw } : {}),
      ...(m.bitsPerDim ? { bitsPerDim: m.bitsPerDim } : {}),
      ...(heldOutValue !== undefined ? { heldOut: heldOutValue } : {}),
    };
  };
  // In the paragraph the reference is introduced as the base run: its label need not say so again.
  const ref = { ...compared(reference.run), label: runLabel(study, reference.run, false) };
  const comparison: QualityComparison = {
    reference: ref, referenceIs: reference.is, heldOut,
    others: study.runs.filter((r) => r !== reference.run).map(compared),
  };
  const runs = [reference.run, ...finished.filter((r) => r !== reference.run)];
  const rows = [ref, ...comparison.others.filter((r) => r.finished)];

  const t = QUALITY_TEXT;
  // The reference's own row shows values only; the others' add their difference to it.
  const withDifference = (run: ComparedRun, text: string, value: number | undefined, refValue: number | undefined) =>
    run === ref || value === undefined || refValue === undefined ? text : `${text} (${t.difference(value - refValue)})`;
  const columns: Array<{ header: string; cell: (r: ComparedRun) => string }> = [
    { header: 'run', cell: (r) => (r === ref ? `${runLabel(study, reference.run)}${reference.is === 'first' ? ' (reference)' : ''}` : r.label) },
    { header: 'SWD ×10³', cell: (r) => (r.swd ? withDifference(r, t.swd(r.swd.average), r.swd.average, ref.swd?.average) : '–') },
    { header: 'SWD floor', cell: (r) => (r.swd ? t.swd(r.swd.floorAverage) : '–') },
    { header: 'SWD / floor', cell: (r) => (r.swd ? withDifference(r, t.ratio(swdRatio(r.swd)), swdRatio(r.swd), ref.swd && swdRatio(ref.swd)) : '–') },
  ];
  if (rows.some((r) => r.swdRaw)) columns.push({ header: RAW_SWD_HEADER, cell: (r) => (r.swdRaw ? t.swd(r.swdRaw.average) : '–') });
  columns.push(
    {
      header: 'bits/dim', cell: (r) => {
        if (!r.bitsPerDim) return '–';
        const text = withDifference(r, t.bitsPerDim(r.bitsPerDim), r.bitsPerDim.total, ref.bitsPerDim?.total);
        return r !== ref && ref.bitsPerDim && withinStdErr(ref.bitsPerDim, r.bitsPerDim) ? text.replace(/\)$/, ', within errors)') : text;
      },
    },
    { header: heldOut, cell: (r) => (r.heldOut !== undefined ? withDifference(r, t.heldOut(r.heldOut), r.heldOut, ref.heldOut) : '–') },
  );
  const footnotes = [
    `In brackets: the difference to ${reference.is === 'base' ? 'the base run' : 'the reference run'}, the first row. Lower is better (the floor is the yardstick, not a score).`,
    '*SWD / floor*: how far the samples are from real images, in units of the distance between two sets of real images (1 is as close as real).',
    '*bits/dim* ± its standard error; *within errors*: the two ±1 standard error ranges overlap, so the runs cannot be told apart on it.',
    sameLoss
      ? '*held-out loss*: the runs\' training loss on held-out images.'
      : '*held-out MSE*: the runs trained with different losses, so the held-out MSE (comparable across losses) stands for it.',
  ];
  if (rows.some((r) => r.swdRaw)) footnotes.push(RAW_SWD_FOOTNOTE);
  return {
    comparison, runs,
    header: columns.map((c) => c.header),
    rows: rows.map((r) => columns.map((c) => c.cell(r))),
    numeric: new Set(columns.slice(1).map((_, i) => i + 1)),
    footnotes,
  };
}

/** The quality table with its footnotes, and which runs are left out for not finishing. */
export function qualityTableMarkdown(table: QualityTable): string {
  const lines = [markdownTable(table.header, table.rows, table.numeric), ''];
  const unfinished = table.comparison.others.filter((r) => !r.finished);
  if (unfinished.length > 0) lines.push(`Not finished, so not compared: ${unfinished.map((r) => `${markdownCode(r.label)} (${r.state})`).join(', ')}.`, '');
  lines.push(...table.footnotes.map((f) => `- ${f}`));
  return lines.join('\n');
}

/**
 * The runs grouped by `groupBy` (the seeds of one setting in one row): per measure the mean ± the
 * sample standard deviation over the group's finished runs, and n. Undefined when there is nothing to group by.
 */
export function groupedComparisonMarkdown(study: Study, groupBy: GroupBy): string | undefined {
  const fields = groupFields(groupBy, study.variedFields);
  if (fields.length === 0) return undefined;
  const groups = groupRuns(studyCsvRuns(study), fields);
  const measures = COMPARE_MEASURES.filter((m) => groups.some((g) => g.stats[m.id].n > 0));
  const header = [...fields, 'n', ...measures.map((m) => `${m.title} (mean ± std)`)];
  const rows = groups.map((g) => [
    ...fields.map((f) => formatValue(g.values[f])),
    g.finished.length === g.runs.length ? String(g.runs.length) : `${g.finished.length} of ${g.runs.length} finished`,
    // A measure only some finished runs have says its own n.
    ...measures.map((m) => { const s = g.stats[m.id]; return meanStdText(s, m.kind) + (s.n > 0 && s.n !== g.finished.length ? ` (n ${s.n})` : ''); }),
  ]);
  const numeric = new Set(measures.map((_, i) => fields.length + 1 + i));
  return [
    markdownTable(header, rows, numeric), '',
    `- Grouped by ${fields.map((f) => `\`${f}\``).join(', ')}: one row per setting, over its finished runs; *n*: how many (a run still training, failed or stopped is left out).`,
    '- *mean ± std*: the mean and the sample standard deviation (n − 1); a group of one run shows its value alone.',
  ].join('\n');
}
