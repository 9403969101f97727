// Checks a parsed sweep file against SWEEP_SCHEMA, then for the contradictions a schema cannot
// express. Every problem names the JSON path and what is allowed, and carries the path itself.
import type { ErrorObject } from 'ajv';
import { RUN_CONFIG_FIELDS, type RunConfigField } from '../runConfigSchema';
import { SWEEP_SCHEMA } from '../sweepSchema';
import type { SweepSpec } from '../sweepSpec';
import { checkSweepSchema } from './sweepSchemaValidator';
import { closestName, formatPath, pointerToPath, SweepError, type SweepPathPart, type SweepProblem } from './sweepProblem';

/** Checks a parsed sweep file; `source` names it in messages. Throws SweepError. */
export function validateSweepSpec(value: unknown, source: string): SweepSpec {
  const problems = findSchemaProblems(value);
  if (problems.length > 0) throw new SweepError(source, problems);
  const contradictions = findContradictions(value as SweepSpec);
  if (contradictions.length > 0) throw new SweepError(source, contradictions);
  return value as SweepSpec;
}

/** What the schema rejects, each problem once; [] when the value has the sweep file's shape. */
export function findSchemaProblems(value: unknown): SweepProblem[] {
  if (checkSweepSchema(value)) return [];
  const seen = new Set<string>();
  return (checkSweepSchema.errors ?? []).map((e) => describeSchemaError(e, value)).filter((p) => !seen.has(p.message) && seen.add(p.message));
}

function describeSchemaError(e: ErrorObject, root: unknown): SweepProblem {
  const path = pointerToPath(e.instancePath);
  const at = formatPath(path);
  const data = valueAt(root, path);
  const got = describeValue(data);
  const p = e.params as Record<string, unknown>;
  const problem = (message: string, extra: Partial<SweepProblem> = {}): SweepProblem => ({ message, path, ...extra });
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const known = Object.keys(schemaAt(e.schemaPath).properties ?? {});
      const guess = closestName(name, known);
      const where = path.length === 0 ? '' : `${at}: `;
      return {
        message: `${where}unknown field "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${known.join(', ')}`,
        path: [...path, name], atKey: true, ...(guess ? { fix: { kind: 'rename', name: guess } } : {}),
      };
    }
    case 'enum': {
      const allowed = p.allowedValues as unknown[];
      // Values are short words: two edits turn "swish" into "mish", a different activation.
      const guess = typeof data === 'string' ? closestName(data, allowed.filter((v): v is string => typeof v === 'string'), 1) : undefined;
      return problem(`${at}: ${got} is not allowed${guess ? ` (did you mean "${guess}"?)` : ''}; allowed: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
        guess ? { fix: { kind: 'replace', value: guess } } : {});
    }
    case 'type':
      return problem(`${at}: must be ${article(String(p.type))}, got ${got}`);
    case 'minimum':
    case 'maximum':
      // The limit itself is allowed: the nearest valid value.
      return problem(`${at}: must be ${String(p.comparison)} ${String(p.limit)}, got ${got}`, { fix: { kind: 'replace', value: p.limit } });
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return problem(`${at}: must be ${String(p.comparison)} ${String(p.limit)}, got ${got}`);
    case 'minItems':
      return problem(Number(p.limit) === 1
        ? `${at}: is empty; list at least one value`
        : `${at}: must list at least ${String(p.limit)} values, got ${got}`);
    case 'uniqueItems': {
      const [first, second] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      return {
        message: `${at}: lists ${describeValue((data as unknown[])[first!])} twice (items ${first} and ${second}); each value gives a run, so that would be a duplicate run`,
        path: [...path, second!],
      };
    }
    case 'minProperties':
      return problem(`${at}: is empty; list at least one field with its values`);
    case 'minLength':
      return problem(`${at}: must not be empty`);
    case 'maxLength':
      return problem(`${at}: is longer than ${String(p.limit)} characters`);
    case 'pattern': {
      // The field's description says which forms it takes (a Slurm time, a memory size).
      const { description } = schemaAt(e.schemaPath) as { description?: string };
      return problem(`${at}: ${got} is not in the expected form${description ? `; ${description}` : ''}`);
    }
    default:
      return problem(`${at}: ${e.message ?? e.keyword}`);
  }
}

/** The schema cannot say "not both": fields that would silently override each other. */
export function findContradictions(spec: SweepSpec): SweepProblem[] {
  const problems: SweepProblem[] = [];
  const base = spec.base ?? {};
  const axes = spec.axes ?? {};
  const grid = spec.grid ?? {};
  const has = (o: object, f: RunConfigField) => Object.prototype.hasOwnProperty.call(o, f);
  const add = (path: SweepPathPart[], message: string) => problems.push({ message: `${formatPath(path)}: ${message}`, path });
  for (const field of RUN_CONFIG_FIELDS) {
    if (has(axes, field) && has(grid, field)) {
      add(['axes', field], `${field} is also in grid; vary it in axes (one at a time) or in grid (every combination), not both`);
    }
    if (has(grid, field) && has(base, field)) {
      add(['base', field], `is never used, since grid.${field} sets ${field} in every run; remove one of them`);
    }
  }
  if ((spec.repeats ?? 1) > 1 && (has(axes, 'seed') || has(grid, 'seed'))) {
    add(['repeats'], `sets each run's seed (seed, seed + 1, ...), so seed cannot also be varied in ${has(axes, 'seed') ? 'axes' : 'grid'}; use one or the other`);
  }
  const presetVaried = has(axes, 'preset') ? 'axes' : has(grid, 'preset') ? 'grid' : null;
  const channelsFixed = has(base, 'channels') ? 'base.channels' : has(grid, 'channels') ? 'grid.channels' : null;
  if (presetVaried && channelsFixed) {
    add([presetVaried, 'preset'], `has no effect, since ${channelsFixed} sets the widths the preset would choose; vary channels instead, or remove ${channelsFixed}`);
  }
  return problems;
}

/** The schema object an error's schemaPath ends in, less its last keyword: the object with `properties`. */
function schemaAt(schemaPath: string): { properties?: object } {
  let node: unknown = SWEEP_SCHEMA;
  for (const key of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) node = (node as Record<string, unknown>)[key];
  return node as { properties?: object };
}

function valueAt(root: unknown, path: readonly SweepPathPart[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), root);
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
