// The Compare tab's groups: its runs grouped by the Group by choice (runGroups.ts, the same
// groups as the report and the CSV), each with a label and a colour, and the choice's menu.
import type { GroupBy, RunSummary } from '../src/shared/panelMessages';
import { csvRunOfSummary, type CsvRun } from '../src/shared/comparisonCsv';
import { groupFields, groupRuns, type RunGroup } from '../src/shared/runGroups';
import { shortFieldName, variedLabel } from '../src/shared/formatting';

export type SummaryRun = CsvRun & { summary: RunSummary };

export interface SummaryGroup extends RunGroup<SummaryRun> {
  /** `T 250 · IMG_SIZE 16`, or `all runs` when grouped by nothing that varies. */
  label: string;
  /** Its first run's colour. */
  colorIndex: number;
}

export function groupSummaries(runs: readonly RunSummary[], fields: readonly string[]): SummaryGroup[] {
  return groupRuns(runs.map((r): SummaryRun => ({ ...csvRunOfSummary(r), summary: r })), fields).map((g) => ({
    ...g, label: variedLabel(g.values, 'all runs'), colorIndex: g.runs[0]!.summary.colorIndex,
  }));
}

/** The Group by menu: none, each varied field, and all of them (but the seed) when more than one varies. */
export function groupByChoices(variedFields: readonly string[]): Array<{ value: string; title: string }> {
  const all = groupFields('all', variedFields);
  return [
    { value: '', title: 'none' },
    ...variedFields.map((f) => ({ value: `field:${f}`, title: shortFieldName(f) })),
    ...(all.length > 1 || (all.length === 1 && variedFields.length > 1) ? [{ value: 'all', title: `all but the seed (${all.map(shortFieldName).join(', ')})` }] : []),
  ];
}

export function groupByValue(groupBy: GroupBy | undefined): string {
  return groupBy === undefined ? '' : groupBy === 'all' ? 'all' : `field:${groupBy.join(',')}`;
}

export function groupByOfValue(value: string): GroupBy | undefined {
  if (value === 'all') return 'all';
  return value.startsWith('field:') ? value.slice('field:'.length).split(',') : undefined;
}

/** The fields a Group by stands for here: none when it names a field these runs do not vary (a state from another sweep). */
export function activeGroupFields(groupBy: GroupBy | undefined, variedFields: readonly string[]): string[] {
  if (groupBy === undefined) return [];
  const fields = groupFields(groupBy, variedFields);
  return fields.every((f) => variedFields.includes(f)) ? fields : [];
}
