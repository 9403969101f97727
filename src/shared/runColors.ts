// A run's colour, the same in the panel and in the exported report: it comes from the run's
// position in its sweep (RunSummary.colorIndex, the index in sweep.json's runs), so it stays
// the same on every chart, after reloads and while new runs appear. Ten distinct hues, then
// golden-angle hues. The panel's themes pick a palette (darker hues in High Contrast Light);
// the report, drawn on white, uses the panel's default palette (RUN_PALETTE).

/** The panel's default palette, and the report's. */
export const RUN_PALETTE = [
  { hex: '#4e9cf5', name: 'blue' }, { hex: '#f28e2b', name: 'orange' }, { hex: '#59c36a', name: 'green' },
  { hex: '#e15759', name: 'red' }, { hex: '#b07aa1', name: 'purple' }, { hex: '#edc948', name: 'yellow' },
  { hex: '#76b7b2', name: 'teal' }, { hex: '#ff9da7', name: 'pink' }, { hex: '#9c755f', name: 'brown' },
  { hex: '#bab0ac', name: 'grey' },
] as const;

/**
 * The same hues darkened (in linear light) to 4:1 against white, for High Contrast Light,
 * where most of the usual ones fall under 3:1 (WCAG's minimum for lines and marks).
 */
export const HIGH_CONTRAST_LIGHT_PALETTE = ['#4081cc', '#ba6c1f', '#3f8f4c', '#d75355', '#a17094', '#957d2a', '#568884', '#b16c73', '#9c755f', '#857e7b'] as const;

/** Which palette entry run `index` gets; undefined past the palette (then a golden-angle hue). */
export function paletteSlot(index: number): number | undefined {
  return Number.isInteger(index) && index >= 0 && index < RUN_PALETTE.length ? index : undefined;
}

/** Run `index`'s colour; `onWhite` for High Contrast Light. */
export function runColor(index: number, onWhite = false): string {
  const slot = paletteSlot(index);
  if (slot !== undefined) return onWhite ? HIGH_CONTRAST_LIGHT_PALETTE[slot]! : RUN_PALETTE[slot]!.hex;
  const hue = Math.round((index * 137.508) % 360);
  return onWhite ? `hsl(${hue} 70% 32%)` : `hsl(${hue} 65% 55%)`;
}

/** A colour's name for text (a caption with no legend drawn): the palette's, else the colour itself. */
export function runColorName(color: string): string {
  return RUN_PALETTE.find((c) => c.hex === color)?.name ?? color;
}
