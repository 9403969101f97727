// Messages between the extension host (or any parent process) and the trainer process.
import type { BackendName } from './options';
import type { RunConfig } from './runConfig';
import type { RunState } from './runDirectory';

/** What the trainer reports while it works. The CLI prints these; the extension forwards them. */
export type TrainerEvent =
  | { type: 'run-started'; runId: string; runDir: string; backend: BackendName; gpu?: string; totalSteps: number; resumedFromStep: number }
  | { type: 'data-progress'; runId: string; done: number; total: number; imagesPerSec: number; etaMs: number; skipped: number }
  | { type: 'phase'; runId: string; phase: 'forward-strip' | 'training' | 'sampling' | 'checkpoint'; detail?: string }
  | { type: 'step'; runId: string; step: number; epoch: number; totalSteps: number; loss: number; imagesPerSec: number; etaMs: number }
  | { type: 'epoch'; runId: string; epoch: number; meanLoss: number; ms: number }
  | { type: 'image'; runId: string; kind: 'forward-strip' | 'reverse-strip' | 'sample-grid'; file: string; epoch: number }
  | { type: 'run-ended'; runId: string; runDir: string; state: RunState; error?: string };

/** Parent -> trainer. */
export type TrainerCommand =
  | { type: 'train'; config: RunConfig; outDir: string; runId?: string }
  | { type: 'resume'; runDir: string }
  | { type: 'stop' };

/** Trainer -> parent: events, plus a final word when the process is about to exit. */
export type TrainerMessage = { type: 'event'; event: TrainerEvent } | { type: 'fatal'; message: string };
