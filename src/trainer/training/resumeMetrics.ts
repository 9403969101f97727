// metrics.jsonl on resume. A trainer killed after a checkpoint goes on writing records that the
// resumed run, replaying from that checkpoint, writes again; without this the file would hold
// those steps twice. So before the resumed run writes anything, the records it will write
// again are dropped, and every other line is kept byte for byte.
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../shared/atomicFile';
import { RUN_FILES, type MetricRecord } from '../../shared/runDirectory';
import type { RunWriter } from '../run/runWriter';
import type { TrainingProgress } from './checkpoint';

/**
 * Whether a run resumed from `checkpoint` (null: none, it starts over) writes this record again.
 * Records carrying a step after the checkpoint's are replayed. At the last step the checkpoint
 * comes before the final sampling and evaluation, so those are written again; at an earlier
 * step the epoch's sample and held-out loss come before it and stay. The final timings are
 * always written again: a run that got past them is done and is not resumed.
 */
export function writtenAgainOnResume(record: MetricRecord, checkpoint: Pick<TrainingProgress, 'step'> | null, totalSteps: number): boolean {
  if (!checkpoint) return true;
  if (record.kind === 'timing') return record.name === 'sampling' || record.name === 'run';
  if (!('step' in record) || typeof record.step !== 'number') return false;
  if (record.step > checkpoint.step) return true;
  return record.step === checkpoint.step && checkpoint.step >= totalSteps && record.kind !== 'step' && record.kind !== 'epoch';
}

/**
 * The lines of metrics.jsonl a resumed run keeps, each unchanged: every record it will not
 * write again, and lines that are not records (corruption, which readers report). A torn last
 * line (no newline after it, not JSON) is dropped: the next record would be glued onto it.
 */
export function metricsKeptOnResume(text: string, checkpoint: Pick<TrainingProgress, 'step'> | null, totalSteps: number): string {
  const lines = text.split('\n');
  const last = lines.pop()!; // '' after a final newline
  const kept: string[] = [];
  const keep = (line: string, isLast: boolean) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Corruption stays for readers to report; only a torn last line goes.
      if (!isLast) kept.push(line);
      return;
    }
    const isRecord = typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
    if (!isRecord || !writtenAgainOnResume(value as MetricRecord, checkpoint, totalSteps)) kept.push(line);
  };
  for (const line of lines) keep(line, false);
  if (last.trim()) keep(last, true);
  return kept.map((line) => `${line}\n`).join('');
}

/** Drops from the run's metrics.jsonl what the resumed run writes again; replaced atomically, so a crash here loses nothing. */
export async function dropMetricsWrittenAgain(writer: RunWriter, checkpoint: Pick<TrainingProgress, 'step'> | null, totalSteps: number): Promise<void> {
  const file = writer.file(RUN_FILES.metrics);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const kept = metricsKeptOnResume(text, checkpoint, totalSteps);
  if (kept !== text) await writeFileAtomic(file, kept);
}
