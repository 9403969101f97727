// The linear schedule against the arrays torch computes for the notebook (float32), from
// test/fixtures/make_fixtures.py. Ours are float64, so they differ by float32 rounding:
// about 1e-7 relative, except where torch subtracts nearly equal numbers (1 - alphaBar
// for small t), where its float32 error is up to one ulp of alphaBar (2^-24) absolute.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNoiseSchedule, type NoiseSchedule } from '../../src/shared/noiseSchedules';
import { toFloat32 } from '../../src/trainer/model/safetensors';
import { readSafetensorsFixture } from '../helpers/tensors';

const torchSchedule = readSafetensorsFixture('schedule_linear_T300.safetensors');
const ours = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
const ULP = 2 ** -24;

function compare(torchName: string, key: keyof NoiseSchedule, tolerance: (t: number) => number): void {
  const expected = toFloat32(torchSchedule.get(torchName)!);
  const actual = ours[key] as Float64Array;
  assert.equal(actual.length, expected.length, torchName);
  for (let t = 0; t < expected.length; t++) {
    const rel = Math.abs(actual[t]! - expected[t]!) / (Math.abs(expected[t]!) || 1);
    assert.ok(rel <= tolerance(t), `${torchName}[${t}]: ours ${actual[t]}, torch ${expected[t]} (relative ${rel.toExponential(2)} > ${tolerance(t).toExponential(2)})`);
  }
}

test('linear T=300 schedule matches torch (float32) within its rounding', () => {
  const plain = () => 3e-7;
  // Relative float32 error of (1 - alphaBar_t), as computed by torch.
  const cancellation = (t: number) => (t < 0 ? 0 : (2 * ULP) / (1 - ours.alphasCumprod[t]!));
  compare('betas', 'betas', plain);
  compare('alphas_cumprod', 'alphasCumprod', plain);
  compare('alphas_cumprod_prev', 'alphasCumprodPrev', plain);
  compare('sqrt_recip_alphas', 'sqrtRecipAlphas', plain);
  compare('sqrt_alphas_cumprod', 'sqrtAlphasCumprod', plain);
  compare('sqrt_one_minus_alphas_cumprod', 'sqrtOneMinusAlphasCumprod', (t) => 3e-7 + cancellation(t));
  compare('posterior_variance', 'posteriorVariance', (t) => 3e-7 + cancellation(t) + cancellation(t - 1));
  assert.equal(ours.posteriorVariance[0], 0);
});
