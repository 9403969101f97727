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

/**
 * lo..hi widened to whole tick steps, with its ticks: at least three (two intervals), since
 * the step is at most 2.5 times span / target. Equal ends get a margin first.
 */
export function tickDomain(lo: number, hi: number, target = 5): { lo: number; hi: number; values: number[]; decimals: number } {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const first = niceTicks(lo, hi, target);
  const step = first.values.length > 1 ? first.values[1]! - first.values[0]! : (hi - lo) / target;
  const [k0, k1] = [Math.floor(lo / step + 1e-9), Math.ceil(hi / step - 1e-9)];
  const values: number[] = [];
  for (let k = k0; k <= k1; k++) values.push(Number((k * step).toFixed(first.decimals)));
  return { lo: values[0]!, hi: values[values.length - 1]!, values, decimals: first.decimals };
}
