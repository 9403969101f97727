import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { makeNoiseSchedule, type NoiseSchedule } from '../../src/shared/noiseSchedules';
import { SAMPLERS } from '../../src/shared/options';
import { DEFAULT_RUN_CONFIG } from '../../src/shared/runConfig';
import { RUN_CONFIG_TABLE } from '../../src/shared/runConfigSchema';
import { REVERSE_SAMPLERS, ddimSample, ddpmSample, type EpsModel } from '../../src/trainer/diffusion/samplers';
import { Random } from '../../src/trainer/random';

before(async () => {
  await tf.setBackend('cpu');
});

// Tiny case: T = 5, two 2x2 RGB images.
const T = 5;
const [COUNT, SIZE, CHANNELS] = [2, 2, 3];
const N = COUNT * SIZE * SIZE * CHANNELS;
const schedule = makeNoiseSchedule('linear', T, 1e-4, 0.02);
// Some values lie outside [-1, 1] so that clamping x_t visibly changes the result.
const TARGET = Float64Array.from({ length: N }, (_, i) => 1.6 * Math.sin(1.7 * i + 0.3));

// The schedule again, computed here in float64 from the notebook's formulas.
const betas = Array.from({ length: T }, (_, i) => 1e-4 + ((0.02 - 1e-4) * i) / (T - 1));
const alphaBar: number[] = [];
betas.reduce((p, b) => (alphaBar.push(p * (1 - b)), p * (1 - b)), 1);
const alphaBarPrev = [1, ...alphaBar.slice(0, -1)];

/** eps that a perfect model would predict if every image were TARGET: x_t - sqrt(abar) x0 over sqrt(1 - abar). */
function oracleEps64(x: ArrayLike<number>, t: number): number[] {
  return Array.from(x, (v, i) => (v - Math.sqrt(alphaBar[t]!) * TARGET[i]!) / Math.sqrt(1 - alphaBar[t]!));
}

/** The same oracle as a tfjs model; records the timesteps it is called with. */
function oracleModel(s: NoiseSchedule, calls: number[][]): EpsModel {
  const target = tf.tensor4d(Float32Array.from(TARGET), [COUNT, SIZE, SIZE, CHANNELS]);
  return (x, t) => {
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, [x.shape[0]]);
    const ts = Array.from(t.dataSync());
    calls.push(ts);
    const step = ts[0]!;
    return tf.div(tf.sub(x, tf.mul(target, s.sqrtAlphasCumprod[step]!)), s.sqrtOneMinusAlphasCumprod[step]!);
  };
}

const clampUnit = (v: number) => Math.min(1, Math.max(-1, v));

/** Ancestral DDPM step by step in float64, drawing from the rng in the order the sampler must. */
function referenceDdpm(seed: number, clamp: boolean): { final: number[]; trajectory: number[][]; rng: Random } {
  const rng = new Random(seed);
  let x = Array.from(rng.normals(N));
  const trajectory: number[][] = [];
  for (let t = T - 1; t >= 0; t--) {
    const eps = oracleEps64(x, t);
    const mean = x.map((v, i) => (1 / Math.sqrt(1 - betas[t]!)) * (v - (betas[t]! * eps[i]!) / Math.sqrt(1 - alphaBar[t]!)));
    if (t > 0) {
      const z = rng.normals(N);
      const variance = (betas[t]! * (1 - alphaBarPrev[t]!)) / (1 - alphaBar[t]!);
      x = mean.map((m, i) => m + Math.sqrt(variance) * z[i]!);
    } else {
      x = mean;
    }
    if (clamp) x = x.map(clampUnit);
    trajectory.push(x);
  }
  return { final: x, trajectory, rng };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
  }
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

for (const clamp of ['x_t', 'none'] as const) {
  test(`ddpmSample (clamp ${clamp}) follows a float64 step-by-step DDPM with the same draws`, async () => {
    const calls: number[][] = [];
    const progress: number[] = [];
    const rng = new Random(11);
    const result = await ddpmSample(oracleModel(schedule, calls), schedule, {
      count: COUNT, imgSize: SIZE, rng, clamp, snapshots: T,
      onProgress: (done, total) => {
        assert.equal(total, T);
        progress.push(done);
      },
    });
    const reference = referenceDdpm(11, clamp === 'x_t');
    assert.deepEqual(result.images.shape, [COUNT, SIZE, SIZE, CHANNELS]);
    assertClose(result.images.dataSync(), reference.final, 2e-5, 'images');
    assert.deepEqual(calls, [[4, 4], [3, 3], [2, 2], [1, 1], [0, 0]], 'model sees t = T-1 .. 0, one value per example');
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
    assert.equal(rng.normal(), reference.rng.normal(), 'no draws beyond the reference (none at t = 0)');
    // Snapshots every step here: example 0's trajectory.
    assert.deepEqual(result.snapshotSteps, [4, 3, 2, 1, 0]);
    assert.deepEqual(result.snapshots.shape, [T, SIZE, SIZE, CHANNELS]);
    const perImage = SIZE * SIZE * CHANNELS;
    const snaps = result.snapshots.dataSync();
    reference.trajectory.forEach((x, k) =>
      assertClose(snaps.subarray(k * perImage, (k + 1) * perImage), x.slice(0, perImage), 2e-5, `snapshot ${k}`));
    if (clamp === 'none') {
      // A perfect eps-model takes the last (noise-free) step exactly onto the data.
      assertClose(result.images.dataSync(), TARGET, 2e-5, 'lands on the target');
    } else {
      assert.ok(result.images.dataSync().every((v) => v >= -1 && v <= 1));
    }
    tf.dispose([result.images, result.snapshots]);
  });
}

