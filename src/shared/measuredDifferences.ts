// The finished runs of a sweep against a reference run (the base), as a table's cells and as
// a generated paragraph. The paragraph only claims what the numbers carry: a difference within
// the standard errors is called indistinguishable, a measure a run lacks is not mentioned.
// Uses no Node module, so the panel can show the same words.
import type { BitsPerDimRecord, SlicedWassersteinRecord } from './runDirectory';
import { formatDuration, formatNumber } from './formatting';

type SwdScore = Pick<SlicedWassersteinRecord, 'average' | 'floorAverage'>;

/** One run as the comparison sees it. */
export interface ComparedRun {
  label: string;
  /** Only finished runs are compared: the others are named with their state. */
  finished: boolean;
  /** `done`, `failed at step 4`, ... */
  state: string;
  swd?: SwdScore;
  /** With a weight average: the same draw's SWD from the raw weights. */
  swdRaw?: SwdScore;
  bitsPerDim?: Pick<BitsPerDimRecord, 'total' | 'diffusionStdErr'>;
  /** The held-out measure the comparison uses (see QualityComparison.heldOut). */
  heldOut?: number;
}

export interface QualityComparison {
  reference: ComparedRun;
  /** `base`: the sweep's base config. `first`: no finished base run, so the first finished run. */
  referenceIs: 'base' | 'first';
  /** Every other run, in sweep order, finished or not. */
  others: ComparedRun[];
  /** The run's own loss when every compared run trained with the same one, else the MSE (comparable across losses). */
  heldOut: 'held-out loss' | 'held-out MSE';
}

export const GENERATED_LABEL = 'Generated from the measurements';

/** How each measure reads, in the table and in the paragraph alike. */
export const QUALITY_TEXT = {
  swd: (v: number) => formatNumber(v, 3),
  ratio: (v: number) => formatNumber(v, 3),
  bitsPerDim: (b: NonNullable<ComparedRun['bitsPerDim']>) =>
    b.diffusionStdErr > 0 ? `${formatNumber(b.total)} ± ${formatNumber(b.diffusionStdErr, 2)}` : formatNumber(b.total),
  heldOut: (v: number) => formatNumber(v),
  /** `+21.7`, `-0.17`: the sign always shown. */
  difference: (d: number, digits = 3) => (d > 0 ? '+' : '') + formatNumber(d, digits),
};

export const swdRatio = (s: SwdScore): number => s.average / s.floorAverage;

/** Whether two bits/dim estimates are within their standard errors: their ±1 SE intervals overlap. */
export function withinStdErr(a: NonNullable<ComparedRun['bitsPerDim']>, b: NonNullable<ComparedRun['bitsPerDim']>): boolean {
  return Math.abs(a.total - b.total) <= a.diffusionStdErr + b.diffusionStdErr;
}

/** `epoch 3 · 1m12s · SWD 151 (floor 110)`: the parts there are (the panel's Samples tab reads the same). */
export function previewCaption(p: { epoch: number; atMs?: number; swd?: SwdScore }): string {
  return [
    `epoch ${p.epoch}`,
    p.atMs === undefined ? undefined : formatDuration(p.atMs),
    p.swd ? `SWD ${QUALITY_TEXT.swd(p.swd.average)} (floor ${QUALITY_TEXT.swd(p.swd.floorAverage)})` : undefined,
  ].filter(Boolean).join(' · ');
}

/** `lowered SWD ×10³ from 648 to 151`, or `left ... at 648` when they read the same. */
function change(what: string, from: string, to: string, lower: boolean): string {
  if (from === to) return `left ${what} at ${to}`;
  return `${lower ? 'lowered' : 'raised'} ${what} from ${from} to ${to}`;
}

const ratios = (from: string, to: string) => (from === to ? `ratio to the floor ${to} for both` : `ratio to the floor ${from} → ${to}`);

function swdClause(ref: SwdScore, run: SwdScore): string {
  const t = QUALITY_TEXT;
  const [fa, fb] = [t.swd(ref.floorAverage), t.swd(run.floorAverage)];
  const floors = fa === fb ? `floor ${fb}` : `floors ${fa} and ${fb}, so compare the ratios`;
  return `${change('SWD ×10³', t.swd(ref.average), t.swd(run.average), run.average < ref.average)} ` +
    `(${floors}; ${ratios(t.ratio(swdRatio(ref)), t.ratio(swdRatio(run)))})`;
}

