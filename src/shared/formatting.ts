// How numbers, durations and config values read, the same in the report, the CLI, the tree
// and the panel.
import type { RunConfig } from './runConfig';
import { impliedByRecipe } from './recipes';

type RunConfigField = keyof RunConfig;

/** 0.66 ms, 123 ms, 12.3 s, 4 min 05 s, 1 h 02 min. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Number(ms.toPrecision(ms < 10 ? 2 : 3))} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const totalSeconds = Math.round(s);
  const minutes = Math.floor(totalSeconds / 60);
  if (minutes < 60) return `${minutes} min ${String(totalSeconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** Four significant digits, exponent form for very small or large magnitudes. */
export function formatNumber(v: number | undefined, digits = 4): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}

/** 9s, 4m05s, 1h02m: compact, for progress lines, the tree and the CLI. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A config value in a cell, exactly as configured: widths as `32,64,128`. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}

/** The short names the assignment uses (T, IMG_SIZE, BATCH_SIZE), for legends, labels and column titles. */
const SHORT_FIELD_NAMES: Partial<Record<RunConfigField, string>> = {
  timesteps: 'T', imgSize: 'size', batchSize: 'batch', betaStart: 'β start', betaEnd: 'β end', preset: 'model',
};

export function shortFieldName(field: string): string {
  return SHORT_FIELD_NAMES[field as RunConfigField] ?? field;
}

/** `T=250, size=16`, or `fallback` when nothing is varied; values a varied recipe implies are left to its name. */
export function variedLabel(values: Readonly<Record<string, unknown>>, fallback: string): string {
  const parts = Object.entries(values)
    .filter(([k, v]) => !impliedByRecipe(k, v, values.recipe))
    .map(([k, v]) => fieldEquals(k, v));
  return parts.length > 0 ? parts.join(', ') : fallback;
}

/** Letters, digits, dot, dash and underscore only: safe as a file name, an id and a cell id. */
export function slug(text: string): string {
  return text.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+/g, '-').replace(/^[-.]+|-+$/g, '');
}

export function fieldEquals(field: string, value: unknown): string {
  return `${shortFieldName(field)}=${formatValue(value)}`;
}

/** One markdown table cell: no pipes or line breaks that would end the cell or the row. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** A GitHub-flavoured markdown table; `rightAligned` are column indexes of numbers. */
export function markdownTable(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (rightAligned.has(i) ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/**
 * `text` as a CommonMark code span: fenced by one backtick more than its longest run of them, and
 * padded where it starts or ends with one, so that a name holding backticks shows as written.
 */
export function markdownCode(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^`|`$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** Text safe inside markdown emphasis or a heading: backticks, asterisks and friends escaped. */
export function markdownEscape(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
