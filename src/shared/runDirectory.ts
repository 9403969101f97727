// The run-directory contract of docs/architecture.md. Bump RUN_FORMAT_VERSION on any incompatible change.

export const RUN_FORMAT_VERSION = 1;

export const RUN_FILES = {
  config: 'config.json',
  status: 'status.json',
  metrics: 'metrics.jsonl',
  forwardStrip: 'forward.png',
  /** Where each t of forward.png is; see TileIndex. */
  forwardStripIndex: 'forward.json',
  /** x_t of the forward strip's image at many t with one noise draw (the panel's t slider); see ForwardStepsIndex. */
  forwardSteps: 'forward-steps.png',
  forwardStepsIndex: 'forward-steps.json',
  samples: 'samples',
  checkpoint: 'checkpoint',
  notes: 'notes.md',
  /** A display name, a star and labels; see RunAnnotations (runAnnotations.ts). Absent: none. */
  annotations: 'annotations.json',
} as const;

export const RUN_STATES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

/**
 * A run as readers show it. `interrupted`: status.json says running but the process training
 * it is gone; running the same command again (or Resume) continues it. `unreadable`:
 * status.json is missing or broken. `not started`: no run directory yet.
 */
export const RUN_DISPLAY_STATES = [...RUN_STATES, 'interrupted', 'not started', 'unreadable'] as const;
export type RunDisplayState = (typeof RUN_DISPLAY_STATES)[number];

/** What a person does about a run in this state, when there is something to do. */
export const RUN_STATE_HINTS: Partial<Record<RunDisplayState, string>> = {
  interrupted: 'the process training it is gone; run the same command again (or Resume Sweep) to continue from its last checkpoint',
};

/** What a run id (the run directory's name) may hold: letters, digits, `.`, `_` and `-`. */
export const RUN_ID_PATTERN = /^[\w.-]+$/;

export function isRunId(v: unknown): v is string {
  return typeof v === 'string' && RUN_ID_PATTERN.test(v);
}

/** samples/: the reverse strip sampled at the end of an epoch, and the grids. */
export const SAMPLE_FILES = {
  /** `strip-epoch-007.png`: the reverse process of one image, sampled after epoch 7. */
  reverseStrip: (epoch: number) => `strip-epoch-${String(epoch).padStart(3, '0')}.png`,
  reverseStripPattern: /^strip-epoch-(\d+)\.png$/,
  /** `grid-epoch-007.png`: previewCount images sampled after epoch 7 (the strip's first image among them). */
  epochGrid: (epoch: number) => `grid-epoch-${String(epoch).padStart(3, '0')}.png`,
  epochGridPattern: /^grid-epoch-(\d+)\.png$/,
  /** The grid sampled at the end of training (from the weight average when the run keeps one). */
  finalGrid: 'grid-final.png',
  /** With a weight average: the same draw from the trained weights themselves, to compare. */
  finalRawGrid: 'grid-final-raw.png',
  /** Grids sampled later from the checkpoint (`diffusion-lab sample`) start with this. */
  gridPrefix: 'grid',
} as const;

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
  /**
   * The process training the run, written when it starts training. A status that says
   * `running` whose process is gone (or is another process given the same pid later, see
   * pidStart) was interrupted: running the same command again resumes it.
   */
  pid?: number;
  /**
   * When that process started, as an opaque token compared for equality only (on Linux
   * `linux:<boot id>:<start time in clock ticks>` from /proc/PID/stat, elsewhere from `ps`).
   * Absent in run directories written before it existed, and where it cannot be found.
   */
  pidStart?: string;
  /** Set when state is failed: what went wrong, and at which step. */
  error?: { message: string; step?: number };
  /**
   * The Slurm task that trains the run (`<arrayJobId>_<taskIndex>`), set when the sweep was
   * submitted with --scheduler slurm; kept through running, done, failed and cancelled. A
   * queued run with it waits in Slurm's queue: it has no process to check. `host`: the node
   * training it (os.hostname()), from when it runs; the pid means something there only.
   */
  slurm?: { jobId: string; host?: string };
}

/**
 * A run's lock: `runs/.<run-id>.lock`, beside the run directory (not in it, so that a restart
 * may remove the directory). Held by the process that trains the run in a sweep, from before
 * it reads the run directory until it is done with it; made with link(2) so that only one
 * process gets it. A lock whose process is gone is stale and is taken over; a lock whose
 * process is alive but whose `parent` is gone is waited for (that process stops with its
 * parent: it is checkpointing). Never read by anything but sweeps.
 */
export const RUN_LOCK_PREFIX = '.';
export const RUN_LOCK_SUFFIX = '.lock';

/** A process, told apart from a later one given the same pid by its start token (RunStatus.pidStart). */
export interface RunOwner {
  pid: number;
  start?: string;
  /** Set when the process stops as soon as this parent is gone (a sweep's child process, the extension's trainer). */
  parent?: { pid: number; start?: string };
}

