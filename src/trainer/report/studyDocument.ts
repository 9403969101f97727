// The study as a list of blocks (markdown, figures, code), built once and written either as
// a notebook (notebook.ts) or as markdown with image files (markdownReport.ts), so both
// formats say the same thing.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RunConfig } from '../../shared/runConfig';
import { RUN_FILES, RUN_STATE_HINTS, SAMPLE_FILES } from '../../shared/runDirectory';
import { SWEEP_FILES } from '../../shared/sweepSpec';
import { VERSION } from '../version';
import { comparisonMarkdown, describeState, groupedComparisonMarkdown, qualityTable, qualityTableMarkdown, runLabel } from '../../shared/comparisonTable';
import type { GroupBy } from '../../shared/runGroups';
import { fieldEquals, formatMs, formatValue, markdownCell, markdownCode, markdownEscape, markdownTable, shortFieldName, slug } from '../../shared/formatting';
import { measuredDifferences, previewCaption } from '../../shared/measuredDifferences';
import { impliedByRecipe } from '../../shared/recipes';
import { finalSampleGrid, type Study, type StudyRun } from '../../shared/runReading/loadStudy';
import { canRenderText, renderLineChartPng, seriesColor, type ChartSeries, type LineChartSpec } from './chartImage';
import { FINAL_LOSS, STEP_LOSS } from '../../shared/lossNames';
import { runColor, runColorName } from '../../shared/runColors';

export interface ReportImage {
  /** File name, unique in the report: the attachment name, or the file in report-figures/. */
  name: string;
  png: Uint8Array;
  width: number;
  height: number;
}

export interface GalleryItem {
  caption: string;
  alt: string;
  image: ReportImage;
}

export type ReportBlock =
  | { kind: 'markdown'; id: string; text: string }
  | { kind: 'figure'; id: string; title: string; alt: string; caption?: string; image: ReportImage }
  /** Images side by side, each under its own caption. */
  | { kind: 'gallery'; id: string; title: string; caption?: string; items: GalleryItem[] }
  | { kind: 'code'; id: string; source: string };

type RunConfigField = keyof RunConfig;

export type LossScale = 'auto' | 'linear' | 'log';

export interface StudyDocumentOptions {
  /** Loss axes: `auto` is log-scaled when the loss falls by more than a factor of 10. */
  lossScale?: LossScale;
  /** Draw text in charts; default: whether this machine renders SVG text (canRenderText). */
  chartText?: boolean;
  /** Export time written in the header; default now. */
  now?: Date;
  /** Add a table of the runs grouped by these fields (`all`: every varied field but the seed), mean ± std and n. */
  groupBy?: GroupBy;
}

/** Fields whose value changes the forward-diffusion strip. */
const FORWARD_FIELDS: RunConfigField[] = ['timesteps', 'imgSize', 'schedule', 'betaStart', 'betaEnd'];

/** Orders config values: numbers by size, everything else by its text. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return formatValue(a).localeCompare(formatValue(b));
}

/** Runs ordered by their value of `field`, sweep order among equals. */
function byValueOf<T extends { config: StudyRun['config'] }>(runs: T[], field: RunConfigField): T[] {
  return [...runs].sort((a, b) => compareValues(a.config[field], b.config[field]));
}

/** Collects blocks, keeping ids and image names unique. */
class DocumentBuilder {
  readonly blocks: ReportBlock[] = [];
  private readonly ids = new Set<string>();
  private readonly names = new Set<string>();

  private uniqueId(wanted: string): string {
    const base = slug(wanted).slice(0, 56) || 'cell';
    let id = base;
    for (let k = 2; this.ids.has(id); k++) id = `${base}-${k}`;
    this.ids.add(id);
    return id;
  }

  uniqueName(wanted: string): string {
    const base = slug(wanted).slice(0, 80) || 'figure';
    let name = `${base}.png`;
    for (let k = 2; this.names.has(name); k++) name = `${base}-${k}.png`;
    this.names.add(name);
    return name;
  }

  markdown(id: string, text: string): void {
    this.blocks.push({ kind: 'markdown', id: this.uniqueId(id), text });
  }

