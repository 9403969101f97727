import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BETA_SCHEDULES, linspace, makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { SCHEDULES } from '../../src/shared/options';

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(Math.abs(a - e) <= tol, `${what}[${i}] = ${a}, expected ${e} (tol ${tol})`);
  }
}

// Written independently of the module: the notebook's formulas, term by term, in float64.
function referenceLinear(T: number, start: number, end: number) {
  const betas: number[] = [];
  for (let i = 0; i < T; i++) betas.push(start + ((end - start) * i) / (T - 1));
  const alphas = betas.map((b) => 1 - b);
  const acp: number[] = [];
  alphas.reduce((p, a) => (acp.push(p * a), p * a), 1);
  const prev = [1, ...acp.slice(0, -1)];
  return {
    betas,
    alphas,
    acp,
    prev,
    sqrtRecipAlphas: alphas.map((a) => 1 / Math.sqrt(a)),
    sqrtAcp: acp.map(Math.sqrt),
    sqrtOneMinusAcp: acp.map((a) => Math.sqrt(1 - a)),
    posteriorVariance: betas.map((b, t) => (b * (1 - prev[t]!)) / (1 - acp[t]!)),
    snr: acp.map((a) => a / (1 - a)),
  };
}

test('linear schedule matches an independent float64 computation of the notebook formulas', () => {
  for (const T of [250, 300, 350]) {
    const s = makeNoiseSchedule('linear', T, 1e-4, 0.02);
    const r = referenceLinear(T, 1e-4, 0.02);
    assert.equal(s.T, T);
    assert.equal(s.name, 'linear');
    assertClose(s.betas, r.betas, 1e-15, 'betas');
    assertClose(s.alphas, r.alphas, 1e-15, 'alphas');
    assertClose(s.alphasCumprod, r.acp, 1e-13, 'alphasCumprod');
    assertClose(s.alphasCumprodPrev, r.prev, 1e-13, 'alphasCumprodPrev');
    assertClose(s.sqrtRecipAlphas, r.sqrtRecipAlphas, 1e-13, 'sqrtRecipAlphas');
    assertClose(s.sqrtAlphasCumprod, r.sqrtAcp, 1e-13, 'sqrtAlphasCumprod');
    assertClose(s.sqrtOneMinusAlphasCumprod, r.sqrtOneMinusAcp, 1e-11, 'sqrtOneMinusAlphasCumprod');
    assertClose(s.posteriorVariance, r.posteriorVariance, 1e-13, 'posteriorVariance');
    for (let t = 0; t < T; t++) {
      assert.ok(Math.abs(s.signalToNoise[t]! / r.snr[t]! - 1) < 1e-9, `signalToNoise[${t}]`);
    }
  }
});

test('linear T=300 hand-checked values (torch 1.13, float64, reference_torch.py Schedule)', () => {
  const s = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  assert.equal(s.betas[0], 1e-4);
  assert.equal(s.betas[299], 0.02);
  assert.equal(s.alphasCumprodPrev[0], 1);
  assert.equal(s.posteriorVariance[0], 0);
  assert.ok(Math.abs(s.alphasCumprod[0]! - 0.9999) < 1e-16);
  assertClose(
    [s.alphasCumprod[150]!, s.alphasCumprod[299]!, s.sqrtAlphasCumprod[299]!, s.sqrtOneMinusAlphasCumprod[1]!,
      s.posteriorVariance[1]!, s.posteriorVariance[299]!, s.sqrtRecipAlphas[150]!],
    [0.4623452376194675, 0.04805842894429399, 0.21922232765914604, 0.016326007730858818,
      6.248822071943824e-05, 0.019979394023877294, 1.005080089203577],
    1e-14,
    'torch float64 values',
  );
  // Each step adds noise: the signal fraction falls monotonically.
  for (let t = 1; t < 300; t++) assert.ok(s.alphasCumprod[t]! < s.alphasCumprod[t - 1]!);
});

test('linspace is inclusive at both ends and evenly spaced', () => {
  const v = linspace(1e-4, 0.02, 300);
  assert.equal(v.length, 300);
  assert.equal(v[0], 1e-4);
  assert.equal(v[299], 0.02);
  const step = (0.02 - 1e-4) / 299;
  for (let i = 1; i < 300; i++) assert.ok(Math.abs(v[i]! - v[i - 1]! - step) < 1e-15);
  assert.deepEqual(Array.from(linspace(3, 7, 1)), [3]);
});

