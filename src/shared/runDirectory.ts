// The run-directory contract of DESIGN.md. Bump RUN_FORMAT_VERSION on any incompatible change.

export const RUN_FORMAT_VERSION = 1;

export const RUN_FILES = {
  config: 'config.json',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  forwardStrip: 'forward.png',
  samples: 'samples',
  checkpoint: 'checkpoint',
  notes: 'notes.md',
} as const;

export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** status.json */
export interface RunStatus {
  formatVersion: 1;
  state: RunState;
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** Optimiser steps completed so far. */
  step: number;
  epoch: number;
  totalSteps: number;
  pid?: number;
  /** Set when state is failed: what went wrong, and at which step. */
  error?: { message: string; step?: number };
}

/** One line of metrics.jsonl. */
export type MetricRecord =
  | { kind: 'step'; step: number; epoch: number; loss: number; ms: number; imagesPerSec: number; wallMs: number }
  | { kind: 'epoch'; epoch: number; step: number; meanLoss: number; ms: number; wallMs: number }
  | { kind: 'timing'; name: 'forwardDiffusion' | 'sampling' | 'run'; ms: number; batch?: number; steps?: number; wallMs: number }
  | { kind: 'sample'; epoch: number; step: number; strip: string; wallMs: number };
