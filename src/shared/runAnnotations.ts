// What a person says about a run besides their notes: a display name, a star and free labels,
// kept in the run directory's annotations.json (never in notes.md, which is their prose, nor in
// config.json, which is what was trained). The file is versioned; a file of an unknown version or
// edited into nonsense is ignored with a problem that names it and what is wrong, and the run
// still shows. No fs import: the webview checks edits with the same rules.

/** Bump on an incompatible change; new optional fields keep the version (readers ignore fields they do not know). */
export const RUN_ANNOTATIONS_VERSION = 1;

/** annotations.json */
export interface RunAnnotations {
  version: typeof RUN_ANNOTATIONS_VERSION;
  /** Shown instead of the generated label (`T 250`); absent: the generated one. */
  name?: string;
  starred?: boolean;
  /** Free tags, in the order given, no duplicates. */
  labels?: string[];
}

export const MAX_RUN_NAME_LENGTH = 80;
export const MAX_LABEL_LENGTH = 40;
export const MAX_LABELS = 20;

/** A change asked for by a command, the CLI or the panel; absent fields stay as they are. */
export interface RunAnnotationEdit {
  /** null or empty: back to the generated name. */
  name?: string | null;
  starred?: boolean;
  /** Replaces the labels. */
  labels?: string[];
  addLabels?: string[];
  removeLabels?: string[];
}

export type AnnotationsCheck = { ok: true; annotations: RunAnnotations } | { ok: false; problem: string };

/** Checks annotations.json's text; `file` names it in the problem. */
export function parseRunAnnotations(text: string, file: string): AnnotationsCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `${file}: not valid JSON (${(err as Error).message}); ignored` };
  }
  const wrong = whatIsWrong(value);
  if (wrong) return { ok: false, problem: `${file}: ${wrong}; ignored` };
  const v = value as Record<string, unknown>;
  const annotations: RunAnnotations = { version: RUN_ANNOTATIONS_VERSION };
  if (typeof v.name === 'string' && v.name.trim() !== '') annotations.name = v.name.trim();
  if (v.starred === true) annotations.starred = true;
  const labels = v.labels === undefined ? [] : normalizeLabels(v.labels as string[]);
  if (labels.length > 0) annotations.labels = labels;
  return { ok: true, annotations };
}

function whatIsWrong(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `not an object (got ${describe(v)})`;
  const o = v as Record<string, unknown>;
  if (o.version !== RUN_ANNOTATIONS_VERSION) {
    return o.version === undefined
      ? `"version" is missing (this Diffusion Lab reads version ${RUN_ANNOTATIONS_VERSION})`
      : `"version" is ${describe(o.version)}, this Diffusion Lab reads version ${RUN_ANNOTATIONS_VERSION}`;
  }
  if (o.name !== undefined) {
    if (typeof o.name !== 'string') return `"name" must be a string, got ${describe(o.name)}`;
    const problem = nameProblem(o.name);
    if (problem) return `"name" ${problem}`;
  }
  if (o.starred !== undefined && typeof o.starred !== 'boolean') return `"starred" must be true or false, got ${describe(o.starred)}`;
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels)) return `"labels" must be a list of strings, got ${describe(o.labels)}`;
    for (const [i, label] of o.labels.entries()) {
      if (typeof label !== 'string') return `"labels"[${i}] must be a string, got ${describe(label)}`;
      const problem = labelProblem(label);
      if (problem) return `"labels"[${i}] ${problem}`;
    }
    if (o.labels.length > MAX_LABELS) return `"labels" has ${o.labels.length} labels, at most ${MAX_LABELS} are allowed`;
  }
  return undefined;
}

/** Why a typed name cannot be used, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (/[\r\n]/.test(name)) return 'must be one line';
  if (name.trim().length > MAX_RUN_NAME_LENGTH) return `is ${name.trim().length} characters long, at most ${MAX_RUN_NAME_LENGTH} are allowed`;
  return undefined;
}

/** Why a typed label cannot be used, or undefined. Commas separate labels where they are typed. */
export function labelProblem(label: string): string | undefined {
  const t = label.trim();
  if (t === '') return 'is empty';
  if (/[,\r\n]/.test(t)) return `"${t}" holds a comma or a line break`;
  if (t.length > MAX_LABEL_LENGTH) return `"${t.slice(0, 20)}…" is ${t.length} characters long, at most ${MAX_LABEL_LENGTH} are allowed`;
  return undefined;
}

/** `a, b ,, c` as typed: the labels, trimmed, empty ones dropped. */
export function splitLabels(text: string): string[] {
  return text.split(',').map((l) => l.trim()).filter(Boolean);
}

/** Trimmed, no empty ones, no duplicates (the first spelling kept, compared without case). */
export function normalizeLabels(labels: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const l of labels) {
    const t = l.trim();
    if (t === '' || seen.has(t.toLowerCase())) continue;
    seen.add(t.toLowerCase());
    out.push(t);
  }
  return out;
}

/** Why an edit cannot be applied (a name or label that breaks the rules), or undefined. */
export function editProblem(edit: RunAnnotationEdit): string | undefined {
  if (typeof edit.name === 'string') {
    const p = nameProblem(edit.name);
    if (p) return `the name ${p}`;
  }
  for (const label of [...(edit.labels ?? []), ...(edit.addLabels ?? [])]) {
    const p = labelProblem(label);
    if (p) return `the label ${p}`;
  }
  return undefined;
}

/** The annotations after `edit`; throws on an edit that editProblem refuses. */
export function applyAnnotationEdit(current: RunAnnotations | undefined, edit: RunAnnotationEdit): RunAnnotations {
  const problem = editProblem(edit);
  if (problem) throw new Error(problem);
  const next: RunAnnotations = { ...(current ?? {}), version: RUN_ANNOTATIONS_VERSION };
  if (edit.name !== undefined) {
    const name = edit.name?.trim() ?? '';
    if (name === '') delete next.name;
    else next.name = name;
  }
  if (edit.starred !== undefined) {
    if (edit.starred) next.starred = true;
    else delete next.starred;
  }
  let labels = edit.labels ?? next.labels ?? [];
  if (edit.addLabels) labels = [...labels, ...edit.addLabels];
  if (edit.removeLabels) {
    const gone = new Set(edit.removeLabels.map((l) => l.trim().toLowerCase()));
    labels = labels.filter((l) => !gone.has(l.trim().toLowerCase()));
  }
  labels = normalizeLabels(labels);
  if (labels.length > MAX_LABELS) throw new Error(`a run has at most ${MAX_LABELS} labels, this edit leaves ${labels.length}`);
  if (labels.length > 0) next.labels = labels;
  else delete next.labels;
  return next;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
