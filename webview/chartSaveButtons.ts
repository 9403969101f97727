// The Save as PNG / Save as SVG buttons of a chart: the chart draws its image, the host asks
// where to write it (a save dialog) and writes the file.
import { html } from 'lit';
import type { ChartImageFormat } from '../src/shared/panelMessages';
import { postToHost } from './host';

/** Draws the chart in a format: a PNG data URL or an SVG document. */
export type ChartDrawer = (format: ChartImageFormat) => string | Promise<string>;

/** `name`: what the dialog's suggested file name is made of (e.g. `loss-chart`; `SNR by t` gives `SNR-by-t.png`). */
export function chartSaveButtons(name: string, draw: ChartDrawer) {
  const save = async (format: ChartImageFormat) => {
    try {
      postToHost({ type: 'save-image', format, suggestedName: `${fileSlug(name)}.${format}`, data: await draw(format) });
    } catch (err) {
      console.error(`diffusion panel: could not draw ${name} as ${format}`, err);
    }
  };
  return html`<div class="chart-save" role="group" aria-label="Save the chart">
    <vscode-button appearance="secondary" class="save-png" title="Save as PNG" @click=${() => void save('png')}>Save PNG</vscode-button>
    <vscode-button appearance="secondary" class="save-svg" title="Save as SVG" @click=${() => void save('svg')}>Save SVG</vscode-button>
  </div>`;
}

function fileSlug(text: string): string {
  return text.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'chart';
}
