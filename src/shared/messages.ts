// Messages between the extension host (or any parent process) and the trainer process.
import type { BackendName } from './options';
import type { RunConfig } from './runConfig';
import type { RunDisplayState, RunState } from './runDirectory';
import type { SweepRun } from './sweepSpec';

/** What the trainer reports while it works. The CLI prints these; the extension forwards them. */
export type TrainerEvent =
  | { type: 'run-started'; runId: string; runDir: string; backend: BackendName; gpu?: string; totalSteps: number; resumedFromStep: number }
  | { type: 'data-progress'; runId: string; done: number; total: number; imagesPerSec: number; etaMs: number; skipped: number }
  | { type: 'phase'; runId: string; phase: 'data' | 'forward-strip' | 'training' | 'sampling' | 'evaluation' | 'checkpoint'; detail?: string }
  | { type: 'step'; runId: string; step: number; epoch: number; totalSteps: number; loss: number; imagesPerSec: number; etaMs: number }
  | { type: 'epoch'; runId: string; epoch: number; meanLoss: number; ms: number }
  | { type: 'image'; runId: string; kind: 'forward-strip' | 'reverse-strip' | 'sample-grid'; file: string; epoch: number }
  | { type: 'run-ended'; runId: string; runDir: string; state: RunState; error?: string }
  | SweepEvent;

/** A run of a sweep as the host lists it before any of them starts. */
export interface SweepRunEntry {
  runId: string;
  varied: SweepRun['varied'];
  /** What every view calls it when it has no display name (generatedRunLabel): `T=250`, `T=300 (base)`. */
  label: string;
}

/** What a `sweep` command reports besides its runs' own events. */
export type SweepEvent =
  /** The sweep file was read, resolved and sweep.json written; runs follow one by one. */
  | { type: 'sweep-started'; sweepId: string; name: string; sweepFile: string; resolvedFile: string; runs: SweepRunEntry[]; maxParallelRuns: number }
  /** What the sweep does with one run now: `training`, `resuming ...`, `done already, skipped`, ... */
  /** `leftAs`: the sweep does not train the run now, which stays in that state (done already, failed earlier, ...). */
  | { type: 'sweep-run'; sweepId: string; runId: string; index: number; action: string; leftAs?: RunDisplayState }
  | { type: 'sweep-ended'; sweepId: string; stopped: boolean; runs: Array<{ runId: string; state: RunDisplayState; error?: string }> }
  /** The sweep file cannot be run: each problem is `json.path: what is wrong` (or a parse error with line and column). */
  | { type: 'sweep-rejected'; file: string; problems: string[] };

/** Parent -> trainer. */
export type TrainerCommand =
  | { type: 'train'; config: RunConfig; outDir: string; runId?: string }
  | { type: 'resume'; runDir: string }
  /** Trains a sweep file's runs, skipping done ones and resuming interrupted ones; maxParallelRuns overrides the file's. */
  | { type: 'sweep'; file: string; outDir: string; maxParallelRuns?: number }
  /** Without runId: stop everything. With runId: stop that run only; a sweep goes on with the next. */
  | { type: 'stop'; runId?: string };

/** Trainer -> parent: events, plus a final word when the process is about to exit. */
export type TrainerMessage =
  | { type: 'event'; event: TrainerEvent }
  | { type: 'fatal'; message: string }
  /** A line of progress for a person (the Output channel), e.g. a sweep's per-run log. */
  | { type: 'log'; line: string };
