// Float64 Gaussian arithmetic for the variational bound: erf, log-probabilities of
// intervals under N(0, 1) that stay accurate far in the tails, the KL divergence between
// two Gaussians, and DDPM's discretised Gaussian decoder. Plain numbers, no tensors: the
// bound is summed from millions of these and float32 would lose the small terms.

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2 = Math.SQRT2;
/** Below this, erf's series; at and above, erfc's continued fraction. */
const SERIES_LIMIT = 2;

/**
 * erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
 * (Abramowitz & Stegun 7.1.6). Every term has the sign of x, so nothing cancels; for
 * |x| < 2 it converges to full double precision in under 60 terms.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
  }
  return (2 / SQRT_PI) * Math.exp(-x2) * sum;
}

/**
 * The scaled complement erfcx(x) = exp(x^2) erfc(x) for x >= 2, from the continued fraction
 * erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) (A&S 7.1.14),
 * evaluated by Lentz's method. Scaled, so it never underflows however far out x is.
 */
function erfcxContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    c = x + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  if (!Number.isFinite(x)) return Math.sign(x);
  const tail = Math.exp(-x * x) * erfcxContinuedFraction(Math.abs(x));
  return x > 0 ? 1 - tail : tail - 1;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return x === Infinity ? 0 : Math.exp(-x * x) * erfcxContinuedFraction(x);
  return 1 - erf(x);
}

/** log Q(z) = log P(Z > z) for Z ~ N(0, 1), accurate to about 1e-14 relative for any finite z. */
export function logUpperTail(z: number): number {
  if (z === Infinity) return -Infinity;
  if (z === -Infinity) return 0;
  const x = z / SQRT_2;
  // Q(z) = erfc(x)/2 = exp(-x^2) erfcx(x)/2: taken in logs, it holds past erfc's underflow.
  if (x >= SERIES_LIMIT) return Math.log(0.5) - x * x + Math.log(erfcxContinuedFraction(x));
  if (x > -SERIES_LIMIT) return Math.log(0.5 * (1 - erfSeries(x)));
  return Math.log1p(-0.5 * erfc(-x));
}

/**
 * log P(a < Z < b) for Z ~ N(0, 1) and a < b (either may be infinite). Written so no
 * subtraction loses the answer: both ends in one tail use that tail's Q (small numbers,
 * relative precision), an interval around 0 adds two erfs of the same sign.
 */
export function logNormalIntervalProbability(a: number, b: number): number {
  if (!(a < b)) throw new Error(`logNormalIntervalProbability: need a < b, got [${a}, ${b}]`);
  if (a >= 0) {
    const logQa = logUpperTail(a);
    const logQb = logUpperTail(b);
    return logQa + Math.log1p(-Math.exp(logQb - logQa));
  }
  if (b <= 0) return logNormalIntervalProbability(-b, -a);
  const halfMass = (z: number) => (z === Infinity ? 1 : erf(z / SQRT_2));
  return Math.log(0.5 * (halfMass(b) + halfMass(-a)));
}

/**
 * KL(N(mean1, exp(logVar1)) || N(mean2, exp(logVar2))) in nats, per dimension:
 * 0.5 (-1 + logVar2 - logVar1 + exp(logVar1 - logVar2) + (mean1 - mean2)^2 exp(-logVar2)),
 * as normal_kl in Ho et al.'s diffusion_utils_2.py; expm1 keeps it exact when the variances match.
 */
export function normalKl(mean1: number, logVar1: number, mean2: number, logVar2: number): number {
  const d = logVar1 - logVar2;
  const diff = mean1 - mean2;
  return 0.5 * (Math.expm1(d) - d + diff * diff * Math.exp(-logVar2));
}

/** Half the width of one of the 256 bins that 8-bit data occupies once scaled to [-1, 1]. */
export const BIN_HALF_WIDTH = 1 / 255;

/**
 * log p(x) under DDPM's discretised Gaussian decoder (Ho et al. 2020 eq. 13;
 * `discretized_gaussian_log_likelihood` in diffusion_utils_2.py): the mass that
 * N(mean, exp(logScale)^2) puts on x's bin [x - 1/255, x + 1/255], with the edge bins
 * (x = -1, x = 1) stretched to -inf and +inf so the 256 bins cover the line. x must be an
 * 8-bit value scaled to [-1, 1]. Ho's code uses a tanh approximation of the normal CDF and
 * floors probabilities at 1e-12; here the CDF is exact and there is no floor, so a model that
 * puts almost no mass on the data is charged what it actually costs.
 */
export function discretizedGaussianLogLikelihood(x: number, mean: number, logScale: number): number {
  const invStd = Math.exp(-logScale);
  const lower = x < -0.999 ? -Infinity : (x - BIN_HALF_WIDTH - mean) * invStd;
  const upper = x > 0.999 ? Infinity : (x + BIN_HALF_WIDTH - mean) * invStd;
  return logNormalIntervalProbability(lower, upper);
}
