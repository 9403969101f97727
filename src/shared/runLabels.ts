// A sweep run's label in the panel and the report alike: the fields where it differs from the
// sweep's base (`T=250`), and the base run by its own values of the varied fields, marked
// (`T=300 (base)`), so that the base run reads like the others. What a varied recipe implies
// is left out; a repeat adds `#2`.
import { fieldEquals, variedLabel } from './formatting';
import { impliedByRecipe } from './recipes';
import type { RunAnnotations } from './runAnnotations';

export interface LabelledRun {
  /** The run's values of (at least) the varied fields. */
  values: Readonly<Record<string, unknown>>;
  /** 0-based repeat of its config. */
  repeat?: number;
}

/** The varied fields where the run's value is not the base's, in the sweep's order. */
export function fieldsOffBaseValues(values: Readonly<Record<string, unknown>>, base: Readonly<Record<string, unknown>>, variedFields: readonly string[]): string[] {
  return variedFields.filter((f) => JSON.stringify(values[f]) !== JSON.stringify(base[f]));
}

/**
 * The run's label; up to two varied fields name the base run (more: `base`). `markBase`
 * false leaves out `(base)` where the text says "the base run" already.
 */
export function sweepRunLabel(run: LabelledRun, base: Readonly<Record<string, unknown>>, variedFields: readonly string[], markBase = true): string {
  const { values } = run;
  const byRecipe = (fields: readonly string[]) => fields.filter((f) => !impliedByRecipe(f, values[f], values.recipe));
  const repeat = (run.repeat ?? 0) > 0 ? ` #${run.repeat! + 1}` : '';
  const off = fieldsOffBaseValues(values, base, variedFields);
  if (off.length > 0) return (off.includes('recipe') ? byRecipe(off) : off).map((f) => fieldEquals(f, values[f])).join(', ') + repeat;
  const varied = variedFields.includes('recipe') ? byRecipe(variedFields) : variedFields;
  const shown = varied.length <= 2 ? varied : [];
  const named = shown.map((f) => fieldEquals(f, values[f])).join(', ');
  return (shown.length === 0 ? 'base' : markBase ? `${named} (base)` : named) + repeat;
}

/** A run as a sweep lists it, with what its label needs. */
export interface SweepRunPlace {
  runId: string;
  /** Its values of the sweep's varied fields, in the sweep's order; empty outside a sweep. */
  varied: Readonly<Record<string, unknown>>;
  /** The sweep's base config with defaults filled; without it the label lists the varied values. */
  base?: Readonly<Record<string, unknown>>;
  repeat?: number;
}

/** The generated label every view shares (tree, pickers, progress, panel, report): sweepRunLabel, else the varied values, else the run id. */
export function generatedRunLabel(run: SweepRunPlace): string {
  const variedFields = Object.keys(run.varied);
  if (!run.base || variedFields.length === 0) return variedLabel(run.varied, run.runId);
  return sweepRunLabel({ values: run.varied, ...(run.repeat !== undefined ? { repeat: run.repeat } : {}) }, run.base, variedFields);
}

/**
 * What a run is called wherever it is shown (tree, panel, CLI table, report): the name the person
 * gave it (annotations.json), else the generated label of the place that shows it.
 */
export function shownRunLabel(generated: string, annotations?: RunAnnotations): string {
  return annotations?.name ?? generated;
}
