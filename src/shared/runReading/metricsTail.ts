// Reads a run's metrics.jsonl as it grows: only the bytes appended since the last read,
// holding back a last line that is still being written. Lines parse as parseMetricsJsonl
// parses them: a corrupt complete line is a problem naming the file and line.
import { promises as fs } from 'node:fs';
import type { MetricRecord } from '../runDirectory';
import { parseMetricLine } from './metricsLines';

export interface TailRead {
  /** Records appended since the last read (every record when `reset`). */
  records: MetricRecord[];
  /** The file shrank or was replaced: start over with these records. */
  reset: boolean;
  /** Corrupt lines among those read (every one so far when `reset`). */
  problems: string[];
}

export class MetricsTail {
  private offset = 0;
  private partial = '';
  private identity: number | undefined;
  /** Complete lines consumed so far, for the line numbers of problems. */
  private lineCount = 0;

  constructor(readonly file: string) {}

  async read(): Promise<TailRead> {
    const stat = await fs.stat(this.file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err; // unreadable, not absent: the reader says so rather than show no metrics
    });
    if (!stat) {
      const reset = this.offset > 0;
      this.offset = 0;
      this.partial = '';
      this.lineCount = 0;
      return { records: [], reset, problems: [] };
    }
    let reset = false;
    if (stat.size < this.offset || (this.identity !== undefined && stat.ino !== this.identity)) {
      reset = true;
      this.offset = 0;
      this.partial = '';
      this.lineCount = 0;
    }
    this.identity = stat.ino;
    if (stat.size === this.offset) return { records: [], reset, problems: [] };
    const handle = await fs.open(this.file, 'r');
    let chunk: string;
    try {
      const buffer = Buffer.alloc(stat.size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      chunk = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    const records: MetricRecord[] = [];
    const problems: string[] = [];
    for (const line of lines) {
      const parsed = parseMetricLine(line, this.file, ++this.lineCount);
      if (typeof parsed === 'object') records.push(parsed);
      else if (parsed !== undefined) problems.push(parsed);
    }
    return { records, reset, problems };
  }
}
