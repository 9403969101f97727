// Messages between the extension host and the results panel's webview, and the checks
// both sides run on what they receive: a webview is a page (anything may post to it) and
// the host must not trust what a page says either. No DOM, vscode or tfjs import.

export const PANEL_TABS = ['loss', 'noise', 'samples', 'compare', 'notes'] as const;
export type PanelTab = (typeof PANEL_TABS)[number];

/** What one panel shows: a single run, or a sweep with all its runs. Paths are absolute. */
export type PanelTarget = { kind: 'run'; runDir: string } | { kind: 'sweep'; sweepDir: string };

/** A value of a run-config field as the panel shows it. */
export type FieldValue = string | number | boolean;

/** Numbers the Compare table shows; absent when the run has not (yet) written them. */
export interface RunMeasureSummary {
  /** Median epoch duration. */
  msPerEpoch?: number;
  /** q(x_t | x_0) for one batch of `forwardBatch` images. */
  forwardMs?: number;
  forwardBatch?: number;
  /** Reverse sampling: `samplingSteps` steps for `samplingBatch` images. */
  samplingMs?: number;
  samplingBatch?: number;
  samplingSteps?: number;
  /** Mean training loss over the last epoch reached. */
  finalLoss?: number;
  /** Lowest per-epoch mean loss. */
  bestLoss?: number;
  heldOutMse?: number;
  bitsPerDim?: number;
  /** The Monte-Carlo standard error of bitsPerDim (BitsPerDimRecord.diffusionStdErr): the Compare plot's error bars. */
  bitsPerDimStdErr?: number;
  swd?: number;
  swdFloor?: number;
  /** With a weight average: the final SWD of the raw weights (swd is the average's). */
  swdRaw?: number;
  /** Wall time over every session of the run. */
  totalMs?: number;
}

/** Noise-schedule curves at up to a few hundred t, for the schedule plot. */
export interface ScheduleCurves {
  name: string;
  T: number;
  t: number[];
  /** sqrt(alphaBar_t): the share of x_0 left in x_t. */
  sqrtAlphaBar: number[];
  /** alphaBar_t / (1 - alphaBar_t). */
  snr: number[];
}

/** x_t of one image at many t, tiled in one PNG (rows of `columns` tiles, `gap` px apart, `gap` px border). */
export interface ForwardStepsImage {
  uri: string;
  t: number[];
  /** Tile width and height in image pixels. */
  tile: number;
  columns: number;
  gap: number;
}

/** A sliced Wasserstein distance (x 1e3) of generated against held-out images, with its floor (real against real) at the same N. */
export interface SwdScore {
  value: number;
  floor: number;
  /** Images per set: the floor depends on it, so scores at different N do not compare. */
  images: number;
}

/** What was sampled after one epoch (for the last epoch: the strip of the end-of-training pass). */
export interface SampleImages {
  epoch: number;
  /** Reverse-process strip of one image, noise first. */
  strip?: string;
  /** The t of each frame of the strip (the denoising step after which it was taken). */
  stripT?: number[];
  /** The preview images sampled after this epoch (grid-epoch-NNN.png). */
  grid?: string;
  /** The run's wall time when it was sampled, over every session. */
  atMs?: number;
  /** The preview images' SWD. */
  swd?: SwdScore;
}

/** The end of training: the final grid and, for a run with a weight average, the same draw from the raw weights. */
export interface FinalSamples {
  epoch: number;
  /** grid-final.png, or a newer grid sampled later from the checkpoint (`later`). */
  grid?: string;
  /** The grid was sampled after training (`diffusion-lab sample`): the final SWD is not its score. */
  later?: boolean;
  /** True when `grid` comes from the weight average (emaDecay > 0). */
  ema: boolean;
  /** grid-final-raw.png. */
  rawGrid?: string;
  atMs?: number;
  swd?: SwdScore;
  swdRaw?: SwdScore;
}

