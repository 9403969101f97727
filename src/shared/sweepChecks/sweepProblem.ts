// One reason a sweep file cannot be run, with where it is: Run Sweep reports the message, the
// editor underlines the place and offers the fix.
import { ConfigError } from '../runConfig';

/** A key or index of a JSON path: ['axes', 'imgSize', 0]. */
export type SweepPathPart = string | number;

export interface SweepProblem {
  /** `path: what is wrong`, as Run Sweep reports it. */
  message: string;
  /** The value at fault; [] for the whole file. */
  path: SweepPathPart[];
  /** An unknown field: its key is at fault, not its value. */
  atKey?: true;
  /** A JSON syntax error: the character offset where parsing stopped. */
  offset?: number;
  /** What to change it to, when there is one obvious answer. */
  fix?: SweepFix;
}

export type SweepFix =
  /** Rename the field (a misspelt key) to this. */
  | { kind: 'rename'; name: string }
  /** Replace the value with this one. */
  | { kind: 'replace'; value: unknown };

/** A sweep file that cannot be run; `problems` are its `path: what is wrong` lines. */
export class SweepError extends ConfigError {
  override name = 'SweepError';
  readonly found: SweepProblem[];

  constructor(readonly source: string, found: readonly (SweepProblem | string)[]) {
    const all = found.map((p) => (typeof p === 'string' ? { message: p, path: [] } : p));
    const problems = all.map((p) => p.message);
    super(problems.length === 1
      ? `${source}: ${problems[0]}`
      : `${source}: ${problems.length} problems\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.found = all;
  }

  get problems(): string[] {
    return this.found.map((p) => p.message);
  }
}

/** `/axes/imgSize/0` -> ['axes', 'imgSize', 0]. */
export function pointerToPath(pointer: string): SweepPathPart[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((raw) => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

/** ['axes', 'imgSize', 0] -> `axes.imgSize[0]`. */
export function formatPath(parts: readonly SweepPathPart[]): string {
  if (parts.length === 0) return '(top level)';
  return parts.map((key, i) => {
    if (typeof key === 'number') return `[${key}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
    return `[${JSON.stringify(key)}]`;
  }).join('');
}

/** `/axes/imgSize/0` -> `axes.imgSize[0]`. */
export function jsonPath(pointer: string): string {
  return formatPath(pointerToPath(pointer));
}

/** The known name a typo most likely meant: same letters ignoring case, or at most `maxEdits` edits away. */
export function closestName(name: string, known: readonly string[], maxEdits = 2): string | undefined {
  const lower = name.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= maxEdits && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
