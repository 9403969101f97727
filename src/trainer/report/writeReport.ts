// Exports a sweep as sweeps/<id>/report.ipynb, or report.md with report-figures/ beside it.
// Every file is replaced whole: the notebook and the markdown by an atomic rename, the
// figures folder by building a new one and swapping it in. Notes are only ever read.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../shared/atomicFile';
import { loadStudy, StudyError, type Study } from '../../shared/runReading/loadStudy';
import { groupByProblem } from '../../shared/runGroups';
import { buildMarkdownReport, MARKDOWN_FIGURES_DIR } from './markdownReport';
import { blockImages, buildNotebook, notebookText } from './notebook';
import { buildStudyDocument, type ReportBlock, type StudyDocumentOptions } from './studyDocument';

export const REPORT_FORMATS = ['ipynb', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_FILES: Record<ReportFormat, string> = { ipynb: 'report.ipynb', md: 'report.md' };

export interface WriteReportOptions extends StudyDocumentOptions {
  format?: ReportFormat;
}

export interface WrittenReport {
  file: string;
  format: ReportFormat;
  study: Study;
  /** Images in the report: charts, strips and sample grids. */
  figures: number;
  /** The figures folder (md format only). */
  figuresDir?: string;
}

/** `sweepPath`: a sweep directory (<out>/sweeps/<id>/) or its sweep.json. */
export async function writeReport(sweepPath: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const format = options.format ?? 'ipynb';
  const study = await loadStudy(sweepPath);
  const problem = options.groupBy && groupByProblem(options.groupBy, study.variedFields);
  if (problem) throw new StudyError(`--group-by: ${problem}`);
  const blocks = await buildStudyDocument(study, options);
  const figures = blocks.reduce((n, b) => n + blockImages(b).length, 0);
  const file = path.join(study.sweepDir, REPORT_FILES[format]);
  if (format === 'ipynb') {
    const notebook = buildNotebook(blocks, { sweepId: study.sweepId, runs: study.runs.map((r) => r.runId) });
    await writeFileAtomic(file, notebookText(notebook));
    return { file, format, study, figures };
  }
  const figuresDir = await writeMarkdownReport(study.sweepDir, file, blocks);
  return { file, format, study, figures, figuresDir };
}

async function writeMarkdownReport(sweepDir: string, file: string, blocks: ReportBlock[]): Promise<string> {
  const report = buildMarkdownReport(blocks);
  const figuresDir = path.join(sweepDir, MARKDOWN_FIGURES_DIR);
  const fresh = path.join(sweepDir, `.${MARKDOWN_FIGURES_DIR}.${process.pid}.new`);
  const stale = path.join(sweepDir, `.${MARKDOWN_FIGURES_DIR}.${process.pid}.old`);
  await fs.rm(fresh, { recursive: true, force: true });
  await fs.mkdir(fresh);
  try {
    for (const image of report.images) await fs.writeFile(path.join(fresh, image.name), image.png);
    // Swap the folders: the old figures stay complete until the new ones are all written.
    const hadOld = await fs.rename(figuresDir, stale).then(() => true, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    });
    await fs.rename(fresh, figuresDir);
    if (hadOld) await fs.rm(stale, { recursive: true, force: true });
  } catch (err) {
    await fs.rm(fresh, { recursive: true, force: true });
    throw err;
  }
  await writeFileAtomic(file, report.text);
  return figuresDir;
}
