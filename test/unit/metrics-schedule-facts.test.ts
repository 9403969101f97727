import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { evenlySpacedTimesteps, scheduleFacts } from '../../src/trainer/metrics/scheduleFacts';

test('the notebook schedule leaves sqrt(alphaBar_299) = 0.219 of the signal at the last step', () => {
  const facts = scheduleFacts(makeNoiseSchedule('linear', 300, 1e-4, 0.02));
  // Independently: the product of (1 - beta) over 300 betas evenly spaced from 1e-4 to 0.02.
  let product = 1;
  for (let t = 0; t < 300; t++) product *= 1 - (1e-4 + (t * (0.02 - 1e-4)) / 299);
  assert.ok(Math.abs(facts.sqrtAlphaBarLast - Math.sqrt(product)) < 1e-12, `${facts.sqrtAlphaBarLast} vs ${Math.sqrt(product)}`);
  assert.equal(facts.sqrtAlphaBarLast.toFixed(3), '0.219');
  assert.equal(facts.T, 300);
  assert.equal(facts.schedule, 'linear');
});

test('more steps leave less signal; the cosine schedule leaves almost none', () => {
  const left = (T: number) => scheduleFacts(makeNoiseSchedule('linear', T, 1e-4, 0.02)).sqrtAlphaBarLast;
  assert.ok(left(250) > left(300) && left(300) > left(350));
  assert.ok(scheduleFacts(makeNoiseSchedule('cosine', 300, 1e-4, 0.02)).sqrtAlphaBarLast < 0.01);
});

test('the SNR curve: at most 100 points from t = 0 to T-1, alphaBar/(1 - alphaBar) at each, falling', () => {
  const schedule = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  const { snr } = scheduleFacts(schedule);
  assert.equal(snr.t.length, 100);
  assert.equal(snr.value.length, 100);
  assert.equal(snr.t[0], 0);
  assert.equal(snr.t[99], 299);
  let product = 1;
  const alphaBar = Array.from({ length: 300 }, (_, t) => (product *= 1 - (1e-4 + (t * (0.02 - 1e-4)) / 299)));
  snr.t.forEach((t, i) => {
    if (i > 0) assert.ok(t > snr.t[i - 1]!, 'timesteps ascend');
    const expected = alphaBar[t]! / (1 - alphaBar[t]!);
    assert.ok(Math.abs(snr.value[i]! / expected - 1) < 1e-9, `t=${t}: ${snr.value[i]} vs ${expected}`);
    if (i > 0) assert.ok(snr.value[i]! < snr.value[i - 1]!, 'SNR falls with t');
  });
  // SNR at t = 0 is (1 - beta_0)/beta_0 = 9999.
  assert.ok(Math.abs(snr.value[0]! - 9999) < 1e-6);
});

test('short schedules keep every t; the spacing is even and includes both ends', () => {
  assert.deepEqual(evenlySpacedTimesteps(5, 100), [0, 1, 2, 3, 4]);
  assert.deepEqual(evenlySpacedTimesteps(11, 6), [0, 2, 4, 6, 8, 10]);
  assert.equal(scheduleFacts(makeNoiseSchedule('linear', 50, 1e-4, 0.02)).snr.t.length, 50);
  assert.throws(() => evenlySpacedTimesteps(300, 1), /maxPoints/);
});