  figure(id: string, figure: Omit<Extract<ReportBlock, { kind: 'figure' }>, 'kind' | 'id'>): void {
    this.blocks.push({ kind: 'figure', id: this.uniqueId(id), ...figure });
  }

  gallery(id: string, gallery: Omit<Extract<ReportBlock, { kind: 'gallery' }>, 'kind' | 'id'>): void {
    this.blocks.push({ kind: 'gallery', id: this.uniqueId(id), ...gallery });
  }

  code(id: string, source: string): void {
    this.blocks.push({ kind: 'code', id: this.uniqueId(id), source });
  }
}


export async function buildStudyDocument(study: Study, options: StudyDocumentOptions = {}): Promise<ReportBlock[]> {
  const doc = new DocumentBuilder();
  const chartText = options.chartText ?? (await canRenderText());
  addHeader(doc, study, options.now ?? new Date());
  addSettings(doc, study);
  await addComparison(doc, study);
  if (options.groupBy) addGroupedComparison(doc, study, options.groupBy);
  await addLossCurves(doc, study, options.lossScale ?? 'auto', chartText);
  await addQualityCurves(doc, study, chartText);
  await addSamplesOverTime(doc, study, chartText);
  await addForwardStrips(doc, study);
  await addRuns(doc, study);
  addAnalysis(doc, study);
  return doc.blocks;
}