/** Everything the panel shows about one run, except its loss points (sent as `points`). */
export interface RunSummary {
  runId: string;
  /** What the run is called: its display name (annotations.json), else the generated label (the varied values, or the run id). */
  label: string;
  /** The label the run has without a display name: what Rename offers to go back to. */
  generatedLabel?: string;
  /** The name the person gave the run; absent: none. */
  displayName?: string;
  starred?: boolean;
  /** Free labels (tags) the person gave the run. */
  labels?: string[];
  /** Position in its sweep (or 0): gives the run its colour, stable while runs are added. */
  colorIndex: number;
  state: string;
  varied: Record<string, FieldValue>;
  /** The hyperparameters that matter for comparing (T, size, batch, activation, loss, schedule, ...). */
  config: Record<string, FieldValue>;
  /** Optimiser steps per epoch, when known: for the epoch x axis. */
  stepsPerEpoch?: number;
  step?: number;
  totalSteps?: number;
  measures: RunMeasureSummary;
  schedule?: ScheduleCurves;
  /** The forward strip (forward.png): one image at the listed t. */
  forwardStrip?: { uri: string; t: number[]; tile: number; gap: number };
  forwardSteps?: ForwardStepsImage;
  /** By epoch. */
  samples: SampleImages[];
  final?: FinalSamples;
  error?: string;
}

/** A notes.md as the panel edits it; `version` names the content (a hash) to detect changes on disk. */
export interface NotesDocument {
  /** Path shown to the person. */
  file: string;
  text: string;
  version: string;
  /** Webview URI of the folder holding the notes, so relative image links in the preview resolve. */
  baseUri?: string;
}

/** New loss points of one run since the last message (or all of them when `reset`). */
export interface LossPoints {
  runId: string;
  reset: boolean;
  step: number[];
  /** Seconds of training wall time (sessions of a resumed run added up). */
  wallSec: number[];
  loss: number[];
}

export type HostToPanelMessage =
  | {
    type: 'init';
    target: PanelTarget;
    title: string;
    /** Sweep fields whose value differs between runs: the Compare table's parameter columns. */
    variedFields: string[];
    runs: RunSummary[];
    notes: NotesDocument | null;
    /** The tab to show first, when the command asked for one (Open Notes). */
    tab?: PanelTab;
    /** How the person left this run's or sweep's panel last time, to restore on reopening. */
    viewState?: PanelViewState;
    /** The smoothing last chosen in any panel: a panel with no view state of its own starts with it. */
    lastSmoothing?: number;
  }
  /** Runs that are new or changed; others stay as they are. */
  | { type: 'runs'; runs: RunSummary[]; variedFields?: string[] }
  | { type: 'points'; series: LossPoints[] }
  /** The notes changed on disk (or were first created). */
  | { type: 'notes'; doc: NotesDocument }
  | { type: 'notes-saved'; version: string }
  /** A save was refused: the file changed on disk since `baseVersion`. */
  | { type: 'notes-conflict'; disk: NotesDocument }
  | { type: 'notes-error'; message: string }
  | { type: 'show-tab'; tab: PanelTab }
  /** Reading the run directories failed (which file, what is wrong); null once a read succeeds again. */
  | { type: 'read-error'; message: string | null };

export type PanelToHostMessage =
  | { type: 'ready' }
  /** Save notes.md, unless it changed on disk since `baseVersion` (then the host answers notes-conflict). */
  | { type: 'save-notes'; text: string; baseVersion: string; force?: boolean }
  /**
   * What is typed but not saved yet (null: nothing), sent with every change: the host writes it
   * if the panel is closed within the save delay, when the page goes with no time to save.
   */
  | { type: 'notes-draft'; draft: NotesDraft | null }
  /** Open a run's file or folder in the editor. */
  | { type: 'open'; runId: string; what: 'notes' | 'folder' | 'metrics' }
  /** The view changed (tab, selection, chart options): kept so that reopening the panel restores it. */
  | { type: 'view-state'; state: PanelViewState }
  /** Star or unstar a run, or ask (in VS Code's own input) for its new name or labels; the host writes annotations.json. */
  | { type: 'annotate-run'; runId: string; action: AnnotateRunAction }
  /** Save a chart as a file (the host asks where): `data` is a PNG data URL or an SVG document. */
  | { type: 'save-image'; format: ChartImageFormat; suggestedName: string; data: string }
  /**
   * Export the Compare table as CSV: the page says only what to export (these runs, grouped or not);
   * the host builds the CSV from its own reading of the runs (comparisonCsv.ts) and asks where to save it.
   */
  | { type: 'export-csv'; runIds: string[]; groupBy?: GroupBy };

