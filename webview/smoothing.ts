// TensorBoard's scalar smoothing: an exponential moving average, debiased so that the
// first points are not pulled towards zero (it starts at 0 and is divided by 1 - w^n).

/** Smooths `values[from..]` into `out`, continuing from `state` (so appended points cost O(new)). */
export interface EmaState {
  last: number;
  count: number;
}

export function emaSmooth(values: ArrayLike<number>, weight: number, out: Float64Array, from = 0, state: EmaState = { last: 0, count: 0 }): EmaState {
  let { last, count } = state;
  for (let i = from; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, count);
    out[i] = last / debias;
  }
  return { last, count };
}