function addHeader(doc: DocumentBuilder, study: Study, now: Date): void {
  const counts = new Map<string, number>();
  for (const r of study.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const tally = [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(', ');
  const lines = [`# ${markdownEscape(study.name)}`, ''];
  if (study.description) lines.push(study.description, '');
  const interrupted = study.runs.filter((r) => r.state === 'interrupted').length;
  if (interrupted > 0) lines.push(`**Note:** ${interrupted === 1 ? '1 run was' : `${interrupted} runs were`} interrupted: ${RUN_STATE_HINTS.interrupted}.`, '');
  if (study.baseProblem) lines.push(`**Note:** the sweep's base config does not validate with this version, so it is shown as written: ${study.baseProblem}`, '');
  lines.push(
    `A sweep of ${study.runs.length} training run${study.runs.length === 1 ? '' : 's'} (${tally || 'none'}), ` +
      `exported by Diffusion Lab ${VERSION} on ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC ` +
      `from \`sweeps/${study.sweepId}\`.`,
    '',
    'Sections: settings, comparison, loss curves, quality and samples over training time, forward diffusion, ' +
      'each run\'s samples and notes, and the analysis.',
  );
  doc.markdown('title', lines.join('\n'));
}

function addSettings(doc: DocumentBuilder, study: Study): void {
  const axes = (study.spec.axes ?? {}) as Partial<Record<RunConfigField, unknown[]>>;
  const grid = (study.spec.grid ?? {}) as Partial<Record<RunConfigField, unknown[]>>;
  const lines = ['## Settings', ''];
  const design: string[] = [];
  if (Object.keys(axes).length > 0) {
    design.push('**Axes** (one field at a time, the others at the base value):', '');
    for (const [field, values] of Object.entries(axes)) design.push(`- \`${field}\`: ${(values ?? []).map(formatValue).join(', ')}`);
    design.push('');
  }
  if (Object.keys(grid).length > 0) {
    design.push('**Grid** (every combination):', '');
    for (const [field, values] of Object.entries(grid)) design.push(`- \`${field}\`: ${(values ?? []).map(formatValue).join(', ')}`);
    design.push('');
  }
  const repeats = typeof study.spec.repeats === 'number' ? study.spec.repeats : 1;
  if (repeats > 1) design.push(`Each config is trained ${repeats} times (seeds seed, seed + 1, ...).`, '');
  lines.push(...design);

  const varied = new Set<string>(study.variedFields);
  lines.push('**Base config** (what every run starts from; varied fields in bold):', '');
  const rows = Object.entries(study.base).map(([field, value]) => [varied.has(field) ? `**${field}**` : field, formatValue(value)]);
  lines.push(markdownTable(['field', 'value'], rows));

  const environments = study.runs.flatMap((r) => (r.environment ? [r.environment] : []));
  if (environments.length > 0) {
    const distinct = (values: Array<string | undefined>) => [...new Set(values.filter((v): v is string => !!v))];
    const backends = distinct(environments.map((e) => e.backend + (e.gpu ? ` (${e.gpu})` : '')));
    const datasets = distinct(environments.map((e) => e.dataset
      ? `${e.dataset.name}: ${e.dataset.trainImages} training and ${e.dataset.heldOutImages} held-out images`
      : undefined));
    const versions = distinct(environments.map((e) => e.diffusionLabVersion));
    lines.push('', '**Where the runs trained:**', '');
    lines.push(`- backend: ${backends.join('; ')}`);
    if (datasets.length > 0) lines.push(`- data: ${datasets.join('; ')}`);
    const params = distinct(environments.map((e) => e.parameterCount.toLocaleString('en-US')));
    lines.push(`- model parameters: ${params.join(', ')}`);
    lines.push(`- Diffusion Lab: ${versions.join(', ')}`);
  }
  doc.markdown('settings', lines.join('\n'));
}

/** With two finished runs or more: their quality against the base run, what it says in words, their final grids; then every measure of every run. */
async function addComparison(doc: DocumentBuilder, study: Study): Promise<void> {
  const quality = qualityTable(study);
  if (!quality) {
    doc.markdown('comparison', `## Comparison\n\n${comparisonMarkdown(study)}`);
    return;
  }
  const reference = quality.runs[0]!;
  doc.markdown('comparison', [
    '## Comparison',
    '',
    `The sample quality of each finished run against ${quality.comparison.referenceIs === 'base' ? 'the base run' : 'the first finished run'}, ` +
      `${markdownCode(runLabel(study, reference, false))} (\`${reference.runId}\`): the final evaluation on held-out images.`,
    '',
    qualityTableMarkdown(quality),
  ].join('\n'));
  doc.markdown('measured-differences', measuredDifferences(quality.comparison));

  const items: GalleryItem[] = [];
  for (const run of quality.runs) {
    const label = runLabel(study, run);
    const raw = sampleGrid(run, SAMPLE_FILES.finalRawGrid);
    const final = await readPng(doc, sampleGrid(run, SAMPLE_FILES.finalGrid), `final-grid-${run.runId}`);
    if (final) items.push({ caption: raw ? `${label}, weight average` : label, alt: `${label}: final samples`, image: final });
    const rawImage = await readPng(doc, raw, `final-grid-raw-${run.runId}`);
    if (rawImage) items.push({ caption: `${label}, raw weights`, alt: `${label}: final samples from the raw weights`, image: rawImage });
  }
  if (items.length > 0) {
    doc.gallery('final-grids', {
      title: 'Final samples side by side', items,
      caption: `Each run's grid at the end of training (\`${SAMPLE_FILES.finalGrid}\`), in the order of the table. A run that keeps a weight average ` +
        `(emaDecay > 0) samples from it; beside it, the same noise through its raw weights (\`${SAMPLE_FILES.finalRawGrid}\`).`,
    });
  }
  doc.markdown('all-measures', `### All measures\n\n${comparisonMarkdown(study)}`);
}

/** The seeds (or any other runs) of one setting in one row: mean ± std of each measure, and n. */
function addGroupedComparison(doc: DocumentBuilder, study: Study, groupBy: GroupBy): void {
  const table = groupedComparisonMarkdown(study, groupBy);
  if (table) doc.markdown('grouped-comparison', `### Grouped\n\n${table}`);
}

/** A run's sample image by file name (SAMPLE_FILES), if it has one. */
function sampleGrid(run: StudyRun, name: string): string | undefined {
  return run.sampleGrids.find((f) => path.basename(f) === name);
}

/** A field that differs between runs only because their recipes do: the recipe's chart shows it already. */
function variedByRecipeAlone(study: Study, field: RunConfigField): boolean {
  return field !== 'recipe' && study.variedFields.includes('recipe') &&
    study.runs.every((r) => impliedByRecipe(field, r.config[field], r.config.recipe));
}

/**
 * One colour per run in every chart of runs, the panel's: by the run's position in the sweep
 * (study.runs is sweep.json's order, the panel's colorIndex).
 */
export function runColors(study: Pick<Study, 'runs'>): Map<StudyRun, string> {
  return new Map(study.runs.map((r, i) => [r, runColor(i)]));
}

/** The loss chart's x axis, the panel's default. */
export const LOSS_X_LABEL = 'step';

/** A run's step losses against the step, as the panel's loss chart draws them by default. */
function lossPoints(run: StudyRun): ChartSeries['points'] {
  return run.measures.losses.map((p) => ({ x: p.step, y: p.loss }));
}

function useLogScale(runs: StudyRun[], scale: LossScale): boolean {
  if (scale !== 'auto') return scale === 'log';
  const values = runs.flatMap((r) => r.measures.losses.map((p) => p.loss));
  if (values.length === 0 || values.some((v) => v <= 0)) return false;
  return Math.max(...values) / Math.min(...values) > 10;
}

async function chartFigure(doc: DocumentBuilder, id: string, spec: LineChartSpec, alt: string, caption: string, chartText: boolean): Promise<void> {
  const rendered = await renderLineChartPng({ ...spec, drawText: chartText });
  let fullCaption = caption;
  if (!chartText) {
    // No font here: the chart has no labels, so the legend and axes go in words.
    const colorName = (s: ChartSeries) => runColorName(s.color ?? seriesColor(spec.series.indexOf(s)));
    const legend = spec.series.filter((s) => !s.hideInLegend).map((s) => `${colorName(s)}: ${s.label}`).join('; ');
    fullCaption += ` (Axes: ${spec.xLabel} across, ${spec.yLabel} up. Colours: ${legend}.)`;
  }
  doc.figure(id, {
    title: spec.title ?? alt, alt, caption: fullCaption,
    image: { name: doc.uniqueName(id), png: rendered.png, width: rendered.width, height: rendered.height },
  });
}

async function addLossCurves(doc: DocumentBuilder, study: Study, scale: LossScale, chartText: boolean): Promise<void> {
  doc.markdown('loss-curves', [
    '## Loss curves',
    '',
    `The ${STEP_LOSS.label} (${STEP_LOSS.definition}) of every step, against the step as in the panel: a smoothed line (exponential moving average) over the raw values drawn faint. ` +
      `The tables' *${FINAL_LOSS.label}* is the ${FINAL_LOSS.definition.replace(/ \(.*\)$/, '')}. ` +
      'The next cell keeps the loss values in the variable `losses` (run id to a list of (step, loss)), read from each run\'s ' +
      '`metrics.jsonl`, to re-plot or compute with; the cell after it re-plots them with matplotlib when it is installed.',
  ].join('\n'));
  doc.code('load-losses', lossLoaderSource(study));
  doc.code('plot-losses', LOSS_PLOT_SOURCE);

  const plotted = study.runs.filter((r) => r.measures.losses.length > 0);
  if (plotted.length === 0) {
    doc.markdown('loss-curves-none', '_No run has recorded a training step yet._');
    return;
  }
  const xLabel = LOSS_X_LABEL;
  const yLabel = `${STEP_LOSS.label} (training)`;
  const logY = useLogScale(plotted, scale);
  const unplotted = study.runs.filter((r) => r.measures.losses.length === 0).map((r) => `\`${r.runId}\``);
  const distinctLosses = new Set(plotted.map((r) => r.config.loss));
  const lossNote = distinctLosses.size > 1
    ? ' The runs use different loss functions, whose values are on different scales: compare their samples and the quality columns instead.'
    : '';
  const colors = runColors(study);
  await chartFigure(doc, 'loss-all-runs', {
    title: 'Training loss, all runs', xLabel, yLabel, logY,
    series: plotted.map((r) => ({ label: runLabel(study, r), points: lossPoints(r), color: colors.get(r)! })),
  }, 'Training loss of every run', `Every run of the sweep.${unplotted.length ? ` No steps yet: ${unplotted.join(', ')}.` : ''}${lossNote}`, chartText);

  for (const field of study.variedFields.filter((f) => !variedByRecipeAlone(study, f))) {
    const onAxis = plotted.filter((r) => r.axes.includes(field));
    const runs = byValueOf(onAxis.length > 0 ? onAxis : plotted, field);
    if (study.variedFields.length === 1 && runs.length === plotted.length) continue; // the same plot as above
    // One colour per value, its first run's: repeats and grid points that share a value share it.
    const valueColors = new Map<string, string>();
    const series = runs.map((r): ChartSeries => {
      const value = JSON.stringify(r.config[field]);
      const first = !valueColors.has(value);
      if (first) valueColors.set(value, colors.get(r)!);
      const label = fieldEquals(field, r.config[field]) + (JSON.stringify(study.base[field]) === value ? ' (base)' : '');
      return { label, points: lossPoints(r), color: valueColors.get(value)!, hideInLegend: !first };
    });
    await chartFigure(doc, `loss-axis-${field}`, {
      title: `Training loss by ${shortFieldName(field)}`, xLabel, yLabel, logY, series,
    }, `Training loss for each value of ${field}`,
    onAxis.length > 0
      ? `The runs on the \`${field}\` axis: only \`${field}\` changes, every other field is at its base value.`
      : `Every run, coloured by \`${field}\`.`, chartText);
  }
}

/** The quality measures that runs evaluate more than once, plotted against the epoch they were taken at. */
const QUALITY_CURVES: Array<{ metric: 'bitsPerDim' | 'swd' | 'heldOutLoss'; title: string; yLabel: string; value: (r: StudyRun['measures']['evals'][number]) => number | undefined }> = [
  { metric: 'bitsPerDim', title: 'Variational bound on held-out images', yLabel: 'bits/dim', value: (r) => (r.metric === 'bitsPerDim' ? r.total : undefined) },
  // The weight average's SWD only: a raw-weights record at the same epoch would zigzag the line.
  { metric: 'swd', title: 'Sliced Wasserstein distance to held-out images', yLabel: 'SWD ×10³', value: (r) => (r.metric === 'swd' && r.weights !== 'raw' ? r.average : undefined) },
  { metric: 'heldOutLoss', title: 'Held-out denoising MSE', yLabel: 'held-out MSE', value: (r) => (r.metric === 'heldOutLoss' ? r.meanMse : undefined) },
];

async function addQualityCurves(doc: DocumentBuilder, study: Study, chartText: boolean): Promise<void> {
  const colors = runColors(study);
  const curves = QUALITY_CURVES.map((curve) => ({
    curve,
    series: study.runs.map((r) => ({
      label: runLabel(study, r),
      color: colors.get(r)!,
      points: r.measures.evals.flatMap((e) => {
        const v = e.metric === curve.metric ? curve.value(e) : undefined;
        return v === undefined || !Number.isFinite(v) ? [] : [{ x: e.epoch, y: v }];
      }),
    })),
  })).filter(({ series }) => series.some((s) => s.points.length >= 2));
  if (curves.length === 0) return;
  doc.markdown('quality-curves', '## Quality over training\n\nThe measures evaluated on held-out images at several epochs (lower is better).');
  for (const { curve, series } of curves) {
    const swdFloor = curve.metric === 'swd' ? ' The table gives each run\'s SWD floor (real against real images): the best reachable.' : '';
    await chartFigure(doc, `quality-${curve.metric}`, {
      title: curve.title, xLabel: 'epoch', yLabel: curve.yLabel, smoothing: 0,
      series: series.map((s) => ({ ...s, hideInLegend: s.points.length === 0 })),
    }, curve.title, `Every run that evaluated it, at the epochs it did.${swdFloor}`, chartText);
  }
}

/** Seconds, or minutes once a run is long enough for seconds to read badly (as the panel's Samples tab). */
function trainingTimeAxis(latestMs: number): { label: string; x: (ms: number) => number } {
  return latestMs >= 10 * 60_000
    ? { label: 'training time (min)', x: (ms) => ms / 60_000 }
    : { label: 'training time (s)', x: (ms) => ms / 1000 };
}

/**
 * The preview grids of each run in the order they were sampled, captioned with the run's wall
 * time and their SWD, and the SWD of every run against its wall time. The end's grid closes a
 * run's row; it is not on the chart, since its SWD is of sampleCount images (another floor).
 */
async function addSamplesOverTime(doc: DocumentBuilder, study: Study, chartText: boolean): Promise<void> {
  const withPreviews = study.runs.filter((r) => r.measures.previews.some((p) => p.grid));
  if (withPreviews.length === 0) return;
  doc.markdown('samples-over-time', [
    '## Samples over training time',
    '',
    'What each run sampled every `sampleEvery` epochs (`previewCount` images by `previewSampler`), against the run\'s wall time ' +
      'over every session. SWD ×10³ (lower is better) is measured on those images, with its floor: real against real held-out images at the same number.',
  ].join('\n'));

  const colors = runColors(study);
  const scored = withPreviews.map((run) => ({ run, points: run.measures.previews.filter((p) => p.grid && p.swd) }));
  if (scored.some((s) => s.points.length >= 2)) {
    const plotted = scored.filter((s) => s.points.length > 0);
    const axis = trainingTimeAxis(Math.max(...plotted.flatMap((s) => s.points.map((p) => p.atMs))));
    await chartFigure(doc, 'swd-over-time', {
      title: 'Sample quality over training time', xLabel: axis.label, yLabel: 'SWD ×10³', smoothing: 0,
      series: plotted.flatMap(({ run, points }): ChartSeries[] => [
        { label: runLabel(study, run), color: colors.get(run)!, markers: true, points: points.map((p) => ({ x: axis.x(p.atMs), y: p.swd!.average })) },
        { label: `${runLabel(study, run)}: floor`, color: colors.get(run)!, dashed: true, hideInLegend: true, points: points.map((p) => ({ x: axis.x(p.atMs), y: p.swd!.floorAverage })) },
      ]),
    }, 'SWD of each run\'s previews against its training time',
    'A dot per preview; the dashed line in the same colour is that run\'s floor. The colours are those of the loss chart.', chartText);
  }

  for (const run of withPreviews) {
    const label = runLabel(study, run);
    const items: GalleryItem[] = [];
    const previews = run.measures.previews;
    for (const p of previews) {
      const image = await readPng(doc, p.grid && path.join(run.dir, p.grid), `epoch-grid-${run.runId}-${p.epoch}`);
      if (image) items.push({ caption: previewCaption(p), alt: `${label}: samples after epoch ${p.epoch}`, image });
    }
    const end = previews[previews.length - 1];
    const finalGrid = run.state === 'done' && end && !end.grid ? await readPng(doc, sampleGrid(run, SAMPLE_FILES.finalGrid), `epoch-grid-${run.runId}-end`) : undefined;
    if (end && finalGrid) items.push({ caption: `end: ${previewCaption(end)}`, alt: `${label}: samples at the end of training`, image: finalGrid });
    if (items.length === 0) continue;
    const c = run.config;
    const sampler = (name: string) => `${name.toUpperCase()}, ${name === 'ddim' ? c.ddimSteps : c.timesteps} steps`;
    doc.gallery(`samples-over-time-${run.runId}`, {
      title: `${label}: samples over training time`, items,
      caption: `Run \`${run.runId}\`: ${c.previewCount} image${c.previewCount === 1 ? '' : 's'} (${sampler(c.previewSampler)}) every ${c.sampleEvery} ` +
        `epoch${c.sampleEvery === 1 ? '' : 's'}${finalGrid ? `; at the end ${c.sampleCount} (${sampler(c.sampler)})` : ''}. Times are the run's wall time when it sampled.`,
    });
  }
}

/** A Python cell that reads every run's metrics.jsonl into plain lists (no pandas). */
export function lossLoaderSource(study: Study): string {
  const ids = study.runs.map((r) => `    ${JSON.stringify(r.runId)},`);
  return [
    '# The training loss of every run, kept in plain lists (no pandas needed):',
    '#   losses[run_id]       = [(step, loss), ...]',
    '#   epoch_losses[run_id] = [(epoch, mean loss), ...]',
    '#   metrics[run_id]      = every record of the run\'s metrics.jsonl (timings, evaluations, ...)',
    'import json',
    'from pathlib import Path',
    '',
    `RUNS_DIR = Path("../../runs")  # relative to this file, sweeps/${study.sweepId}/ in the output folder`,
    'RUN_IDS = [',
    ...ids,
    ']',
    '',
    '',
    'def read_metrics(run_id):',
    '    path = RUNS_DIR / run_id / "metrics.jsonl"',
    '    records = []',
    '    if path.exists():',
    '        for line in path.read_text(encoding="utf-8").splitlines():',
    '            try:',
    '                records.append(json.loads(line))',
    '            except json.JSONDecodeError:',
    '                pass  # the last line of an interrupted run can be cut short',
    '    return records',
    '',
    '',
    'metrics = {run_id: read_metrics(run_id) for run_id in RUN_IDS}',
    '# A resumed run repeats the steps after its last checkpoint: keep the later record of each step.',
    'losses = {',
    '    run_id: sorted({r["step"]: r["loss"] for r in records if r.get("kind") == "step"}.items())',
    '    for run_id, records in metrics.items()',
    '}',
    'epoch_losses = {',
    '    run_id: sorted({r["epoch"]: r["meanLoss"] for r in records if r.get("kind") == "epoch"}.items())',
    '    for run_id, records in metrics.items()',
    '}',
    'for run_id, points in losses.items():',
    '    print(f"{run_id}: {len(points)} steps" + (f", last loss {points[-1][1]:.4f}" if points else ""))',
  ].join('\n');
}

const LOSS_PLOT_SOURCE = [
  '# Re-plot the training losses (needs matplotlib: pip install matplotlib).',
  'try:',
  '    import matplotlib.pyplot as plt',
  'except ImportError:',
  '    plt = None',
  '    print("matplotlib is not installed; the figures below were drawn by Diffusion Lab")',
  '',
  'if plt is not None:',
  '    fig, ax = plt.subplots(figsize=(9, 4.5))',
  '    for run_id, points in losses.items():',
  '        if points:',
  '            steps, values = zip(*points)',
  '            ax.plot(steps, values, label=run_id, linewidth=1)',
  '    ax.set_xlabel("step")',
  '    ax.set_ylabel("step loss (training)")',
  '    ax.legend(fontsize="small")',
  '    plt.show()',
].join('\n');

async function readPng(doc: DocumentBuilder, file: string | undefined, wantedName: string): Promise<ReportImage | undefined> {
  if (file === undefined) return undefined;
  try {
    const png = new Uint8Array(await fs.readFile(file));
    const meta = await sharp(png).metadata();
    if (meta.format !== 'png' || !meta.width || !meta.height) return undefined;
    return { name: doc.uniqueName(wantedName), png, width: meta.width, height: meta.height };
  } catch {
    return undefined; // unreadable or not an image: the section says so instead
  }
}

/** `0, 30, 60, ..., 270`: the t of the forward strip's frames as forward.json lists them. */
function formatStripTimes(ts: readonly number[]): string {
  return ts.length > 4 ? `${ts.slice(0, 3).join(', ')}, ..., ${ts[ts.length - 1]}` : ts.join(', ');
}

async function addForwardStrips(doc: DocumentBuilder, study: Study): Promise<void> {
  doc.markdown('forward-diffusion', [
    '## Forward diffusion',
    '',
    'One training image noised by q(x_t | x_0) at evenly spaced t, from the clean image (left) towards pure noise (right). ' +
      'How fast the image disappears depends on T, the beta schedule and the image size.',
  ].join('\n'));
  const fields = FORWARD_FIELDS.filter((f) => study.variedFields.includes(f));
  const withStrip = study.runs.filter((r) => r.forwardStrip);
  if (withStrip.length === 0) {
    doc.markdown('forward-none', '_No run has written its forward-diffusion strip yet._');
    return;
  }
  const addStrip = async (run: StudyRun, id: string, title: string) => {
    const image = await readPng(doc, run.forwardStrip!, id);
    if (!image) {
      doc.markdown(`${id}-unreadable`, `_${markdownEscape(title)}: \`${run.runId}/${RUN_FILES.forwardStrip}\` is not a readable PNG._`);
      return;
    }
    doc.figure(id, {
      title, alt: `${title}: forward diffusion strip`, image,
      caption: `${run.forwardStripTimes ? `t = ${formatStripTimes(run.forwardStripTimes)}` : 'Evenly spaced t'} of T = ${run.config.timesteps} (${run.config.schedule} schedule, ` +
        `${run.config.imgSize} px), from run \`${run.runId}\`.`,
    });
  };
  if (fields.length === 0) {
    await addStrip(withStrip[0]!, 'forward', 'Forward diffusion (the same for every run)');
    return;
  }
  for (const field of fields) {
    doc.markdown(`forward-by-${field}`, `### Per ${shortFieldName(field) === field ? field : `${shortFieldName(field)} (${field})`}`);
    const onAxis = withStrip.filter((r) => r.axes.includes(field));
    const candidates = byValueOf(onAxis.length > 0 ? onAxis : withStrip, field);
    const seen = new Set<string>();
    for (const run of candidates) {
      const value = JSON.stringify(run.config[field]);
      if (seen.has(value)) continue;
      seen.add(value);
      await addStrip(run, `forward-${field}-${formatValue(run.config[field])}`, `Forward diffusion, ${fieldEquals(field, run.config[field])}`);
    }
  }
}

async function addRuns(doc: DocumentBuilder, study: Study): Promise<void> {
  doc.markdown('runs', [
    '## Runs',
    '',
    'For each run: its reverse process (from pure noise, left, to a sample, right) at the last saved epoch, ' +
      'its final sample grid, and its notes (`notes.md` in the run\'s folder).',
  ].join('\n'));
  for (const run of study.runs) {
    const lines = [`### ${markdownEscape(run.runId)}`, ''];
    // The run's label as in the legends and tables: the base run by its own values, `T=300 (base)`.
    lines.push(`${run.annotations?.starred ? '★ ' : ''}${markdownCode(runLabel(study, run))} · ${describeState(run)}` +
      (run.measures.totalMs !== undefined ? ` · trained in ${formatMs(run.measures.totalMs)}` : '') +
      (run.annotations?.labels ? ` · labels: ${run.annotations.labels.map(markdownCode).join(' ')}` : ''));
    if (run.error) lines.push('', `**Error**${run.error.step !== undefined ? ` at step ${run.error.step}` : ''}: ${markdownCell(run.error.message)}`);
    for (const problem of run.problems) lines.push('', `**Unreadable:** ${markdownCell(problem)}`);
    doc.markdown(`run-${run.runId}`, lines.join('\n'));

    const strip = run.reverseStrips[run.reverseStrips.length - 1];
    if (strip) {
      const image = await readPng(doc, strip.file, `reverse-${run.runId}`);
      if (image) {
        doc.figure(`reverse-${run.runId}`, {
          title: `Reverse process after epoch ${strip.epoch}`, alt: `${run.runId}: reverse process after epoch ${strip.epoch}`, image,
          caption: `One sample denoised step by step from x_T (left) to x_0 (right), ${run.config.timesteps} steps in all.`,
        });
      }
    }
    const grid = finalSampleGrid(run);
    if (grid) {
      const image = await readPng(doc, grid, `samples-${run.runId}`);
      if (image) {
        const final = path.basename(grid) === 'grid-final.png';
        doc.figure(`samples-${run.runId}`, {
          title: final ? 'Samples at the end of training' : `Samples (${path.basename(grid)})`,
          alt: `${run.runId}: generated samples`, image,
          caption: `${run.config.imgSize} px samples from run \`${run.runId}\`.`,
        });
      }
    }
    if (!strip && !grid && run.state !== 'not started') {
      doc.markdown(`no-samples-${run.runId}`, '_No samples saved yet._');
    }
    if (run.notes !== undefined && run.notes.trim().length > 0) {
      doc.markdown(`notes-label-${run.runId}`, `**Notes** (\`runs/${run.runId}/${RUN_FILES.notes}\`):`);
      doc.markdown(`notes-${run.runId}`, run.notes);
    } else {
      doc.markdown(`notes-${run.runId}`, `_No notes for this run yet: write them in \`runs/${run.runId}/${RUN_FILES.notes}\` and export again._`);
    }
  }
}

function addAnalysis(doc: DocumentBuilder, study: Study): void {
  doc.markdown('analysis', `## Analysis\n\nFrom the sweep's \`${SWEEP_FILES.notes}\`:`);
  if (study.notes !== undefined && study.notes.trim().length > 0) {
    doc.markdown('sweep-notes', study.notes);
  } else {
    doc.markdown('sweep-notes', `_No analysis yet: write it in \`sweeps/${study.sweepId}/${SWEEP_FILES.notes}\` and export again._`);
  }
}
