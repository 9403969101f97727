// Reads a run's metrics.jsonl as it grows: only the bytes appended since the last read,
// holding back a last line that is still being written. No VS Code import.
import { promises as fs } from 'node:fs';
import type { MetricRecord } from '../../shared/runDirectory';

export interface TailRead {
  /** Records appended since the last read (every record when `reset`). */
  records: MetricRecord[];
  /** The file shrank or was replaced: start over with these records. */
  reset: boolean;
}

export class MetricsTail {
  private offset = 0;
  private partial = '';
  private identity: number | undefined;

  constructor(readonly file: string) {}

  async read(): Promise<TailRead> {
    const stat = await fs.stat(this.file).catch(() => null);
    if (!stat) {
      const reset = this.offset > 0;
      this.offset = 0;
      this.partial = '';
      return { records: [], reset };
    }
    let reset = false;
    if (stat.size < this.offset || (this.identity !== undefined && stat.ino !== this.identity)) {
      reset = true;
      this.offset = 0;
      this.partial = '';
    }
    this.identity = stat.ino;
    if (stat.size === this.offset) return { records: [], reset };
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
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as unknown;
        if (typeof r === 'object' && r !== null && typeof (r as { kind?: unknown }).kind === 'string') records.push(r as MetricRecord);
      } catch {
        // a hand edit or a torn line after a crash: skip it, as readMetrics does
      }
    }
    return { records, reset };
  }
}
