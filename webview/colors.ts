// Run colours in the panel: the shared rule (src/shared/runColors.ts, the report's too), with
// the darker palette when VS Code's theme is High Contrast Light.
import { runColor as sharedRunColor } from '../src/shared/runColors';

/** True in VS Code's High Contrast Light theme (the webview's body class says so). */
function highContrastLight(): boolean {
  // Through globalThis: the unit tests compare this rule with the report's under Node, with no DOM.
  const page = (globalThis as { document?: { body?: { classList: { contains(name: string): boolean } } } }).document;
  return page?.body?.classList.contains('vscode-high-contrast-light') === true;
}

export function runColor(index: number, onWhite = highContrastLight()): string {
  return sharedRunColor(index, onWhite);
}

/** The same colour, see-through: for the raw (unsmoothed) line under the smoothed one. */
export function fadedColor(color: string, alpha = 0.4): string {
  if (color.startsWith('#')) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/\)$/, ` / ${alpha})`);
}
