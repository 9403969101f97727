// The markdown of a run's tooltip in the Experiments tree: state (and what to do about it),
// the measures every reader shows, problems, and the config. No VS Code import.
import { formatMs, formatNumber, formatValue } from '../shared/formatting';
import { RUN_STATE_HINTS } from '../shared/runDirectory';
import type { RunEntry } from './experimentsModel';

export function runTooltipMarkdown(run: RunEntry): string {
  const parts = [`**${escapeMd(run.runId)}** — ${run.state}\n\n`];
  const hint = RUN_STATE_HINTS[run.state];
  if (hint) parts.push(`${escapeMd(hint[0]!.toUpperCase() + hint.slice(1))}.\n\n`);
  const measures = [
    run.finalLoss !== undefined ? `final loss ${formatNumber(run.finalLoss)}` : '',
    run.msPerEpoch !== undefined ? `time / epoch ${formatMs(run.msPerEpoch)}` : '',
    run.totalMs !== undefined ? `total time ${formatMs(run.totalMs)}` : '',
  ].filter(Boolean);
  if (measures.length > 0) parts.push(`${measures.join(' · ')}\n\n`);
  if (run.error) parts.push(`${escapeMd(run.error)}\n\n`);
  if (run.status?.error) parts.push(`Error: ${escapeMd(run.status.error.message)}\n\n`);
  for (const problem of run.metricsProblems ?? []) parts.push(`**Corrupt metrics:** ${escapeMd(problem)}\n\n`);
  const config = run.config?.config;
  if (config) {
    parts.push('| field | value |\n|---|---|\n');
    for (const [k, v] of Object.entries(config)) {
      const mark = Object.prototype.hasOwnProperty.call(run.varied, k) ? '**' : '';
      parts.push(`| ${mark}${k}${mark} | ${escapeMd(formatValue(v))} |\n`);
    }
    const env = run.config?.environment;
    if (env) parts.push(`\nBackend ${escapeMd(String(env.backend))}${env.gpu ? ` (${escapeMd(env.gpu)})` : ''}, ${Number(env.parameterCount).toLocaleString('en-US')} parameters\n`);
  }
  return parts.join('');
}

export function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|]/g, (c) => `\\${c}`);
}
