// The Compare tab's Export CSV: what the page asked for (which runs, grouped or not) checked
// against what this panel shows, and the CSV built from the host's own run summaries with the
// builder `diffusion-lab report --format csv` uses. No VS Code here: the panel asks where to save.
import { comparisonCsv, csvNoFinishedRunsNote, csvRunOfSummary } from '../../shared/comparisonCsv';
import type { PanelToHostMessage, RunSummary } from '../../shared/panelMessages';
import { groupByProblem } from '../../shared/runGroups';

export interface CsvExportFile {
  /** The file name the save dialog suggests. */
  name: string;
  text: string;
  rows: number;
  /** Said after saving: the CSV holds no finished run. */
  note?: string;
}

/** Throws an Error naming the run id or field the panel does not know. */
export function csvExportFile(m: Extract<PanelToHostMessage, { type: 'export-csv' }>, runs: readonly RunSummary[], variedFields: readonly string[]): CsvExportFile {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const unknown = m.runIds.find((id) => !byId.has(id));
  if (unknown !== undefined) throw new Error(`cannot export the CSV: this panel has no run "${unknown}"`);
  const problem = m.groupBy && groupByProblem(m.groupBy, variedFields);
  if (problem) throw new Error(`cannot export the CSV grouped: ${problem}`);
  const chosen = new Set(m.runIds);
  const csv = comparisonCsv(runs.filter((r) => chosen.has(r.runId)).map(csvRunOfSummary), variedFields, m.groupBy);
  const name = !m.groupBy ? 'comparison.csv' : m.groupBy === 'all' ? 'comparison-grouped.csv' : `comparison-by-${m.groupBy.join('-')}.csv`;
  const note = csvNoFinishedRunsNote(csv);
  return { name, text: csv.text, rows: csv.rows.length, ...(note ? { note } : {}) };
}