test('clamping x_t changes the samples when the data leaves [-1, 1]', async () => {
  const run = async (clamp: 'x_t' | 'none') => {
    const r = await ddpmSample(oracleModel(schedule, []), schedule, { count: COUNT, imgSize: SIZE, rng: new Random(5), clamp, snapshots: 0 });
    const values = Array.from(r.images.dataSync());
    tf.dispose([r.images, r.snapshots]);
    return values;
  };
  const clamped = await run('x_t');
  const free = await run('none');
  assert.ok(Math.max(...free.map(Math.abs)) > 1.5);
  assert.ok(Math.max(...clamped.map(Math.abs)) <= 1);
  assert.ok(maxAbsDiff(clamped, free) > 0.4);
});

test('clamping x0 follows the posterior mean at the clamped x0 estimate (float64 reference) and lands on the clamped data', async () => {
  const rng = new Random(21);
  const result = await ddpmSample(oracleModel(schedule, []), schedule, { count: COUNT, imgSize: SIZE, rng, clamp: 'x0', snapshots: 0 });
  // Reference: the oracle's x0 estimate is TARGET itself, so the clamped estimate is clampUnit(TARGET).
  const ref = new Random(21);
  let x = Array.from(ref.normals(N));
  for (let t = T - 1; t >= 0; t--) {
    const c0 = (betas[t]! * Math.sqrt(alphaBarPrev[t]!)) / (1 - alphaBar[t]!);
    const ct = ((1 - alphaBarPrev[t]!) * Math.sqrt(1 - betas[t]!)) / (1 - alphaBar[t]!);
    const mean = x.map((v, i) => c0 * clampUnit(TARGET[i]!) + ct * v);
    if (t > 0) {
      const z = ref.normals(N);
      const sd = Math.sqrt((betas[t]! * (1 - alphaBarPrev[t]!)) / (1 - alphaBar[t]!));
      x = mean.map((m, i) => m + sd * z[i]!);
    } else {
      x = mean;
    }
  }
  assertClose(result.images.dataSync(), x, 2e-5, 'images');
  assertClose(result.images.dataSync(), Array.from(TARGET, clampUnit), 2e-5, 'lands on the clamped target');
  tf.dispose([result.images, result.snapshots]);

  const ddim = await ddimSample(oracleModel(schedule, []), schedule, { count: COUNT, imgSize: SIZE, rng: new Random(3), clamp: 'x0', steps: 3, snapshots: 0 });
  assertClose(ddim.images.dataSync(), Array.from(TARGET, clampUnit), 2e-5, 'DDIM lands on the clamped target');
  tf.dispose([ddim.images, ddim.snapshots]);
});

test('same seed gives the same samples; another seed gives others', async () => {
  // Not the oracle: that pulls every seed onto the same target.
  const model: EpsModel = (x) => tf.mul(tf.tanh(x), 0.5);
  const run = async (seed: number) => {
    const r = await ddpmSample(model, schedule, { count: COUNT, imgSize: SIZE, rng: new Random(seed), clamp: 'x_t' });
    const values = Array.from(r.images.dataSync());
    const snaps = Array.from(r.snapshots.dataSync());
    tf.dispose([r.images, r.snapshots]);
    return { values, snaps };
  };
  const a = await run(21);
  const b = await run(21);
  const c = await run(22);
  assert.deepEqual(a, b);
  assert.ok(maxAbsDiff(a.values, c.values) > 1e-3);
});

