// Compare Runs' document: the report's comparison table of a sweep's runs, and the run with
// the lowest final loss. No VS Code import.
import { comparisonMarkdown, runLabel } from '../../shared/comparisonTable';
import { formatNumber, markdownEscape } from '../../shared/formatting';
import type { Study } from '../../shared/runReading/loadStudy';

export function compareRunsMarkdown(study: Study): string {
  const best = study.runs.filter((r) => r.measures.finalLoss !== undefined).sort((a, b) => a.measures.finalLoss! - b.measures.finalLoss!)[0];
  return [
    `# ${markdownEscape(study.name)}: runs compared`, '',
    ...(study.description ? [study.description, ''] : []),
    comparisonMarkdown(study), '',
    best
      ? `Lowest final loss: **${markdownEscape(runLabel(study, best))}** (${formatNumber(best.measures.finalLoss)}).`
      : 'No run has finished a step yet.',
    '',
  ].join('\n');
}