test('cosine schedule: alphaBar starts near 1, decreases, ends near 0; betas clipped at 0.999', () => {
  for (const T of [5, 50, 300, 1000]) {
    const s = makeNoiseSchedule('cosine', T, 1e-4, 0.02);
    // With few steps even t = 0 is a fifth of the way along the cosine.
    assert.ok(s.alphasCumprod[0]! > (T >= 50 ? 0.99 : 0.85), `T=${T}: alphaBar_0 = ${s.alphasCumprod[0]}`);
    assert.ok(s.alphasCumprod[T - 1]! < 1e-3, `T=${T}: alphaBar_T-1 = ${s.alphasCumprod[T - 1]}`);
    for (let t = 1; t < T; t++) assert.ok(s.alphasCumprod[t]! < s.alphasCumprod[t - 1]!, `T=${T} decreasing at ${t}`);
    assert.ok(s.betas.every((b) => b > 0 && b <= 0.999));
    assert.equal(s.betas[T - 1], 0.999);
  }
  // Values from lucidrains' cosine_beta_schedule(300) in torch float64.
  const s = makeNoiseSchedule('cosine', 300, 1e-4, 0.02);
  assertClose(
    [s.betas[0]!, s.betas[1]!, s.betas[150]!, s.betas[298]!, s.alphasCumprod[0]!, s.alphasCumprod[150]!, s.alphasCumprod[299]!],
    [0.00015649627959890555, 0.0002104677074292738, 0.010518322429169946, 0.7499932543469323,
      0.9998435037204011, 0.48864918432680426, 2.698607809625693e-08],
    1e-13,
    'cosine torch float64 values',
  );
});

test('cosine alphaBar_t follows cos^2((t/T + s)/(1 + s) pi/2), normalised', () => {
  const T = 40;
  const s = makeNoiseSchedule('cosine', T, 0, 0);
  const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * Math.PI * 0.5) ** 2;
  for (let t = 0; t < T - 1; t++) {
    assert.ok(Math.abs(s.alphasCumprod[t]! - f(t + 1) / f(0)) < 1e-12, `alphaBar[${t}]`);
  }
});

test('linear-scaled schedule scales the beta range by 1000/T', () => {
  const s = makeNoiseSchedule('linear-scaled', 300, 1e-4, 0.02);
  assertClose(
    [s.betas[0]!, s.betas[1]!, s.betas[150]!, s.betas[299]!, s.alphasCumprod[299]!],
    [0.0003333333333333334, 0.0005551839464882943, 0.03361092530657748, 0.06666666666666667, 3.42614641257447e-05],
    1e-14,
    'linear-scaled torch float64 values',
  );
  const atThousand = makeNoiseSchedule('linear-scaled', 1000, 1e-4, 0.02);
  assertClose(atThousand.betas, makeNoiseSchedule('linear', 1000, 1e-4, 0.02).betas, 0, 'T=1000 is unscaled');
});

test('every registered schedule gives a valid schedule and a name outside the registry is refused', () => {
  assert.deepEqual(Object.keys(BETA_SCHEDULES).sort(), [...SCHEDULES].sort());
  for (const name of SCHEDULES) {
    const s = makeNoiseSchedule(name, 300, 1e-4, 0.02);
    assert.equal(s.posteriorVariance[0], 0);
    for (const array of [s.betas, s.alphasCumprod, s.posteriorVariance, s.sqrtRecipAlphas, s.signalToNoise]) {
      assert.ok(array.every(Number.isFinite), `${name}: finite`);
    }
  }
  assert.throws(() => makeNoiseSchedule('quadratic' as never, 10, 1e-4, 0.02), /unknown schedule/);
});

test('betas outside (0, 1) are refused with the reason', () => {
  // linear-scaled at T = 5 would need betas up to 4.
  assert.throws(() => makeNoiseSchedule('linear-scaled', 5, 1e-4, 0.02), /need 0 < beta < 1/);
  assert.throws(() => makeNoiseSchedule('linear', 10, 0, 0.02), /need 0 < beta < 1/);
  assert.throws(() => makeNoiseSchedule('linear', 0, 1e-4, 0.02), /positive integer/);
});