/** Group runs by these varied fields, or by every varied field except the seed (`all`): runGroups.ts. */
export type GroupBy = 'all' | readonly string[];

/** How the loss chart draws a group (with a Group by chosen): each run, or the group's mean with a ±std or min-max band. */
export const LOSS_GROUP_VIEWS = ['runs', 'mean-std', 'mean-range'] as const;
export type LossGroupView = (typeof LOSS_GROUP_VIEWS)[number];

export const CHART_IMAGE_FORMATS = ['png', 'svg'] as const;
export type ChartImageFormat = (typeof CHART_IMAGE_FORMATS)[number];
/** The PNG data URL's start: nothing else is written as a .png. */
export const PNG_DATA_URL_PREFIX = 'data:image/png;base64,';

export const ANNOTATE_RUN_ACTIONS = ['star', 'unstar', 'rename', 'edit-labels'] as const;
export type AnnotateRunAction = (typeof ANNOTATE_RUN_ACTIONS)[number];

/** What the webview keeps with getState/setState; VS Code also hands it to the serializer after a reload. */
export interface PanelViewState {
  target: PanelTarget;
  tab: PanelTab;
  selectedRuns: string[];
  smoothing: number;
  xAxis: 'step' | 'epoch' | 'wall';
  logY: boolean;
  /** The epoch whose reverse-process strips the Samples tab's slider shows; absent: the latest. */
  sampleEpoch?: number;
  /** The t the Noise steps tab's slider shows. */
  noiseT?: number;
  /** The Compare tab's Group by (the Loss tab's groups too); absent: none. */
  groupBy?: GroupBy;
  /** How the Loss tab draws the groups; absent: each run. */
  lossGroups?: LossGroupView;
  /**
   * Notes typed but not yet confirmed saved, and the version they were typed on: kept in the
   * webview's state (not sent to the host's memento) so that hiding the panel or reloading the
   * window during the save delay loses nothing; the restored page saves them.
   */
  notesDraft?: NotesDraft;
}

export interface NotesDraft {
  text: string;
  baseVersion: string;
}

// ---- checks ------------------------------------------------------------------------------

type Check<T> = (v: unknown) => v is T;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString: Check<string> = (v): v is string => typeof v === 'string';
const isFiniteNumber: Check<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
const isBoolean: Check<boolean> = (v): v is boolean => typeof v === 'boolean';
const isFieldValue: Check<FieldValue> = (v): v is FieldValue => isString(v) || isFiniteNumber(v) || isBoolean(v);
const arrayOf = <T>(item: Check<T>): Check<T[]> => (v): v is T[] => Array.isArray(v) && v.every((x) => item(x));
const recordOf = <T>(item: Check<T>): Check<Record<string, T>> => (v): v is Record<string, T> => isObject(v) && Object.values(v).every((x) => item(x));
const optional = <T>(item: Check<T>): Check<T | undefined> => (v): v is T | undefined => v === undefined || item(v);
const oneOf = <T extends string>(values: readonly T[]): Check<T> => (v): v is T => typeof v === 'string' && (values as readonly string[]).includes(v);

/** An object whose listed fields pass their checks (other fields are allowed and ignored). */
function shape<T>(fields: { [K in keyof T]-?: Check<T[K]> }): Check<T> {
  return (v): v is T => isObject(v) && Object.entries(fields).every(([k, check]) => (check as Check<unknown>)(v[k]));
}

/** A plain loop: these arrays hold every loss point and schedule value, and a closure per element is slow in cold code. */
const isNumbers: Check<number[]> = (v): v is number[] => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  }
  return true;
};
const isTab = oneOf(PANEL_TABS);
const isNonEmptyString: Check<string> = (v): v is string => isString(v) && v.length > 0;
/** `all`, or one or more field names. */
const isGroupBy: Check<GroupBy> = (v): v is GroupBy => v === 'all' || (arrayOf(isNonEmptyString)(v) && v.length > 0);
const isCount: Check<number> = (v): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isSmoothing: Check<number> = (v): v is number => isFiniteNumber(v) && v >= 0 && v < 1;

