// Reads a sweep file and checks it against SWEEP_SCHEMA (Ajv), then for the contradictions a
// schema cannot express. Every problem names the file, the JSON path and what is allowed.
import { readFileSync } from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { ConfigError } from '../../shared/runConfig';
import { RUN_CONFIG_FIELDS, type RunConfigField } from '../../shared/runConfigSchema';
import { SWEEP_SCHEMA } from '../../shared/sweepSchema';
import type { SweepSpec } from '../../shared/sweepSpec';

/** A sweep file that cannot be run; `problems` are `path: what is wrong` lines. */
export class SweepError extends ConfigError {
  override name = 'SweepError';

  constructor(readonly source: string, readonly problems: string[]) {
    super(problems.length === 1
      ? `${source}: ${problems[0]}`
      : `${source}: ${problems.length} problems\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

// verbose: errors carry their schema, so an unknown field can list the known ones.
const validate = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(SWEEP_SCHEMA);

/** Reads, parses and validates a sweep file; throws SweepError. */
export function readSweepFile(file: string): SweepSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SweepError(file, [`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new SweepError(file, [`not valid JSON: ${describeJsonSyntaxError(text, err as Error)}`]);
  }
  return validateSweepSpec(value, file);
}

/** Checks a parsed sweep file; `source` names it in messages. Throws SweepError. */
export function validateSweepSpec(value: unknown, source: string): SweepSpec {
  if (!validate(value)) {
    throw new SweepError(source, dedupe((validate.errors ?? []).map(describeSchemaError)));
  }
  const spec = value as SweepSpec;
  const problems = findContradictions(spec);
  if (problems.length > 0) throw new SweepError(source, problems);
  return spec;
}

/** `/axes/imgSize/0` -> `axes.imgSize[0]`. */
export function jsonPath(pointer: string): string {
  if (pointer === '') return '(top level)';
  return pointer.slice(1).split('/').map((raw, i) => {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) return `[${key}]`;
    if (/^[A-Za-z_$][\w$]*$/.test(key)) return i === 0 ? key : `.${key}`;
    return `[${JSON.stringify(key)}]`;
  }).join('');
}

function describeSchemaError(e: ErrorObject): string {
  const at = jsonPath(e.instancePath);
  const got = describeValue(e.data);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const guess = closest(name, known);
      const where = e.instancePath === '' ? '' : `${at}: `;
      return `${where}unknown field "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${known.join(', ')}`;
    }
    case 'enum':
      return `${at}: ${got} is not allowed; allowed: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type':
      return `${at}: must be ${article(String(p.type))}, got ${got}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${at}: must be ${String(p.comparison)} ${String(p.limit)}, got ${got}`;
    case 'minItems':
      return Number(p.limit) === 1
        ? `${at}: is empty; list at least one value`
        : `${at}: must list at least ${String(p.limit)} values, got ${got}`;
    case 'uniqueItems': {
      const [first, second] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      return `${at}: lists ${describeValue((e.data as unknown[])[first!])} twice (items ${first} and ${second}); each value gives a run, so that would be a duplicate run`;
    }
    case 'minProperties':
      return `${at}: is empty; list at least one field with its values`;
    case 'minLength':
      return `${at}: must not be empty`;
    case 'maxLength':
      return `${at}: is longer than ${String(p.limit)} characters`;
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/** The schema cannot say "not both": fields that would silently override each other. */
function findContradictions(spec: SweepSpec): string[] {
  const problems: string[] = [];
  const base = spec.base ?? {};
  const axes = spec.axes ?? {};
  const grid = spec.grid ?? {};
  const has = (o: object, f: RunConfigField) => Object.prototype.hasOwnProperty.call(o, f);
  for (const field of RUN_CONFIG_FIELDS) {
    if (has(axes, field) && has(grid, field)) {
      problems.push(`axes.${field}: ${field} is also in grid; vary it in axes (one at a time) or in grid (every combination), not both`);
    }
    if (has(grid, field) && has(base, field)) {
      problems.push(`base.${field}: is never used, since grid.${field} sets ${field} in every run; remove one of them`);
    }
  }
  if ((spec.repeats ?? 1) > 1 && (has(axes, 'seed') || has(grid, 'seed'))) {
    problems.push(`repeats: sets each run's seed (seed, seed + 1, ...), so seed cannot also be varied in ${has(axes, 'seed') ? 'axes' : 'grid'}; use one or the other`);
  }
  const presetVaried = has(axes, 'preset') ? 'axes.preset' : has(grid, 'preset') ? 'grid.preset' : null;
  const channelsFixed = has(base, 'channels') ? 'base.channels' : has(grid, 'channels') ? 'grid.channels' : null;
  if (presetVaried && channelsFixed) {
    problems.push(`${presetVaried}: has no effect, since ${channelsFixed} sets the widths the preset would choose; vary channels instead, or remove ${channelsFixed}`);
  }
  return problems;
}

function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v);
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  const kind = v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  return typeof v === 'object' && v !== null ? `${kind} ${shown}` : `${shown} (${kind})`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** The known name a typo most likely meant: same letters ignoring case, or at most 2 edits away. */
function closest(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { k, d };
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

/** Node says "... at position N"; a person wants the line and column. */
function describeJsonSyntaxError(text: string, err: Error): string {
  const m = /at position (\d+)/.exec(err.message);
  if (!m) return err.message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos).split('\n');
  return `${err.message.replace(/ in JSON at position \d+.*$/, '')} at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function dedupe(lines: string[]): string[] {
  return [...new Set(lines)];
}
