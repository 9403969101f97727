// A run's colour comes from its position in the sweep, so it is the same on every chart,
// after reloads and while new runs appear. Ten distinct hues, then golden-angle hues.
const PALETTE = ['#4e9cf5', '#f28e2b', '#59c36a', '#e15759', '#b07aa1', '#edc948', '#76b7b2', '#ff9da7', '#9c755f', '#bab0ac'];

export function runColor(index: number): string {
  if (index >= 0 && index < PALETTE.length) return PALETTE[index]!;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue} 65% 55%)`;
}

/** The same colour, see-through: for the raw (unsmoothed) line under the smoothed one. */
export function fadedColor(color: string, alpha = 0.4): string {
  if (color.startsWith('#')) return color + Math.round(alpha * 255).toString(16).padStart(2, '0');
  return color.replace(/\)$/, ` / ${alpha})`);
}