export const isPanelTarget: Check<PanelTarget> = (v): v is PanelTarget =>
  isObject(v) && ((v.kind === 'run' && isString(v.runDir) && v.runDir.length > 0) || (v.kind === 'sweep' && isString(v.sweepDir) && v.sweepDir.length > 0));

const isMeasures = shape<RunMeasureSummary>({
  msPerEpoch: optional(isFiniteNumber), forwardMs: optional(isFiniteNumber), forwardBatch: optional(isFiniteNumber),
  samplingMs: optional(isFiniteNumber), samplingBatch: optional(isFiniteNumber), samplingSteps: optional(isFiniteNumber),
  finalLoss: optional(isFiniteNumber), bestLoss: optional(isFiniteNumber), heldOutMse: optional(isFiniteNumber),
  bitsPerDim: optional(isFiniteNumber), bitsPerDimStdErr: optional(isFiniteNumber), swd: optional(isFiniteNumber), swdFloor: optional(isFiniteNumber), swdRaw: optional(isFiniteNumber),
  totalMs: optional(isFiniteNumber),
});

const isSchedule: Check<ScheduleCurves> = (v): v is ScheduleCurves =>
  shape<ScheduleCurves>({ name: isString, T: isFiniteNumber, t: isNumbers, sqrtAlphaBar: isNumbers, snr: isNumbers })(v) &&
  v.sqrtAlphaBar.length === v.t.length && v.snr.length === v.t.length;

const isForwardSteps = shape<ForwardStepsImage>({ uri: isString, t: isNumbers, tile: isFiniteNumber, columns: isFiniteNumber, gap: isFiniteNumber });
const isForwardStrip = shape<NonNullable<RunSummary['forwardStrip']>>({ uri: isString, t: isNumbers, tile: isFiniteNumber, gap: isFiniteNumber });
const isSwdScore = shape<SwdScore>({ value: isFiniteNumber, floor: isFiniteNumber, images: isFiniteNumber });
const isSample = shape<SampleImages>({
  epoch: isFiniteNumber, strip: optional(isString), stripT: optional(isNumbers), grid: optional(isString),
  atMs: optional(isFiniteNumber), swd: optional(isSwdScore),
});
const isFinalSamples = shape<FinalSamples>({
  epoch: isFiniteNumber, grid: optional(isString), later: optional(isBoolean), ema: isBoolean, rawGrid: optional(isString),
  atMs: optional(isFiniteNumber), swd: optional(isSwdScore), swdRaw: optional(isSwdScore),
});

export const isRunSummary = shape<RunSummary>({
  runId: isString, label: isString, colorIndex: isFiniteNumber, state: isString,
  generatedLabel: optional(isString), displayName: optional(isString), starred: optional(isBoolean), labels: optional(arrayOf(isString)),
  varied: recordOf(isFieldValue), config: recordOf(isFieldValue),
  stepsPerEpoch: optional(isFiniteNumber), step: optional(isFiniteNumber), totalSteps: optional(isFiniteNumber),
  measures: isMeasures, schedule: optional(isSchedule),
  forwardStrip: optional(isForwardStrip), forwardSteps: optional(isForwardSteps),
  samples: arrayOf(isSample), final: optional(isFinalSamples), error: optional(isString),
});

const isNotesDocument = shape<NotesDocument>({ file: isString, text: isString, version: isString, baseUri: optional(isString) });

const isLossPoints: Check<LossPoints> = (v): v is LossPoints =>
  shape<LossPoints>({ runId: isString, reset: isBoolean, step: isNumbers, wallSec: isNumbers, loss: isNumbers })(v) &&
  v.wallSec.length === v.step.length && v.loss.length === v.step.length;

