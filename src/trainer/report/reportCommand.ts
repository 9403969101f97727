// `diffusion-lab report --sweep DIR`: export a sweep as a notebook (or markdown). The path
// written goes to stdout, a one-line summary to stderr.
import { parseArgs } from 'node:util';
import { ConfigError } from '../../shared/runConfig';
import { RUN_STATE_HINTS } from '../../shared/runDirectory';
import { StudyError } from '../../shared/runReading/loadStudy';
import type { LossScale } from './studyDocument';
import { REPORT_FORMATS, writeReport, type ReportFormat } from './writeReport';
import { writeComparisonCsv } from './writeComparisonCsv';
import { csvNoFinishedRunsNote } from '../../shared/comparisonCsv';
import type { GroupBy } from '../../shared/runGroups';

const LOSS_SCALES: readonly LossScale[] = ['auto', 'linear', 'log'];

export const REPORT_USAGE = `diffusion-lab report --sweep DIR [--format ipynb|md|csv] [--group-by FIELD[,FIELD]|all] [--loss-scale auto|linear|log] [--out FILE]
  --sweep DIR         a sweep directory, <out>/sweeps/<sweep-id>/ (or its sweep.json)
  --format F          ipynb: a Jupyter notebook (default); md: markdown with a report-figures/ folder;
                      csv: the comparison table, one row per run (or per group), numbers unrounded
  --group-by G        group the runs by varied fields (e.g. timesteps,imgSize), or all: every varied
                      field but the seed, so the repeats of a setting share a row (mean ± std, n)
  --loss-scale S      y axis of the loss plots: auto (log when the loss falls over 10x), linear, log
  --out FILE          csv only: where to write it (default <sweep dir>/comparison.csv)
Writes <sweep dir>/report.ipynb (or report.md, comparison.csv). Notes files (notes.md) are read, never written.
`;

/** `all`, or a comma-separated list of fields. */
function parseGroupBy(text: string): GroupBy {
  if (text === 'all') return 'all';
  const fields = text.split(',').map((f) => f.trim());
  if (fields.some((f) => f === '')) throw new ConfigError(`--group-by must be all or a comma-separated list of varied fields, got "${text}"`);
  return fields;
}

export async function reportCommand(argv: string[]): Promise<number> {
  let values: { sweep?: string; format?: string; 'loss-scale'?: string; 'group-by'?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: {
        sweep: { type: 'string' }, format: { type: 'string' }, 'loss-scale': { type: 'string' }, 'group-by': { type: 'string' }, out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
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
  if (format !== 'csv' && !(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new ConfigError(`--format must be one of ${[...REPORT_FORMATS, 'csv'].join(', ')}, got "${format}"`);
  }
  const groupBy = values['group-by'] === undefined ? undefined : parseGroupBy(values['group-by']);
  if (format === 'csv') return csvCommand(values.sweep, groupBy, values.out);
  if (values.out !== undefined) throw new ConfigError(`--out is for --format csv; the ${format} report is written into the sweep directory`);
  const lossScale = values['loss-scale'] ?? 'auto';
  if (!(LOSS_SCALES as readonly string[]).includes(lossScale)) {
    throw new ConfigError(`--loss-scale must be one of ${LOSS_SCALES.join(', ')}, got "${lossScale}"`);
  }
  let written;
  try {
    written = await writeReport(values.sweep, { format: format as ReportFormat, lossScale: lossScale as LossScale, ...(groupBy ? { groupBy } : {}) });
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
  for (const r of written.study.runs) if (r.annotationsProblem) process.stderr.write(`report: warning: ${r.annotationsProblem}\n`);
  process.stdout.write(written.file + '\n');
  return 0;
}

async function csvCommand(sweep: string, groupBy: GroupBy | undefined, out: string | undefined): Promise<number> {
  let written;
  try {
    written = await writeComparisonCsv(sweep, { ...(groupBy ? { groupBy } : {}), ...(out !== undefined ? { out } : {}) });
  } catch (err) {
    if (err instanceof StudyError) throw new ConfigError(err.message);
    throw err;
  }
  const { csv } = written;
  process.stderr.write(`report: ${csv.rows.length} ${groupBy ? 'groups' : 'runs'} in the CSV (${csv.finished} finished run${csv.finished === 1 ? '' : 's'})\n`);
  const note = csvNoFinishedRunsNote(csv);
  if (note) process.stderr.write(`report: ${note}\n`);
  for (const r of written.study.runs) if (r.annotationsProblem) process.stderr.write(`report: warning: ${r.annotationsProblem}\n`);
  process.stdout.write(written.file + '\n');
  return 0;
}