/** The content of a run's lock file. Its modification time is the holder's heartbeat. */
export interface RunLockFile extends RunOwner {
  /** When the lock was taken (ISO 8601). */
  since: string;
  /**
   * The machine of the holder (os.hostname()). Seen from another machine (a cluster's login
   * node, a shared folder) a pid means nothing there: the lock is held while its heartbeat is fresh.
   */
  host?: string;
}

/** How often the holder of a run lock touches it, and how old a touch may be before another machine takes the lock as abandoned. */
export const RUN_LOCK_HEARTBEAT_MS = 10_000;
export const RUN_LOCK_STALE_MS = 60_000;

/** forward.json and forward-steps.json: where each t of forward.png and forward-steps.png is. Tiles run left to right, then down. */
export interface TileIndex {
  formatVersion: 1;
  /** The t of each tile, in tile order. */
  t: number[];
  /** Tile width and height in pixels. */
  tile: number;
  columns: number;
  /** Pixels between tiles and around the edge. */
  gap: number;
}

/** forward.png: one image noised at about ten t, each tile upscaled for the report. */
export type ForwardStripIndex = TileIndex;
/** forward-steps.png: the same image at many t with one noise draw (the panel's t slider); tiles are not upscaled. */
export type ForwardStepsIndex = TileIndex;

/** One line of metrics.jsonl. */
export type MetricRecord =
  | { kind: 'step'; step: number; epoch: number; loss: number; ms: number; imagesPerSec: number; wallMs: number }
  | { kind: 'epoch'; epoch: number; step: number; meanLoss: number; ms: number; wallMs: number }
  | { kind: 'timing'; name: 'forwardDiffusion' | 'sampling' | 'run'; ms: number; batch?: number; steps?: number; wallMs: number }
  /** Sampled after an epoch: the reverse strip (stripT: the t of each frame) and (since previewCount) a grid, paths relative to the run directory. */
  | { kind: 'sample'; epoch: number; step: number; strip: string; stripT?: number[]; grid?: string; wallMs: number }
  /** What loading the data found: usable and skipped (corrupt) images, the split, the cache. */
  | { kind: 'data'; images: number; skipped: number; trainImages: number; heldOutImages: number; cache: string; ms: number; wallMs: number }
  | ScheduleRecord
  | EvalRecord;

/** Facts about the noise schedule, written once per run. */
export interface ScheduleRecord {
  kind: 'schedule';
  schedule: string;
  T: number;
  /** sqrt(alphaBar_{T-1}): the share of x_0 left at the last step (0 would be pure noise). */
  sqrtAlphaBarLast: number;
  /** alphaBar_t / (1 - alphaBar_t) at up to 100 evenly spaced t. */
  snr: { t: number[]; value: number[] };
  wallMs: number;
}

/** Common to every quality evaluation on the held-out images. */
interface EvalStamp {
  kind: 'eval';
  epoch: number;
  step: number;
  /** Held-out images used (per set, for SWD). */
  images: number;
  seed: number;
  /** Time the evaluation took. */
  ms: number;
  wallMs: number;
}

/** The denoising loss at fixed bands of t; mse alongside, to compare runs trained with different losses. */
export interface HeldOutLossRecord extends EvalStamp {
  metric: 'heldOutLoss';
  loss: string;
  buckets: Array<{ tFrom: number; tTo: number; loss: number; mse: number }>;
  meanLoss: number;
  meanMse: number;
}

/** DDPM's variational bound in bits/dim: total = prior (L_T) + diffusion (sum of L_{t-1}) + decoder (L_0). */
export interface BitsPerDimRecord extends EvalStamp {
  metric: 'bitsPerDim';
  total: number;
  prior: number;
  diffusion: number;
  diffusionStdErr: number;
  decoder: number;
  /** How many diffusion steps were evaluated (T - 1 when exact). */
  timesteps: number;
  exact: boolean;
  variance: 'posterior' | 'beta';
  clipDenoised: boolean;
}

/** Sliced Wasserstein distance x 1e3 (Karras et al. 2018) per pyramid level, generated vs held-out and real vs real. */
export interface SlicedWassersteinRecord extends EvalStamp {
  metric: 'swd';
  resolutions: number[];
  swd: number[];
  average: number;
  /** The same metric between two disjoint held-out subsets of the same size: what "as good as real" scores. */
  floor: number[];
  floorAverage: number;
  /** Runs with emaDecay > 0: `ema` (the weight average, what the grids show) or `raw` (the trained weights, at the end only). */
  weights?: 'ema' | 'raw';
}

export type EvalRecord = HeldOutLossRecord | BitsPerDimRecord | SlicedWassersteinRecord;
