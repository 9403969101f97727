// The files of a run directory read one at a time, for code that needs one of them as it is
// (resume, sample, a sweep's plan). A missing or unreadable file is bad input, named with its
// path: the CLI exits 2 on it. readRun.ts reads the whole directory for display.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type RunConfigFile } from '../runConfig';
import { RUN_FILES, type MetricRecord, type RunStatus } from '../runDirectory';
import { parseMetricsJsonl, type ParsedMetrics } from './metricsLines';
import { parseRunAnnotations, type RunAnnotations } from '../runAnnotations';

/** `<out>/runs`: where run directories live, beside `<out>/sweeps`. */
export function runsDirectory(outDir: string): string {
  return path.join(outDir, 'runs');
}

/** A file's text, nothing when it is absent, or why it cannot be read (naming it). */
export async function readOptionalText(file: string): Promise<{ text?: string; problem?: string }> {
  try {
    return { text: await fs.readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? {} : { problem: `${file}: cannot read (${code ?? (err as Error).message})` };
  }
}

async function readRunJson<T>(dir: string, name: string): Promise<T> {
  const file = path.join(dir, name);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); is ${dir} a run directory?`);
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

export function readRunStatus(dir: string): Promise<RunStatus> {
  return readRunJson<RunStatus>(dir, RUN_FILES.status);
}

export function readRunConfigFile(dir: string): Promise<RunConfigFile> {
  return readRunJson<RunConfigFile>(dir, RUN_FILES.config);
}

/** Reads metrics.jsonl (none yet: no records); corrupt lines are listed in `problems`, a torn last line is not. */
export async function readMetricsFile(dir: string): Promise<ParsedMetrics> {
  const file = path.join(dir, RUN_FILES.metrics);
  const { text, problem } = await readOptionalText(file);
  if (text === undefined) return { records: [], problems: problem ? [problem] : [] };
  return parseMetricsJsonl(text, file);
}

/** The records of metrics.jsonl, for readers that show its problems elsewhere or not at all. */
export async function readMetrics(dir: string): Promise<MetricRecord[]> {
  return (await readMetricsFile(dir)).records;
}

/** annotations.json: none (absent), the annotations, or why the file is ignored (naming it). */
export interface AnnotationsReading {
  annotations?: RunAnnotations;
  problem?: string;
}

export async function readRunAnnotations(dir: string): Promise<AnnotationsReading> {
  const file = path.join(dir, RUN_FILES.annotations);
  const { text, problem } = await readOptionalText(file);
  if (text === undefined) return problem ? { problem: `${problem}; ignored` } : {};
  const checked = parseRunAnnotations(text, file);
  return checked.ok ? { annotations: checked.annotations } : { problem: checked.problem };
}