const hostMessageChecks: { [K in HostToPanelMessage['type']]: Check<Extract<HostToPanelMessage, { type: K }>> } = {
  'init': shape({
    type: oneOf(['init'] as const), target: isPanelTarget, title: isString, variedFields: arrayOf(isString),
    runs: arrayOf(isRunSummary), notes: (v): v is NotesDocument | null => v === null || isNotesDocument(v), tab: optional(isTab),
    viewState: optional((v): v is PanelViewState => isPanelViewState(v)), lastSmoothing: optional(isSmoothing),
  }),
  'runs': shape({ type: oneOf(['runs'] as const), runs: arrayOf(isRunSummary), variedFields: optional(arrayOf(isString)) }),
  'points': shape({ type: oneOf(['points'] as const), series: arrayOf(isLossPoints) }),
  'notes': shape({ type: oneOf(['notes'] as const), doc: isNotesDocument }),
  'notes-saved': shape({ type: oneOf(['notes-saved'] as const), version: isString }),
  'notes-conflict': shape({ type: oneOf(['notes-conflict'] as const), disk: isNotesDocument }),
  'notes-error': shape({ type: oneOf(['notes-error'] as const), message: isString }),
  'show-tab': shape({ type: oneOf(['show-tab'] as const), tab: isTab }),
  'read-error': shape({ type: oneOf(['read-error'] as const), message: (v): v is string | null => v === null || isString(v) }),
};

const isNotesDraft = shape<NotesDraft>({ text: isString, baseVersion: isString });

const panelMessageChecks: { [K in PanelToHostMessage['type']]: Check<Extract<PanelToHostMessage, { type: K }>> } = {
  'ready': shape({ type: oneOf(['ready'] as const) }),
  'save-notes': shape({ type: oneOf(['save-notes'] as const), text: isString, baseVersion: isString, force: optional(isBoolean) }),
  'notes-draft': shape({ type: oneOf(['notes-draft'] as const), draft: (v): v is NotesDraft | null => v === null || isNotesDraft(v) }),
  'open': shape({ type: oneOf(['open'] as const), runId: isString, what: oneOf(['notes', 'folder', 'metrics'] as const) }),
  'view-state': shape({ type: oneOf(['view-state'] as const), state: (v): v is PanelViewState => isPanelViewState(v) }),
  'annotate-run': shape({ type: oneOf(['annotate-run'] as const), runId: (v): v is string => isString(v) && v.length > 0, action: oneOf(ANNOTATE_RUN_ACTIONS) }),
  // The data itself is checked by the host before anything is written (savedChartImage.ts): a bad image is then an error that says what is wrong, not a click that does nothing.
  'save-image': shape({ type: oneOf(['save-image'] as const), format: oneOf(CHART_IMAGE_FORMATS), suggestedName: isString, data: isString }),
  // Run ids and fields that the host does not know are refused there, by name (csvExport.ts).
  'export-csv': shape({ type: oneOf(['export-csv'] as const), runIds: arrayOf(isNonEmptyString), groupBy: optional(isGroupBy) }),
};

function checkByType<M extends { type: string }>(checks: Record<string, Check<unknown>>, v: unknown): v is M {
  if (!isObject(v) || !isString(v.type) || !Object.hasOwn(checks, v.type)) return false;
  return checks[v.type]!(v);
}

/** The webview's check on everything it receives. */
export function isHostToPanelMessage(v: unknown): v is HostToPanelMessage {
  return checkByType<HostToPanelMessage>(hostMessageChecks, v);
}

/** The host's check on everything the webview posts. */
export function isPanelToHostMessage(v: unknown): v is PanelToHostMessage {
  return checkByType<PanelToHostMessage>(panelMessageChecks, v);
}

const isViewState = shape<PanelViewState>({
  target: isPanelTarget, tab: isTab, selectedRuns: arrayOf(isString),
  smoothing: isSmoothing,
  xAxis: oneOf(['step', 'epoch', 'wall'] as const), logY: isBoolean,
  sampleEpoch: optional(isCount), noiseT: optional(isCount),
  groupBy: optional(isGroupBy), lossGroups: optional(oneOf(LOSS_GROUP_VIEWS)),
  notesDraft: optional(isNotesDraft),
});

/** The host's check on the state VS Code hands back after a reload (it was written by the webview). */
export function isPanelViewState(v: unknown): v is PanelViewState {
  return isViewState(v);
}
