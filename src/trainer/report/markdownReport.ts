// Report blocks as one markdown file whose figures are PNG files in a folder beside it.
import { blockImages, figureMarkdown, galleryMarkdown } from './notebook';
import type { ReportBlock, ReportImage } from './studyDocument';

/** The folder beside report.md that holds its figures. */
export const MARKDOWN_FIGURES_DIR = 'report-figures';

export interface MarkdownReport {
  text: string;
  /** Written to MARKDOWN_FIGURES_DIR/<name>. */
  images: ReportImage[];
}

const figureFile = (image: ReportImage) => `${MARKDOWN_FIGURES_DIR}/${encodeURIComponent(image.name)}`;

export function buildMarkdownReport(blocks: ReportBlock[]): MarkdownReport {
  const parts: string[] = [];
  const images: ReportImage[] = [];
  for (const block of blocks) {
    images.push(...blockImages(block));
    switch (block.kind) {
      case 'markdown':
        parts.push(block.text); // as written: notes stay byte for byte
        break;
      case 'figure':
        parts.push(figureMarkdown(block, figureFile(block.image)));
        break;
      case 'gallery':
        parts.push(galleryMarkdown(block, figureFile));
        break;
      case 'code':
        parts.push('```python\n' + block.source.replace(/\s+$/, '') + '\n```');
        break;
    }
  }
  // A blank line between blocks, counting the newlines a block already ends with.
  const text = parts.map((p) => (p.endsWith('\n\n') ? p : p.endsWith('\n') ? p + '\n' : p + '\n\n')).join('');
  return { text: text.replace(/\n+$/, '\n'), images };
}