test('snapshots follow the notebook strip: T=300 gives t = 270, 240, ..., 0, the last one the final image', async () => {
  const s = makeNoiseSchedule('linear', 300, 1e-4, 0.02);
  const shrink: EpsModel = (x) => tf.mul(x, 0.5);
  const r = await ddpmSample(shrink, s, { count: 2, imgSize: 1, channels: 1, rng: new Random(3), clamp: 'x_t' });
  assert.deepEqual(r.snapshotSteps, [270, 240, 210, 180, 150, 120, 90, 60, 30, 0]);
  assert.deepEqual(r.snapshots.shape, [10, 1, 1, 1]);
  assert.equal(r.snapshots.dataSync()[9], r.images.dataSync()[0]);
  tf.dispose([r.images, r.snapshots]);

  const s25 = makeNoiseSchedule('linear', 25, 1e-4, 0.02);
  const r25 = await ddpmSample(shrink, s25, { count: 1, imgSize: 1, channels: 1, rng: new Random(3), clamp: 'none', snapshots: 4 });
  assert.deepEqual(r25.snapshotSteps, [18, 12, 6, 0]);
  const none = await ddpmSample(shrink, s25, { count: 1, imgSize: 1, channels: 1, rng: new Random(3), clamp: 'none', snapshots: 0 });
  assert.deepEqual(none.snapshots.shape, [0, 1, 1, 1]);
  assert.deepEqual(none.snapshotSteps, []);
  tf.dispose([r25.images, r25.snapshots, none.images, none.snapshots]);
});

test('sampling leaks no tensors: live tensors stay flat per step and return to the start after disposal', async () => {
  const s = makeNoiseSchedule('linear', 40, 1e-4, 0.02);
  const start = tf.memory().numTensors;
  const counts: number[] = [];
  const keptSoFar: number[] = [];
  let snapshotsTaken = 0;
  const model: EpsModel = (x, t) => tf.mul(tf.tanh(x), tf.reshape(tf.div(t, 40), [-1, 1, 1, 1]));
  const snapshotAt = new Set([36, 32, 28, 24, 20, 16, 12, 8, 4, 0]);
  let step = 39;
  const r = await ddpmSample(model, s, {
    count: 3, imgSize: 4, rng: new Random(8), clamp: 'x_t',
    onProgress: () => {
      if (snapshotAt.has(step--)) snapshotsTaken++;
      counts.push(tf.memory().numTensors);
      keptSoFar.push(snapshotsTaken);
    },
  });
  // Alive during the loop: x and the snapshots kept so far, nothing else.
  counts.forEach((n, i) => assert.equal(n, start + 1 + keptSoFar[i]!, `step ${i + 1}`));
  assert.equal(tf.memory().numTensors, start + 2, 'images and snapshots');
  tf.dispose([r.images, r.snapshots]);
  assert.equal(tf.memory().numTensors, start);

  const d = await ddimSample(model, s, { count: 3, imgSize: 4, rng: new Random(8), clamp: 'none', steps: 10, eta: 0.5 });
  tf.dispose([d.images, d.snapshots]);
  assert.equal(tf.memory().numTensors, start, 'ddim');
});

test('a model that returns the wrong shape rejects the promise and leaves no tensors', async () => {
  const start = tf.memory().numTensors;
  const bad: EpsModel = (x) => tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1]);
  await assert.rejects(
    ddpmSample(bad, schedule, { count: 2, imgSize: 2, rng: new Random(1), clamp: 'x_t' }),
    /eps-model returned shape \[1,2,2,3\] for input \[2,2,2,3\]/,
  );
  assert.equal(tf.memory().numTensors, start);
});

test('sampling yields to the event loop between steps', async () => {
  const s = makeNoiseSchedule('linear', 50, 1e-4, 0.02);
  let stepsDone = 0;
  let seenAt = -1;
  const running = ddpmSample((x) => tf.zerosLike(x), s, {
    count: 1, imgSize: 2, rng: new Random(1), clamp: 'x_t', onProgress: (done) => (stepsDone = done),
  });
  setImmediate(() => (seenAt = stepsDone));
  const r = await running;
  assert.ok(seenAt >= 1 && seenAt < 50, `a callback queued at the start ran after step ${seenAt} of 50`);
  tf.dispose([r.images, r.snapshots]);
});

test('ddimSample with eta = 1 and every step is ancestral DDPM (same draws, same result)', async () => {
  const s = makeNoiseSchedule('linear', 20, 1e-4, 0.02);
  const model: EpsModel = (x, t) => tf.mul(tf.sin(x), tf.reshape(tf.div(t, 20), [-1, 1, 1, 1]));
  const opts = { count: 2, imgSize: 2, clamp: 'none' as const, snapshots: 4 };
  const ddpm = await ddpmSample(model, s, { ...opts, rng: new Random(4) });
  const ddim = await ddimSample(model, s, { ...opts, rng: new Random(4), steps: 20, eta: 1 });
  assertClose(ddim.images.dataSync(), ddpm.images.dataSync(), 1e-4, 'eta=1 DDIM vs DDPM');
  assertClose(ddim.snapshots.dataSync(), ddpm.snapshots.dataSync(), 1e-4, 'snapshots');
  assert.deepEqual(ddim.snapshotSteps, ddpm.snapshotSteps);
  tf.dispose([ddpm.images, ddpm.snapshots, ddim.images, ddim.snapshots]);
});

