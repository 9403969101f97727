// Turns command-line flags into a partial RunConfig, naming the flag at fault on bad input.
// Flags and their help come from RUN_CONFIG_TABLE: a field with `flag: true` is
// `--field-in-kebab-case`, read by its schema type.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../shared/runConfig';
import {
  RUN_CONFIG_FIELDS, RUN_CONFIG_TABLE, allowedValues, plainDescription, type FieldSpec, type RunConfigField,
} from '../shared/runConfigSchema';

export type FlagKind = 'int' | 'number' | 'string' | 'channels';

/** How a flag's text becomes a field's value, by the field's JSON Schema type. */
const FLAG_KINDS = { integer: 'int', number: 'number', string: 'string', array: 'channels' } as const satisfies Record<FieldSpec['type'], FlagKind>;

/** What --help shows after the flag, by kind. */
const METAVARS = { int: 'N', number: 'X', string: 'TEXT', channels: 'LIST' } as const satisfies Record<FlagKind, string>;

/** `imgSize` -> `img-size`. */
export function flagName(field: RunConfigField): string {
  return field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export interface ConfigFlag {
  field: RunConfigField;
  kind: FlagKind;
}

/** Flag name (no dashes) -> its field: one for every field the table gives a flag, in table order. */
export const CONFIG_FLAGS: Readonly<Record<string, ConfigFlag>> = Object.fromEntries(RUN_CONFIG_FIELDS
  .filter((field) => RUN_CONFIG_TABLE[field].flag)
  .map((field) => [flagName(field), { field, kind: FLAG_KINDS[RUN_CONFIG_TABLE[field].type] }]));

/**
 * The run flags for --help, each with the field's description, what it takes and its default,
 * wrapped to `width` columns.
 */
export function runFlagsHelp(width = 100): string {
  const rows = Object.entries(CONFIG_FLAGS).map(([flag, { field, kind }]) => {
    const spec: FieldSpec = RUN_CONFIG_TABLE[field];
    const metavar = spec.enum ? 'NAME' : METAVARS[kind];
    // Only channels has no default in the table (TABLE_DEFAULTS_FIT): it is the preset's.
    const byDefault = 'default' in spec ? String(spec.default) : 'the preset\'s';
    const text = `${plainDescription(spec)} [${allowedValues(spec)}; default ${byDefault}]`;
    return { left: `  --${flag} ${metavar}`, text };
  });
  const column = Math.max(...rows.map((r) => r.left.length)) + 2;
  return rows.map(({ left, text }) => wrap(text, width - column).map((line, i) => (i === 0 ? left.padEnd(column) : ' '.repeat(column)) + line).join('\n')).join('\n');
}

/** Greedy word wrap; a word longer than the width gets a line of its own. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

export function parseFlagValue(flag: string, kind: FlagKind, raw: string): unknown {
  const bad = (what: string): never => {
    throw new ConfigError(`--${flag}: ${JSON.stringify(raw)} is not ${what}`);
  };
  switch (kind) {
    case 'string':
      return raw;
    case 'int': {
      const v = Number(raw);
      return raw.trim() !== '' && Number.isInteger(v) ? v : bad('an integer');
    }
    case 'number': {
      const v = Number(raw);
      return raw.trim() !== '' && Number.isFinite(v) ? v : bad('a number');
    }
    case 'channels': {
      const parts = raw.split(',').map((s) => Number(s.trim()));
      return parts.every((v) => Number.isInteger(v) && v > 0) ? parts : bad('a comma-separated list of positive integers');
    }
  }
}

/** Reads `--config FILE.json` (a partial RunConfig) and lays the flags over it. */
export function configFromFlags(values: Record<string, string | boolean | undefined>): Record<string, unknown> {
  let partial: Record<string, unknown> = {};
  if (typeof values.config === 'string') {
    const file = values.config;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      partial = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
      throw new ConfigError(`${file}: must hold a JSON object of run-config fields`);
    }
  }
  for (const [flag, spec] of Object.entries(CONFIG_FLAGS)) {
    const raw = values[flag];
    if (typeof raw === 'string') partial[spec.field] = parseFlagValue(flag, spec.kind, raw);
  }
  return partial;
}
