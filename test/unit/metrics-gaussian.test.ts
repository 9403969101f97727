import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  discretizedGaussianLogLikelihood,
  erf,
  erfc,
  logNormalIntervalProbability,
  logUpperTail,
  normalKl,
} from '../../src/trainer/metrics/gaussian';
import { referenceDecoderLogLikelihood, referenceLogProbability } from '../helpers/metricsReference';

test('erf and erfc match tabulated values, in the series range, the continued-fraction range and at the switch', () => {
  const table: Array<[number, number, number]> = [
    // x, erf(x), erfc(x) (Abramowitz & Stegun table 7.1 and standard high-precision values)
    [0, 0, 1],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [1, 0.8427007929497149, 0.15729920705028513],
    [2, 0.9953222650189527, 0.004677734981047266],
    [3, 0.9999779095030014, 2.209049699858544e-5],
    [5, 0.9999999999984626, 1.5374597944280349e-12],
    [10, 1, 2.088487583762545e-45],
  ];
  for (const [x, e, ec] of table) {
    assert.ok(Math.abs(erf(x) - e) < 1e-15, `erf(${x}) = ${erf(x)}, expected ${e}`);
    assert.ok(Math.abs(erf(-x) + e) < 1e-15, `erf(-${x}) = ${erf(-x)}`);
    assert.ok(Math.abs(erfc(x) / ec - 1) < 1e-13, `erfc(${x}) = ${erfc(x)}, expected ${ec}`);
    assert.ok(Math.abs(erfc(-x) - (2 - ec)) < 1e-15, `erfc(-${x}) = ${erfc(-x)}`);
  }
  // Continuous across the switch between the two methods: the step equals the slope -2/sqrt(pi) e^-4 times h.
  const h = 1e-9;
  const slope = (2 / Math.sqrt(Math.PI)) * Math.exp(-4);
  assert.ok(Math.abs(erfc(2 - h) - erfc(2) - slope * h) < 1e-15);
});

test('logUpperTail is accurate far past where erfc underflows', () => {
  // Mills ratio: Q(z) ~ phi(z)/z (1 - 1/z^2 + 3/z^4 - 15/z^6 + 105/z^8), error below 945/z^10.
  for (const z of [40, 60, 100]) {
    const series = 1 - 1 / z ** 2 + 3 / z ** 4 - 15 / z ** 6 + 105 / z ** 8;
    const expected = -(z * z) / 2 - 0.5 * Math.log(2 * Math.PI) - Math.log(z) + Math.log(series);
    assert.ok(Math.abs(logUpperTail(z) - expected) < 1e-12 * Math.abs(expected), `z=${z}: ${logUpperTail(z)} vs ${expected}`);
  }
  assert.equal(logUpperTail(Infinity), -Infinity);
  assert.equal(logUpperTail(-Infinity), 0);
  assert.ok(Math.abs(logUpperTail(0) - Math.log(0.5)) < 1e-16);
});

test('logNormalIntervalProbability matches numerical integration in the body, both tails, across 0 and to infinity', () => {
  const intervals: Array<[number, number]> = [
    [-0.1, 0.1], [-1e-6, 1e-6], [0, 0.5], [0.3, 0.31], [1.9, 2.1], [2, 2.5], [5, 5.01], [12, 12.2], [29.5, 30],
    [-30, -29.5], [-3, -2.99], [-2, 3], [-5, 0.001], [3, Infinity], [25, Infinity], [-Infinity, -25], [-Infinity, 1.5], [-1.5, Infinity],
    [-Infinity, -0.2], [-0.2, Infinity],
  ];
  for (const [a, b] of intervals) {
    const got = logNormalIntervalProbability(a, b);
    const expected = referenceLogProbability(a, b);
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(got - expected) < tolerance, `[${a}, ${b}]: ${got} vs ${expected}`);
  }
  assert.equal(logNormalIntervalProbability(-Infinity, Infinity), 0);
  assert.throws(() => logNormalIntervalProbability(1, 1), /a < b/);
});

test('the discretised Gaussian decoder matches the integral over its bin, with the edge bins open to infinity', () => {
  const cases: Array<{ x: number; mean: number; std: number }> = [
    { x: 2 * (100 / 255) - 1, mean: 2 * (100 / 255) - 1, std: 0.0079 }, // centred, the sharp t = 0 decoder
    { x: 2 * (100 / 255) - 1, mean: 2 * (103 / 255) - 1, std: 0.0079 }, // three bins off: far in the tail
    { x: 2 * (17 / 255) - 1, mean: 0.5, std: 0.0079 }, // hopeless: the mean is ~80 std away
    { x: 2 * (200 / 255) - 1, mean: 0.3, std: 0.4 }, // a wide decoder
    { x: -1, mean: -0.98, std: 0.01 }, // lowest bin: (-inf, -1 + 1/255]
    { x: -1, mean: 0.4, std: 0.01 }, // lowest bin, mean far above it
    { x: 1, mean: 0.97, std: 0.02 }, // highest bin: [1 - 1/255, inf)
    { x: 1, mean: 1.5, std: 0.05 }, // highest bin, mean beyond it
  ];
  for (const { x, mean, std } of cases) {
    const got = discretizedGaussianLogLikelihood(x, mean, Math.log(std));
    const expected = referenceDecoderLogLikelihood(x, mean, std);
    assert.ok(Math.abs(got - expected) < 1e-9 * Math.max(1, Math.abs(expected)), `x=${x} mean=${mean} std=${std}: ${got} vs ${expected}`);
  }
});

test('the 256 bins of the decoder hold all of the probability', () => {
  for (const [mean, std] of [[0.1, 0.0079], [-0.7, 0.2], [0.999, 0.05], [3, 1]] as const) {
    let total = 0;
    for (let k = 0; k < 256; k++) total += Math.exp(discretizedGaussianLogLikelihood((2 * k) / 255 - 1, mean, Math.log(std)));
    assert.ok(Math.abs(total - 1) < 1e-12, `mean ${mean}, std ${std}: total ${total}`);
  }
});

test('normalKl matches the closed form of KL between Gaussians', () => {
  const closedForm = (m1: number, v1: number, m2: number, v2: number) => 0.5 * (Math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1);
  assert.equal(normalKl(0.3, Math.log(0.2), 0.3, Math.log(0.2)), 0);
  assert.ok(Math.abs(normalKl(0.5, 0, 0, 0) - 0.125) < 1e-16);
  for (const [m1, v1, m2, v2] of [[0.1, 0.5, -0.4, 1], [1, 1e-4, 0.99, 2e-4], [0, 0.02, 0, 6e-5]] as const) {
    const expected = closedForm(m1, v1, m2, v2);
    assert.ok(Math.abs(normalKl(m1, Math.log(v1), m2, Math.log(v2)) - expected) < 1e-12 * Math.max(1, expected));
  }
  // Nearly equal variances, KL = d^2/4 + O(d^3): the expm1 form keeps it to 1e-6 where the
  // textbook form, 0.5 (-1 - d + exp(d)), returns only rounding error.
  const d = 1e-9;
  assert.ok(Math.abs(normalKl(0, d, 0, 0) / ((d * d) / 4) - 1) < 1e-6);
});
