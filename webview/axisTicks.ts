// Round tick values for the panel's own axes (uPlot draws the loss chart's).

/** About `target` round tick values between lo and hi (steps of 1, 2 or 5 times a power of ten), and the decimals they need. */
export function niceTicks(lo: number, hi: number, target = 5): { values: number[]; decimals: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { values: Number.isFinite(lo) ? [lo] : [], decimals: 0 };
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const values: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) values.push(Number(v.toFixed(decimals)));
  return { values, decimals };
}
