// The markdown of a run's tooltip in the Experiments tree: short enough to read at a glance
// (state and what to do about it, what sets the run apart, the measures every reader shows,
// problems), with the full config one click away. No VS Code import.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatMs, formatNumber, formatValue, shortFieldName } from '../shared/formatting';
import { FINAL_LOSS } from '../shared/lossNames';
import { RUN_FILES, RUN_STATE_HINTS } from '../shared/runDirectory';
import type { RunEntry } from './experimentsModel';
import { slurmTaskLabel } from './slurmRuns';

export function runTooltipMarkdown(run: RunEntry): string {
  const a = run.annotations;
  const parts = [`${a?.starred ? '★ ' : ''}**${escapeMd(a?.name ?? run.runId)}**${a?.name ? ` (${escapeMd(run.runId)})` : ''} — ${run.state}`];
  if (a?.labels?.length) parts.push(`Labels: ${a.labels.map((l) => escapeMd(`#${l}`)).join(' ')}`);
  if (run.annotationsProblem) parts.push(`**Ignored:** ${escapeMd(run.annotationsProblem)}`);
  const hint = RUN_STATE_HINTS[run.state];
  if (hint) parts.push(`${escapeMd(hint[0]!.toUpperCase() + hint.slice(1))}.`);
  const task = slurmTaskLabel(run);
  if (task) parts.push(`${escapeMd(task)}${run.slurmLog ? ` · log \`${run.slurmLog.file}\`${run.slurmLog.exists ? '' : ' (not yet: the task has not started)'}` : ''}`);
  const varied = Object.entries(run.varied).map(([k, v]) => `${escapeMd(shortFieldName(k))} = ${escapeMd(formatValue(v))}`);
  if (varied.length > 0) parts.push(varied.join(' · '));
  const measures = [
    run.finalLoss !== undefined ? `${FINAL_LOSS.label} ${formatNumber(run.finalLoss)}` : '',
    run.msPerEpoch !== undefined ? `time / epoch ${formatMs(run.msPerEpoch)}` : '',
    run.totalMs !== undefined ? `total time ${formatMs(run.totalMs)}` : '',
  ].filter(Boolean);
  if (measures.length > 0) parts.push(measures.join(' · '));
  if (run.finalLoss !== undefined) parts.push(`*${FINAL_LOSS.label[0]!.toUpperCase() + FINAL_LOSS.label.slice(1)}*: ${escapeMd(FINAL_LOSS.definition)}.`);
  if (run.error) parts.push(escapeMd(run.error));
  if (run.status?.error) parts.push(`Error: ${escapeMd(run.status.error.message)}`);
  for (const problem of run.metricsProblems ?? []) parts.push(`**Corrupt metrics:** ${escapeMd(problem)}`);
  const env = run.config?.environment;
  if (env?.importedFrom) parts.push(`Imported from \`${env.importedFrom.file}\` (diffusion-lab import): nothing was trained here`);
  if (env) parts.push(`Backend ${escapeMd(String(env.backend))}${env.gpu ? ` (${escapeMd(env.gpu)})` : ''}, ${Number(env.parameterCount).toLocaleString('en-US')} parameters`);
  if (run.config) {
    parts.push(`[Full config](${pathToFileURL(path.join(run.dir, RUN_FILES.config)).href})`);
  }
  return parts.join('\n\n') + '\n';
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`);
}
