import { appendFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { PRESET_CHANNELS } from '../../shared/options';
import { type RunConfig, type RunConfigFile, type RunEnvironment } from '../../shared/runConfig';
import { MetricRecord, RUN_FILES, RunStatus } from '../../shared/runDirectory';
import { readRunStatus, runsDirectory } from '../../shared/runReading/runFiles';
import { writeJsonAtomic } from '../../shared/atomicFile';
import { slurmStatusField } from '../sweep/slurm/slurmTaskOfProcess';

/** A readable, unique run id: the main hyperparameters plus a short random suffix. */
export function makeRunId(c: RunConfig, suffix = randomBytes(2).toString('hex')): string {
  const presetWidths = PRESET_CHANNELS[c.preset];
  const model = c.channels.length === presetWidths.length && c.channels.every((w, i) => w === presetWidths[i]) ? c.preset : `ch${c.channels.join('-')}`;
  return [model, `T${c.timesteps}`, `${c.imgSize}px`, `b${c.batchSize}`, c.activation, c.loss, suffix].join('-');
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
      // The Slurm task training it; outside Slurm undefined, which JSON leaves out.
      ...slurmStatusField(),
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
