// Checks what arrives from a trainer process before the host uses it: a trainer built from
// another version, a crashed write or a stray `process.send` must not reach the tree as
// `undefined`s. Returns the message or why it is not one (for the log).
import type { SweepEvent, TrainerEvent, TrainerMessage } from './messages';
import { BACKEND_NAMES } from './options';
import { RUN_DISPLAY_STATES, RUN_STATES, isRunId } from './runDirectory';

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const id: Check = isRunId;
const num: Check = (v) => typeof v === 'number' && !Number.isNaN(v);
const count: Check = (v) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const bool: Check = (v) => typeof v === 'boolean';
const oneOf = (...values: string[]): Check => (v) => typeof v === 'string' && values.includes(v);
const optional = (c: Check): Check => (v) => v === undefined || c(v);
const record: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const shape = (fields: Record<string, Check>): Check => (v) => record(v) && Object.entries(fields).every(([k, c]) => c((v as Record<string, unknown>)[k]));

/** The fields each event must have; fields not listed pass through untouched. */
const EVENT_FIELDS: { [K in TrainerEvent['type']]: Record<string, Check> } = {
  'run-started': { runId: id, runDir: str, backend: oneOf(...BACKEND_NAMES), gpu: optional(str), totalSteps: count, resumedFromStep: count },
  'data-progress': { runId: id, done: count, total: count, imagesPerSec: num, etaMs: num, skipped: count },
  // Phases and image kinds are only shown, and the trainer adds new ones: any name passes.
  phase: { runId: id, phase: str, detail: optional(str) },
  step: { runId: id, step: count, epoch: count, totalSteps: count, loss: num, imagesPerSec: num, etaMs: num },
  epoch: { runId: id, epoch: count, meanLoss: num, ms: num },
  image: { runId: id, kind: str, file: str, epoch: count },
  'run-ended': { runId: id, runDir: str, state: oneOf(...RUN_STATES), error: optional(str) },
  'sweep-started': {
    sweepId: id, name: str, sweepFile: str, resolvedFile: str, maxParallelRuns: count,
    runs: arrayOf(shape({ runId: id, varied: record, label: str })),
  },
  'sweep-run': { sweepId: id, runId: id, index: count, action: str, leftAs: optional(oneOf(...RUN_DISPLAY_STATES)) },
  'sweep-ended': {
    sweepId: id, stopped: bool,
    runs: arrayOf(shape({ runId: id, state: oneOf(...RUN_DISPLAY_STATES), error: optional(str) })),
  },
  'sweep-rejected': { file: str, problems: arrayOf(str) },
};

export function parseTrainerMessage(raw: unknown): TrainerMessage | string {
  if (!record(raw)) return `not an object: ${preview(raw)}`;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'fatal':
      return str(m.message) ? { type: 'fatal', message: m.message as string } : 'fatal: message must be a string';
    case 'log':
      return str(m.line) ? { type: 'log', line: m.line as string } : 'log: line must be a string';
    case 'event': {
      const event = parseTrainerEvent(m.event);
      return typeof event === 'string' ? event : { type: 'event', event };
    }
    default:
      return `unknown message type ${preview(m.type)}`;
  }
}

export function parseTrainerEvent(raw: unknown): TrainerEvent | string {
  if (!record(raw)) return `event is not an object: ${preview(raw)}`;
  const e = raw as Record<string, unknown>;
  const fields = Object.prototype.hasOwnProperty.call(EVENT_FIELDS, String(e.type)) ? EVENT_FIELDS[e.type as TrainerEvent['type']] : undefined;
  if (!fields) return `unknown event type ${preview(e.type)}`;
  for (const [field, check] of Object.entries(fields)) {
    if (!check(e[field])) return `${String(e.type)}: bad ${field}: ${preview(e[field])}`;
  }
  return e as unknown as TrainerEvent;
}

export function isSweepEvent(e: TrainerEvent): e is SweepEvent {
  return e.type.startsWith('sweep-');
}

function preview(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v); // a BigInt or a cycle: a preview only needs something to show
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
