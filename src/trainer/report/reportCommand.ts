// `diffusion-lab report --sweep DIR`: export a sweep as a notebook (or markdown). The path
// written goes to stdout, a one-line summary to stderr.
import { parseArgs } from 'node:util';
import { ConfigError } from '../../shared/runConfig';
import { RUN_STATE_HINTS } from '../../shared/runDirectory';
import { StudyError } from '../../shared/runReading/loadStudy';
import type { LossScale } from './studyDocument';
import { REPORT_FORMATS, writeReport, type ReportFormat } from './writeReport';

const LOSS_SCALES: readonly LossScale[] = ['auto', 'linear', 'log'];

export const REPORT_USAGE = `diffusion-lab report --sweep DIR [--format ipynb|md] [--loss-scale auto|linear|log]
  --sweep DIR         a sweep directory, <out>/sweeps/<sweep-id>/ (or its sweep.json)
  --format ipynb|md   a Jupyter notebook (default), or markdown with a report-figures/ folder
  --loss-scale S      y axis of the loss plots: auto (log when the loss falls over 10x), linear, log
Writes <sweep dir>/report.ipynb (or report.md). Notes files (notes.md) are read, never written.
`;

export async function reportCommand(argv: string[]): Promise<number> {
  let values: { sweep?: string; format?: string; 'loss-scale'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { sweep: { type: 'string' }, format: { type: 'string' }, 'loss-scale': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message.split('\n')[0]}\n${REPORT_USAGE}`);
  }
  if (values.help) {
    process.stdout.write(REPORT_USAGE);
    return 0;
  }
  if (values.sweep === undefined) throw new ConfigError(`needs --sweep DIR\n${REPORT_USAGE}`);
  const format = values.format ?? 'ipynb';
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`--format must be one of ${REPORT_FORMATS.join(', ')}, got "${format}"`);
  }
  const lossScale = values['loss-scale'] ?? 'auto';
  if (!(LOSS_SCALES as readonly string[]).includes(lossScale)) {
    throw new ConfigError(`--loss-scale must be one of ${LOSS_SCALES.join(', ')}, got "${lossScale}"`);
  }
  let written;
  try {
    written = await writeReport(values.sweep, { format: format as ReportFormat, lossScale: lossScale as LossScale });
  } catch (err) {
    // Not a sweep directory, or an unreadable sweep.json: the caller's input, like a bad flag.
    if (err instanceof StudyError) throw new ConfigError(err.message);
    throw err;
  }
  const counts = new Map<string, number>();
  for (const r of written.study.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  process.stderr.write(`report: ${written.study.runs.length} runs (${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}), ` +
    `${written.figures} figures\n`);
  const interrupted = counts.get('interrupted');
  if (interrupted) process.stderr.write(`report: ${interrupted === 1 ? '1 run was' : `${interrupted} runs were`} interrupted: ${RUN_STATE_HINTS.interrupted}\n`);
  process.stdout.write(written.file + '\n');
  return 0;
}