test('ddimSample visits evenly spaced timesteps and matches a float64 DDIM step by step', async () => {
  const s10 = makeNoiseSchedule('linear', 10, 1e-4, 0.02);
  const calls: number[][] = [];
  const model = oracleModel(s10, calls);
  // Perturb the oracle so that x0 predictions differ per step and eta's noise matters.
  const wobbly: EpsModel = (x, t) => tf.add(model(x, t), tf.mul(tf.cos(x), 0.3));
  const eta = 0.7;
  const result = await ddimSample(wobbly, s10, { count: COUNT, imgSize: SIZE, rng: new Random(13), clamp: 'none', steps: 3, eta });
  assert.deepEqual(calls.map((c) => c[0]), [9, 5, 2]);

  const rng = new Random(13);
  let x = Array.from(rng.normals(N));
  const abar = Array.from(s10.alphasCumprod);
  const path = [9, 5, 2, -1];
  for (let k = 0; k < 3; k++) {
    const [t, next] = [path[k]!, path[k + 1]!];
    const a = abar[t]!;
    const aNext = next >= 0 ? abar[next]! : 1;
    const eps = x.map((v, i) => (v - Math.sqrt(a) * TARGET[i]!) / Math.sqrt(1 - a) + 0.3 * Math.cos(v));
    const x0 = x.map((v, i) => (v - Math.sqrt(1 - a) * eps[i]!) / Math.sqrt(a));
    const sigma = eta * Math.sqrt((1 - aNext) / (1 - a)) * Math.sqrt(1 - a / aNext);
    const z = sigma > 0 ? rng.normals(N) : new Float32Array(N);
    x = x0.map((v, i) => Math.sqrt(aNext) * v + Math.sqrt(1 - aNext - sigma ** 2) * eps[i]! + sigma * z[i]!);
  }
  assertClose(result.images.dataSync(), x, 5e-5, 'ddim');
  assert.deepEqual(result.snapshotSteps, [9, 5, 2]);
  tf.dispose([result.images, result.snapshots]);
});

test('ddimSample with eta = 0 and a perfect eps-model lands on the data in a few steps', async () => {
  const s = makeNoiseSchedule('cosine', T, 1e-4, 0.02);
  const r = await ddimSample(oracleModel(s, []), s, { count: COUNT, imgSize: SIZE, rng: new Random(2), clamp: 'none', steps: 2 });
  assertClose(r.images.dataSync(), TARGET, 1e-4, 'ddim lands on the target');
  tf.dispose([r.images, r.snapshots]);
  await assert.rejects(ddimSample(oracleModel(s, []), s, { count: 1, imgSize: SIZE, rng: new Random(2), clamp: 'none', steps: 6 }), /steps must be/);
});

test('the sampler registry: one entry per name, each with its own run-config options', async () => {
  assert.deepEqual(Object.keys(REVERSE_SAMPLERS), [...SAMPLERS]);
  assert.deepEqual(REVERSE_SAMPLERS.ddpm.options, []);
  assert.deepEqual(REVERSE_SAMPLERS.ddim.options, ['ddimSteps', 'ddimEta']);
  for (const [name, { options }] of Object.entries(REVERSE_SAMPLERS)) {
    for (const field of options) assert.match(RUN_CONFIG_TABLE[field].description, new RegExp(`^${name.toUpperCase()} only: `), field);
  }
  const opts = { count: COUNT, imgSize: SIZE, clamp: 'none' as const, snapshots: 0 };
  const calls: number[][] = [];
  const ddim = await REVERSE_SAMPLERS.ddim.sample(oracleModel(schedule, calls), schedule, { ...opts, rng: new Random(6) },
    { ...DEFAULT_RUN_CONFIG, ddimSteps: 2, ddimEta: 0.5 });
  assert.equal(calls.length, 2, 'ddim takes ddimSteps model calls');
  const direct = await ddimSample(oracleModel(schedule, []), schedule, { ...opts, rng: new Random(6), steps: 2, eta: 0.5 });
  assertClose(ddim.images.dataSync(), direct.images.dataSync(), 0, 'the registry entry is ddimSample with the run\'s options');
  calls.length = 0;
  const ddpm = await REVERSE_SAMPLERS.ddpm.sample(oracleModel(schedule, calls), schedule, { ...opts, rng: new Random(6) }, DEFAULT_RUN_CONFIG);
  assert.equal(calls.length, T, 'ddpm takes all T steps');
  tf.dispose([ddim.images, ddim.snapshots, direct.images, direct.snapshots, ddpm.images, ddpm.snapshots]);
});
