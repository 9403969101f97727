// TensorBoard's scalar smoothing, for the panel's and the report's loss charts: an exponential
// moving average, debiased so that the first points are not pulled towards zero (it starts at 0
// and is divided by 1 - w^n).

/** Where a smoothing pass stopped, to continue from. */
export interface EmaState {
  last: number;
  count: number;
  /** weight ** count, kept as a running product (no Math.pow per point). */
  pow?: number;
}

/** Smooths `values[from..]` into `out`, continuing from `state` (so appended points cost O(new)). */
export function emaSmooth(values: ArrayLike<number>, weight: number, out: Float64Array, from = 0, state: EmaState = { last: 0, count: 0 }): EmaState {
  let { last, count } = state;
  let pow = state.pow ?? weight ** count;
  for (let i = from; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    pow *= weight;
    out[i] = weight === 1 ? last : last / (1 - pow);
  }
  return { last, count, pow };
}

/** The whole series smoothed at once (the report's charts). */
export function emaSmoothed(values: readonly number[], weight: number): number[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`EMA weight must be in [0, 1), got ${weight}`);
  const out = new Float64Array(values.length);
  emaSmooth(values, weight, out);
  return Array.from(out);
}
