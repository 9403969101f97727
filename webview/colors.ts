// A run's colour comes from its position in the sweep, so it is the same on every chart,
// after reloads and while new runs appear. Ten distinct hues, then golden-angle hues; darker
// ones in High Contrast Light.
const PALETTE = ['#4e9cf5', '#f28e2b', '#59c36a', '#e15759', '#b07aa1', '#edc948', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac'];

// The same hues darkened (in linear light) to 4:1 against white, for High Contrast Light,
// where most of the usual ones fall under 3:1 (WCAG's minimum for lines and marks).
const HIGH_CONTRAST_LIGHT = ['#4081cc', '#ba6c1f', '#3f8f4c', '#d75355', '#a17094', '#957d2a', '#568884', '#b16c73', '#9c755f', '#857e7b'];

/** True in VS Code's High Contrast Light theme (the webview's body class says so). */
function highContrastLight(): boolean {
  return typeof document !== 'undefined' && document.body?.classList.contains('vscode-high-contrast-light') === true;
}

export function runColor(index: number, onWhite = highContrastLight()): string {
  const palette = onWhite ? HIGH_CONTRAST_LIGHT : PALETTE;
  if (index >= 0 && index < palette.length) return palette[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return onWhite ? `hsl(${hue} 70% 32%)` : `hsl(${hue} 65% 55%)`;
}

/** The same colour, see-through: for the raw (unsmoothed) line under the smoothed one. */
export function fadedColor(color: string, alpha = 0.4): string {
  if (color.startsWith('#')) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/\)$/, ` / ${alpha})`);
}