function bitsPerDimClause(ref: NonNullable<ComparedRun['bitsPerDim']>, run: NonNullable<ComparedRun['bitsPerDim']>): string {
  const t = QUALITY_TEXT;
  if (withinStdErr(ref, run)) return `bits/dim ${t.bitsPerDim(run)} against ${t.bitsPerDim(ref)}: indistinguishable (within their standard errors)`;
  return change('bits/dim', t.bitsPerDim(ref), t.bitsPerDim(run), run.total < ref.total);
}

/** What one run's measures say against the reference's; undefined when they share none. */
function differences(ref: ComparedRun, run: ComparedRun, heldOut: QualityComparison['heldOut']): string | undefined {
  const clauses: string[] = [];
  if (ref.swd && run.swd) clauses.push(swdClause(ref.swd, run.swd));
  if (ref.bitsPerDim && run.bitsPerDim) clauses.push(bitsPerDimClause(ref.bitsPerDim, run.bitsPerDim));
  if (ref.heldOut !== undefined && run.heldOut !== undefined) {
    clauses.push(change(heldOut, QUALITY_TEXT.heldOut(ref.heldOut), QUALITY_TEXT.heldOut(run.heldOut), run.heldOut < ref.heldOut));
  }
  return clauses.length > 0 ? clauses.join('; ') : undefined;
}

/** The weight average against the raw weights of the same run, on the same noise. */
function averagingSentence(run: ComparedRun): string | undefined {
  if (!run.swd || !run.swdRaw) return undefined;
  const [ema, raw] = [QUALITY_TEXT.swd(run.swd.average), QUALITY_TEXT.swd(run.swdRaw.average)];
  return ema === raw
    ? `Its weight average and its raw weights scored the same SWD ×10³, ${ema}.`
    : `Its weight average scored SWD ×10³ ${ema}, its raw weights ${raw} on the same noise.`;
}

const code = (label: string) => `\`${label.replace(/`/g, "'")}\``;

/**
 * The paragraph, in markdown, labelled as generated: one bullet per other run. SWD and the
 * held-out loss carry no standard error, so when they are stated the paragraph says so.
 */
export function measuredDifferences(c: QualityComparison): string {
  const ref = c.reference;
  const against = c.referenceIs === 'base'
    ? `Against the base run (${code(ref.label)})`
    : `Against ${code(ref.label)} (the first finished run; the base run did not finish)`;
  const bullets: string[] = [];
  let swdStated = false;
  let heldOutStated = false;
  const refAveraging = averagingSentence(ref);
  if (refAveraging) bullets.push(`${code(ref.label)} itself: ${refAveraging.charAt(0).toLowerCase()}${refAveraging.slice(1)}`);
  for (const run of c.others) {
    if (!run.finished) {
      bullets.push(`${code(run.label)} ${run.state}: not compared.`);
      continue;
    }
    const said = differences(ref, run, c.heldOut);
    if (said === undefined) {
      bullets.push(`${code(run.label)}: no measure in common with ${c.referenceIs === 'base' ? 'the base run' : code(ref.label)}.`);
      continue;
    }
    swdStated ||= !!ref.swd && !!run.swd;
    heldOutStated ||= ref.heldOut !== undefined && run.heldOut !== undefined;
    const averaging = averagingSentence(run);
    bullets.push(`${code(run.label)} ${said}.${averaging ? ` ${averaging}` : ''}`);
  }
  const lines = [`**${GENERATED_LABEL}** (written by Diffusion Lab from the table above, not by a person). ${against}:`, ''];
  lines.push(...bullets.map((b) => `- ${b}`));
  const unTested = [swdStated ? 'SWD' : '', heldOutStated ? `the ${c.heldOut}` : ''].filter(Boolean);
  if (unTested.length === 2) lines.push('', `${unTested.join(' and ')} come from one draw each, with no standard error: their differences are as measured, not tested.`);
  if (unTested.length === 1) lines.push('', `${unTested[0]!.replace(/^the h/, 'The h')} comes from one draw, with no standard error: its differences are as measured, not tested.`);
  return lines.join('\n');
}
