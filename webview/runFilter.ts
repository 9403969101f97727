// The Compare tab's filter: every word must match the run (its id, name, state, labels and the
// table's cells, without case); `is:starred` keeps the starred runs, `label:X` the runs labelled X.
// Quotes keep spaces in a word: `label:"very good"`, `"T=300 (base)"`.
import type { RunSummary } from '../src/shared/panelMessages';

export function runMatchesFilter(run: RunSummary, filter: string, cells: readonly string[]): boolean {
  const labels = (run.labels ?? []).map((l) => l.toLowerCase());
  const text = [run.runId, run.label, run.generatedLabel ?? '', run.state, ...labels, ...cells].join(' ').toLowerCase();
  return filterWords(filter).every((w) => {
    if (w === 'is:starred') return run.starred === true;
    if (w.startsWith('label:')) return labels.includes(w.slice('label:'.length));
    return text.includes(w);
  });
}

/** The filter's words, lower case, quotes taken off. */
export function filterWords(filter: string): string[] {
  return [...filter.toLowerCase().matchAll(/(?:[^\s"]*"[^"]*"?)+|\S+/g)].map((m) => m[0].replace(/"/g, '')).filter(Boolean);
}
