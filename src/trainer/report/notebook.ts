// Report blocks as a Jupyter notebook, nbformat 4.5 (cell ids). Figures are PNG attachments
// of markdown cells rather than outputs of code cells: "Run All" in Jupyter or VS Code
// clears outputs, but never a markdown cell's attachments.
import { Buffer } from 'node:buffer';
import { markdownCell } from '../../shared/formatting';
import { VERSION } from '../version';
import type { ReportBlock, ReportImage } from './studyDocument';

/** Images to a row of a gallery: narrow enough for a notebook column. */
const GALLERY_COLUMNS = 4;

export type MultilineString = string[];

export interface NotebookCellBase {
  id: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
}

export interface MarkdownCell extends NotebookCellBase {
  cell_type: 'markdown';
  attachments?: Record<string, Record<string, string>>;
}

export interface CodeCell extends NotebookCellBase {
  cell_type: 'code';
  execution_count: number | null;
  outputs: unknown[];
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: {
    kernelspec: { name: string; display_name: string; language: string };
    language_info: { name: string; file_extension: string; mimetype: string; codemirror_mode: { name: string; version: number } };
    diffusion_lab: Record<string, unknown>;
  };
  cells: Array<MarkdownCell | CodeCell>;
}

/** Text as nbformat stores it: one string per line, each but the last ending in "\n". */
export function toMultiline(text: string): MultilineString {
  return text.length === 0 ? [] : text.split(/(?<=\n)/);
}

/** Markdown that shows an attachment: title, image, caption. */
export function figureMarkdown(block: Extract<ReportBlock, { kind: 'figure' }>, src: string): string {
  const alt = block.alt.replace(/[[\]\\]/g, '');
  const lines = [`**${block.title.replace(/\*/g, '\\*')}**`, '', `![${alt}](${src})`];
  if (block.caption) lines.push('', block.caption);
  return lines.join('\n');
}

/** Images in a row (at most GALLERY_COLUMNS to a row), each under its caption: a table whose header is the captions. */
export function galleryMarkdown(block: Extract<ReportBlock, { kind: 'gallery' }>, src: (image: ReportImage) => string): string {
  const lines = [`**${block.title.replace(/\*/g, '\\*')}**`];
  for (let start = 0; start < block.items.length; start += GALLERY_COLUMNS) {
    const row = block.items.slice(start, start + GALLERY_COLUMNS);
    const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
    lines.push('',
      line(row.map((item) => item.caption)),
      `|${row.map(() => ' :---: ').join('|')}|`,
      line(row.map((item) => `![${item.alt.replace(/[[\]\\]/g, '')}](${src(item.image)})`)));
  }
  if (block.caption) lines.push('', block.caption);
  return lines.join('\n');
}

/** Images a block shows: its attachments in a notebook, its files in report-figures/. */
export function blockImages(block: ReportBlock): ReportImage[] {
  return block.kind === 'figure' ? [block.image] : block.kind === 'gallery' ? block.items.map((i) => i.image) : [];
}

const attachment = (image: ReportImage) => `attachment:${image.name}`;

export function buildNotebook(blocks: ReportBlock[], metadata: Record<string, unknown> = {}): Notebook {
  const cells = blocks.map((block): MarkdownCell | CodeCell => {
    switch (block.kind) {
      case 'markdown':
        return { cell_type: 'markdown', id: block.id, metadata: {}, source: toMultiline(block.text) };
      case 'figure':
        return {
          cell_type: 'markdown', id: block.id, metadata: {},
          source: toMultiline(figureMarkdown(block, attachment(block.image))),
          attachments: { [block.image.name]: { 'image/png': Buffer.from(block.image.png).toString('base64') } },
        };
      case 'gallery':
        return {
          cell_type: 'markdown', id: block.id, metadata: {},
          source: toMultiline(galleryMarkdown(block, attachment)),
          attachments: Object.fromEntries(block.items.map((i) => [i.image.name, { 'image/png': Buffer.from(i.image.png).toString('base64') }])),
        };
      case 'code':
        return { cell_type: 'code', id: block.id, metadata: {}, execution_count: null, outputs: [], source: toMultiline(block.source) };
    }
  });
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
      language_info: { name: 'python', file_extension: '.py', mimetype: 'text/x-python', codemirror_mode: { name: 'ipython', version: 3 } },
      diffusion_lab: { version: VERSION, ...metadata },
    },
    cells,
  };
}

/** The notebook file's text: one-space indent as Jupyter writes it, a final newline. */
export function notebookText(notebook: Notebook): string {
  return JSON.stringify(notebook, null, 1) + '\n';
}
