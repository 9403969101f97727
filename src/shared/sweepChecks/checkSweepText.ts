// Everything that stops Run Sweep from starting a sweep file, found from its text: JSON syntax,
// the schema, contradictions, each run's config, the run count and the dataset folders. The
// trainer rejects a file with these problems and the editor shows them as it is typed: one
// function, so the two cannot disagree.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { RunConfigField } from '../runConfigSchema';
import type { SweepSpec } from '../sweepSpec';
import { planSweep, type ResolvedSweep } from './resolveSweep';
import type { SweepPathPart, SweepProblem } from './sweepProblem';
import { findContradictions, findSchemaProblems } from './validateSweepSpec';

export interface SweepCheckOptions {
  /** The folder relative dataset paths are read from (the trainer's working directory); without it, folders are not checked. */
  datasetRoot?: string;
  /** `--yes`: allow more than MAX_RUNS_WITHOUT_CONFIRMATION runs. */
  allowManyRuns?: boolean;
}

export interface SweepCheck {
  /** Empty when the sweep can run. */
  problems: SweepProblem[];
  /** The file's content, once it has the sweep file's shape. */
  spec?: SweepSpec;
  /** The runs, when there are no problems. */
  sweep?: ResolvedSweep;
  /** The dataset folders it reads, absolute, whether they exist or not (checked with a datasetRoot only): the editor checks again when one appears or goes. */
  datasetFolders?: string[];
}

/** `file` names the sweep (without a `name`) and its messages' runs. */
export function checkSweepText(text: string, file: string, options: SweepCheckOptions = {}): SweepCheck {
  const parsed = parseSweepJson(text);
  if ('problem' in parsed) return { problems: [parsed.problem] };
  const { value } = parsed;
  const schemaProblems = findSchemaProblems(value);
  if (schemaProblems.length > 0) {
    // Misspelt fields alone: the rest is checked as if each were renamed as suggested (or left
    // out), so that fixing the spelling does not reveal the next problem only then.
    const renamed = schemaProblems.every((p) => p.atKey) ? renameUnknownFields(value, schemaProblems) : undefined;
    if (renamed === undefined || findSchemaProblems(renamed).length > 0) return { problems: schemaProblems };
    const { problems, datasetFolders } = findRunProblems(renamed as SweepSpec, file, options);
    return { problems: [...schemaProblems, ...problems], ...(datasetFolders ? { datasetFolders } : {}) };
  }
  const spec = value as SweepSpec;
  const { sweep, problems, datasetFolders } = findRunProblems(spec, file, options);
  return { problems, spec, ...(sweep ? { sweep } : {}), ...(datasetFolders ? { datasetFolders } : {}) };
}

/** Contradictions, each run's config, the run count and the dataset folders of a spec the schema accepts. */
function findRunProblems(spec: SweepSpec, file: string, options: SweepCheckOptions): Omit<SweepCheck, 'spec'> {
  const planned = planSweep(spec, file, options);
  const problems = [...findContradictions(spec), ...planned.problems];
  const datasetFolders = planned.sweep && options.datasetRoot !== undefined ? datasetFoldersOf(planned.sweep, options.datasetRoot) : undefined;
  if (planned.sweep && datasetFolders) problems.push(...findMissingDatasets(spec, datasetFolders, options.datasetRoot!));
  return { problems, ...(problems.length === 0 && planned.sweep ? { sweep: planned.sweep } : {}), ...(datasetFolders ? { datasetFolders: datasetFolders.map((d) => d.folder) } : {}) };
}

/** A copy with each unknown field renamed to its suggestion (left out when there is none, or the name is taken). */
function renameUnknownFields(value: unknown, unknownFields: SweepProblem[]): unknown {
  const copy = structuredClone(value);
  for (const p of unknownFields) {
    const parent = p.path.slice(0, -1).reduce<unknown>((v, key) => (v as Record<string, unknown>)[key], copy) as Record<string, unknown>;
    const name = String(p.path[p.path.length - 1]);
    const to = p.fix?.kind === 'rename' ? p.fix.name : undefined;
    if (to !== undefined && !(to in parent)) parent[to] = parent[name];
    delete parent[name];
  }
  return copy;
}

/** The file's value, or where and why it is not JSON. */
export function parseSweepJson(text: string): { value: unknown } | { problem: SweepProblem } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { problem: describeSyntaxError(text, err as Error) };
  }
}

/** Each run's dataset that is a folder (not the built-in toy cars), as written and resolved against `root`. */
function datasetFoldersOf(sweep: ResolvedSweep, root: string): Array<{ dataset: string; folder: string }> {
  const datasets = [...new Set(sweep.runs.map((r) => r.config.dataset))].filter((d) => d !== 'toy-cars');
  return datasets.map((dataset) => ({ dataset, folder: path.resolve(root, dataset) }));
}

function findMissingDatasets(spec: SweepSpec, folders: Array<{ dataset: string; folder: string }>, root: string): SweepProblem[] {
  return folders.filter(({ folder }) => !existsSync(folder)).map(({ dataset }) => ({
    message: `dataset: the folder "${dataset}" does not exist (relative paths are read from ${root})`,
    path: whereWritten(spec, 'dataset', dataset),
  }));
}

/** The first place the file writes this value of the field: an axes or grid entry, else base. */
function whereWritten(spec: SweepSpec, field: RunConfigField, value: unknown): SweepPathPart[] {
  for (const group of ['axes', 'grid'] as const) {
    const index = (spec[group]?.[field] as unknown[] | undefined)?.indexOf(value) ?? -1;
    if (index >= 0) return [group, field, index];
  }
  return spec.base && field in spec.base ? ['base', field] : [];
}

/** JSON.parse decides (as the trainer reads the file); jsonc-parser says where, as a line and column. */
function describeSyntaxError(text: string, err: Error): SweepProblem {
  const errors: ParseError[] = [];
  parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const stated = /at position (\d+)/.exec(err.message);
  const offset = stated ? Number(stated[1]) : errors[0]?.offset ?? 0;
  const before = text.slice(0, offset).split('\n');
  const reason = err.message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
  const why = errors[0] && !stated ? `${reason} (${printParseErrorCode(errors[0].error)})` : reason;
  return { message: `not valid JSON: ${why} at line ${before.length}, column ${before[before.length - 1]!.length + 1}`, path: [], offset };
}
