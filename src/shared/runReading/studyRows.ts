// A Study's runs as the groups and the CSV export take them: config values, state, the
// measures as plain numbers (measureSummary.ts) and the person's name, star and labels.
import type { CsvRun } from '../comparisonCsv';
import type { Study } from './loadStudy';
import { measureSummary } from './measureSummary';

export function studyCsvRuns(study: Study): CsvRun[] {
  return study.runs.map((r) => {
    const a = r.annotations;
    return {
      runId: r.runId, state: r.state, values: { ...r.config, ...r.varied }, measures: measureSummary(r.measures),
      ...(a?.name !== undefined ? { name: a.name } : {}), ...(a?.starred !== undefined ? { starred: a.starred } : {}), ...(a?.labels !== undefined ? { labels: a.labels } : {}),
    };
  });
}
