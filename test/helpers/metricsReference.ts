// Float64 references for the metrics tests, computed without the code under test.

/**
 * log P(a < Z < b), Z ~ N(0, 1), by composite Simpson integration of the density (no erf
 * anywhere). The integrand is divided by the density at the interval's point nearest 0, so it
 * never underflows however far in the tail the interval lies; infinite ends are cut 12
 * standard deviations past that point, where the rest is below e^-72.
 */
export function referenceLogProbability(a: number, b: number): number {
  const peak = a > 0 ? a : b < 0 ? b : 0;
  const lo = Math.max(a, peak - 12);
  const hi = Math.min(b, peak + 12);
  const steps = 2 * Math.ceil((hi - lo) / 4e-4);
  const h = (hi - lo) / steps;
  const f = (z: number) => Math.exp(-(z * z - peak * peak) / 2);
  let sum = f(lo) + f(hi);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return Math.log((sum * h) / 3) - (peak * peak) / 2 - 0.5 * Math.log(2 * Math.PI);
}

/** log p(x) of the decoder: N(mean, std^2) mass on x's bin of width 2/255, edge bins (x = +-1) open. */
export function referenceDecoderLogLikelihood(x: number, mean: number, std: number): number {
  const lower = x <= -1 ? -Infinity : (x - 1 / 255 - mean) / std;
  const upper = x >= 1 ? Infinity : (x + 1 / 255 - mean) / std;
  return referenceLogProbability(lower, upper);
}
