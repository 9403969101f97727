// Where a sweep's files and runs are. <out>/sweeps/<sweep-id>/sweep.json: the resolved sweep, rewritten (atomically) when the
// sweep is run and its file resolves differently, so it always lists the runs of the sweep file as it is now.
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SWEEP_FILES, type ResolvedSweepFile, type SweepRun, type SweepSpec } from '../../shared/sweepSpec';
import { writeJsonAtomic } from '../../shared/atomicFile';
import { runsDirectory } from '../../shared/runReading/runFiles';
import type { ResolvedSweep } from '../../shared/sweepChecks/resolveSweep';
import { SweepError } from '../../shared/sweepChecks/sweepProblem';
import type { SlurmSubmission } from '../../shared/slurmJob';

export function runDirOf(outDir: string, run: Pick<SweepRun, 'runId'>): string {
  return path.join(runsDirectory(outDir), run.runId);
}

export function sweepDirectory(outDir: string, sweepId: string): string {
  return path.join(outDir, 'sweeps', sweepId);
}

export function resolvedSweepPath(outDir: string, sweepId: string): string {
  return path.join(sweepDirectory(outDir, sweepId), SWEEP_FILES.resolved);
}

/**
 * Writes sweep.json; refuses when the id belongs to another sweep file that still exists
 * (two files with the same name would overwrite each other's run lists and notes).
 */
export async function writeResolvedSweep(outDir: string, sweep: ResolvedSweep, spec: SweepSpec, sourceFile: string): Promise<string> {
  const source = path.resolve(sourceFile);
  const file = resolvedSweepPath(outDir, sweep.sweepId);
  const previous = await readResolvedSweep(file).catch(() => null); // none, or too broken to say whose: replaced below
  if (previous && previous.source !== source && existsSync(previous.source)) {
    throw new SweepError(sourceFile, [`sweep id "${sweep.sweepId}" is already used by ${previous.source} in ${path.dirname(file)}; give this sweep another "name"`]);
  }
  const content: ResolvedSweepFile = {
    formatVersion: 1,
    sweepId: sweep.sweepId,
    name: sweep.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    source,
    resolvedAt: new Date().toISOString(),
    spec,
    variedFields: sweep.variedFields,
    maxParallelRuns: sweep.maxParallelRuns,
    runs: sweep.runs,
    // The latest Slurm submission stays recorded (src/shared/slurmJob.ts).
    ...(previous?.slurm ? { slurm: previous.slurm } : {}),
  };
  // Unchanged: not rewritten, so that the tasks of a Slurm array, which each run this, never
  // write over the submission the submitter records meanwhile.
  if (previous && sameResolution(previous, content)) return file;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeJsonAtomic(file, content);
  return file;
}

function sameResolution(a: ResolvedSweepFile, b: ResolvedSweepFile): boolean {
  const { resolvedAt: _a, slurm: _as, ...restA } = a;
  const { resolvedAt: _b, slurm: _bs, ...restB } = b;
  return JSON.stringify(restA) === JSON.stringify(restB);
}

/** Records a Slurm submission in sweep.json (read, changed, replaced atomically). */
export async function recordSlurmSubmission(file: string, submission: SlurmSubmission): Promise<void> {
  const current = await readResolvedSweep(file);
  await writeJsonAtomic(file, { ...current, slurm: submission } satisfies ResolvedSweepFile);
}

export async function readResolvedSweep(file: string): Promise<ResolvedSweepFile> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as ResolvedSweepFile;
}
