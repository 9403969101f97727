// What a session's notification and status-bar item say, from where each of its runs is:
// how many runs are running, done and queued (runs train in parallel, so no "run 1 of 3"),
// what the running ones do, the share of the whole sweep's steps done and an ETA. Pure: the
// views (sweepProgressViews.ts) only show it. No VS Code import.
import { formatDuration } from '../shared/formatting';
import type { RunProgress, TrainerPhase } from './trainingSession';

/** The phases in words, as a person would say what the run is doing. */
export const PHASE_WORDS: Record<TrainerPhase, string> = {
  data: 'loading data',
  'forward-strip': 'drawing the forward process',
  training: 'training',
  sampling: 'sampling',
  evaluation: 'evaluating',
  checkpoint: 'checkpointing',
};

export interface SessionProgressInput {
  what: 'sweep' | 'run';
  name: string;
  /** Every run of the session, in the sweep's order; empty until the trainer has listed them. */
  runs: readonly RunProgress[];
}

export interface RunCounts {
  running: number;
  done: number;
  queued: number;
  failed: number;
  cancelled: number;
  /** Left as they were (running in another process, unreadable) or never started. */
  skipped: number;
}

export interface SessionProgressText {
  counts: RunCounts;
  /** Of the whole session's steps, 0-100; undefined before anything is known. */
  percent: number | undefined;
  etaMs: number | undefined;
  /** The notification's message (its title names the sweep). */
  message: string;
  /** The status-bar item's text. */
  statusText: string;
  tooltip: string;
}

export function describeSessionProgress(input: SessionProgressInput): SessionProgressText {
  const { runs } = input;
  const counts = countRuns(runs);
  const { percent, etaMs } = stepsProgress(runs);
  const share = percent === undefined ? [] : [`${Math.floor(percent)}%`];
  const eta = etaMs === undefined ? [] : [`ETA ${formatDuration(etaMs)}`];
  const active = runs.filter((r) => r.state === 'active');
  const title = `${input.what === 'sweep' ? 'Sweep' : 'Run'} ${input.name}`;
  const spin = '$(loading~spin)';
  if (runs.length === 0) {
    return { counts, percent, etaMs, message: 'starting', statusText: `${spin} ${input.name} · starting`, tooltip: `${title}: starting the trainer` };
  }
  if (input.what === 'run') {
    const run = active[0];
    const doing = run ? describeActiveRun(run) : runs[0]!.state;
    return {
      counts, percent, etaMs,
      message: [doing, ...share, ...eta].join(' · '),
      statusText: [`${spin} ${input.name}`, ...share].join(' · '),
      tooltip: `${title}: ${[doing, ...share, ...eta].join(', ')}. Click to open its results.`,
    };
  }
  const tally = describeCounts(counts);
  const doing = active.map((r) => `${r.label}: ${describeActiveRun(r)}`);
  const finished = runs.length - counts.running - counts.queued;
  return {
    counts, percent, etaMs,
    message: [tally, ...share, ...eta, ...doing].join(' · '),
    statusText: [`${spin} ${input.name} ${finished}/${runs.length} done`, ...share].join(' · '),
    tooltip: `${title}: ${tally}${percent === undefined ? '' : `; ${Math.floor(percent)}% of its steps`}${etaMs === undefined ? '' : `; ETA ${formatDuration(etaMs)}`}.` +
      (doing.length > 0 ? `\n${doing.join('\n')}` : '') + '\nClick to open its results.',
  };
}

/** `2 running, 1 done, 0 queued`, then failed, cancelled and skipped when there are any. */
export function describeCounts(c: RunCounts): string {
  const extra = ([['failed', c.failed], ['cancelled', c.cancelled], ['skipped', c.skipped]] as const).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
  return [`${c.running} running`, `${c.done} done`, `${c.queued} queued`, ...extra].join(', ');
}

/** `training, step 340/1000`, `sampling`, or `starting` before the trainer names a phase. */
export function describeActiveRun(r: RunProgress): string {
  if (!r.phase) return 'starting';
  const words = PHASE_WORDS[r.phase] ?? r.phase; // a phase a newer trainer added: its own name
  return r.phase === 'training' && r.totalSteps !== undefined ? `${words}, step ${r.step}/${r.totalSteps}` : words;
}

export function countRuns(runs: readonly RunProgress[]): RunCounts {
  const c: RunCounts = { running: 0, done: 0, queued: 0, failed: 0, cancelled: 0, skipped: 0 };
  for (const r of runs) {
    switch (r.state) {
      case 'active': c.running++; break;
      case 'done': c.done++; break;
      case 'queued': c.queued++; break;
      case 'failed': c.failed++; break;
      case 'cancelled': c.cancelled++; break;
      default: c.skipped++; break;
    }
  }
  return c;
}

/**
 * The share of the session's steps done and the time the rest takes at the running runs'
 * combined rate (each run's rate from its trainer's etaMs). A run not started yet counts the
 * mean steps of the runs that have started; a run that ended counts all of its steps.
 */
export function stepsProgress(runs: readonly RunProgress[]): { percent: number | undefined; etaMs: number | undefined } {
  const known = runs.map((r) => r.totalSteps).filter((n): n is number => n !== undefined && n > 0);
  if (known.length === 0) {
    const ended = runs.filter((r) => r.state !== 'active' && r.state !== 'queued').length;
    return { percent: runs.length > 0 && ended > 0 ? (100 * ended) / runs.length : undefined, etaMs: undefined };
  }
  const typical = known.reduce((a, b) => a + b, 0) / known.length;
  let total = 0;
  let completed = 0;
  let stepsPerMs = 0;
  for (const r of runs) {
    const steps = r.totalSteps ?? typical;
    total += steps;
    if (r.state === 'active') {
      const step = Math.min(r.step, steps);
      completed += step;
      if (r.etaMs !== undefined && r.etaMs > 0 && steps > step) stepsPerMs += (steps - step) / r.etaMs;
    } else if (r.state !== 'queued') {
      completed += steps;
    }
  }
  const remaining = total - completed;
  return {
    percent: Math.min(100, (100 * completed) / total),
    etaMs: stepsPerMs > 0 && remaining > 0 ? remaining / stepsPerMs : undefined,
  };
}
