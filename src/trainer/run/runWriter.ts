import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PRESET_CHANNELS } from '../../shared/options';
import { ConfigError, type RunConfig, type RunConfigFile, type RunEnvironment } from '../../shared/runConfig';
import { MetricRecord, RUN_FILES, RunStatus } from '../../shared/runDirectory';
import { parseMetricsJsonl, type ParsedMetrics } from '../../shared/metricsLines';
import { writeJsonAtomic } from './atomicFile';

/** A readable, unique run id: the main hyperparameters plus a short random suffix. */
export function makeRunId(c: RunConfig, suffix = randomBytes(2).toString('hex')): string {
  const presetWidths = PRESET_CHANNELS[c.preset];
  const model = c.channels.length === presetWidths.length && c.channels.every((w, i) => w === presetWidths[i]) ? c.preset : `ch${c.channels.join('-')}`;
  return [model, `T${c.timesteps}`, `${c.imgSize}px`, `b${c.batchSize}`, c.activation, c.loss, suffix].join('-');
}

export function runsDirectory(outDir: string): string {
  return path.join(outDir, 'runs');
}

/**
 * Writes one run directory. status.json and config.json are replaced atomically;
 * metrics.jsonl is appended synchronously, one whole line per record, so a crash
 * loses at most the record being written.
 */
export class RunWriter {
  readonly dir: string;
  private status: RunStatus;

  private constructor(dir: string, status: RunStatus) {
    this.dir = dir;
    this.status = status;
  }

  /** Creates a new run directory; fails if it exists or cannot be written. */
  static async create(outDir: string, runId: string): Promise<RunWriter> {
    const dir = path.join(runsDirectory(outDir), runId);
    try {
      await fs.mkdir(runsDirectory(outDir), { recursive: true });
      await fs.mkdir(dir);
      await fs.mkdir(path.join(dir, RUN_FILES.samples));
      await fs.mkdir(path.join(dir, RUN_FILES.checkpoint));
    } catch (err) {
      throw new Error(`cannot create run directory ${dir}: ${(err as Error).message}`);
    }
    const writer = new RunWriter(dir, {
      formatVersion: 1, state: 'queued', createdAt: new Date().toISOString(), step: 0, epoch: 0, totalSteps: 0,
    });
    await writer.writeStatus();
    return writer;
  }

  /** Opens an existing run directory to continue it (resume). */
  static async open(dir: string): Promise<RunWriter> {
    const status = await readRunStatus(dir);
    return new RunWriter(dir, status);
  }

  get runId(): string {
    return path.basename(this.dir);
  }

  get currentStatus(): Readonly<RunStatus> {
    return this.status;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  async writeConfig(runId: string, config: RunConfig, environment: RunEnvironment): Promise<void> {
    const content: RunConfigFile = { formatVersion: 1, runId, config, environment };
    await writeJsonAtomic(this.file(RUN_FILES.config), content);
  }

  async updateStatus(patch: Partial<RunStatus>): Promise<void> {
    this.status = { ...this.status, ...patch };
    await this.writeStatus();
  }

  appendMetric(record: MetricRecord): void {
    appendFileSync(this.file(RUN_FILES.metrics), JSON.stringify(record) + '\n');
  }

  private async writeStatus(): Promise<void> {
    await writeJsonAtomic(this.file(RUN_FILES.status), this.status);
  }
}

/** A missing or unreadable run file is bad input (the CLI exits 2), named with its path. */
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
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { records: [], problems: code === 'ENOENT' ? [] : [`${file}: cannot read (${code ?? (err as Error).message})`] };
  }
  return parseMetricsJsonl(text, file);
}

/** The records of metrics.jsonl, for readers that show its problems elsewhere or not at all. */
export async function readMetrics(dir: string): Promise<MetricRecord[]> {
  return (await readMetricsFile(dir)).records;
}
