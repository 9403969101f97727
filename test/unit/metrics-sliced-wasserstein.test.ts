import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageSet } from '../../src/trainer/metrics/imageSet';
import {
  disjointRealSubsets,
  patchDescriptors,
  pyramidResolutions,
  realVsRealFloor,
  slicedWassersteinDistance,
  slicedWassersteinEval,
} from '../../src/trainer/metrics/slicedWasserstein';
import { Random } from '../../src/trainer/random';

/**
 * A toy image distribution: coloured sine gratings of random orientation, frequency
 * (cycles per image in [fMin, fMax]) and phase, plus Gaussian pixel noise of std `noise`.
 */
function gratings(count: number, size: number, seed: number, { fMin = 1, fMax = 3, noise = 0.05 } = {}): ImageSet {
  const rng = new Random(seed);
  const data = new Float32Array(count * size * size * 3);
  for (let n = 0; n < count; n++) {
    const angle = rng.uniform() * Math.PI;
    const f = (2 * Math.PI * (fMin + (fMax - fMin) * rng.uniform())) / size;
    const phase = rng.uniform() * 2 * Math.PI;
    const colour = [0.3 + 0.5 * rng.uniform(), 0.3 + 0.5 * rng.uniform(), 0.3 + 0.5 * rng.uniform()];
    const [kx, ky] = [f * Math.cos(angle), f * Math.sin(angle)];
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
      data[((n * size + y) * size + x) * 3 + c] = colour[c]! * Math.sin(kx * x + ky * y + phase) + noise * rng.normal();
    }
  }
  return { data, shape: [count, size, size, 3] };
}

/**
 * Stationary coloured noise: white Gaussian noise smoothed by [1, 2, 1]/4 along each axis
 * (wrapping around), so every image is a different draw of the same texture. `shift` is added
 * to odd images and subtracted from even ones.
 */
function texture(count: number, size: number, seed: number, shift = 0): ImageSet {
  const rng = new Random(seed);
  const white = rng.normals(count * size * size * 3);
  const data = new Float32Array(white.length);
  const at = (n: number, y: number, x: number, c: number) => ((n * size + ((y + size) % size)) * size + ((x + size) % size)) * 3 + c;
  for (let n = 0; n < count; n++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
    let v = 0;
    for (const [dy, wy] of [[-1, 1], [0, 2], [1, 1]] as const) for (const [dx, wx] of [[-1, 1], [0, 2], [1, 1]] as const) v += wy * wx * white[at(n, y + dy, x + dx, c)]!;
    data[at(n, y, x, c)] = v / 16 + (n % 2 === 1 ? shift : -shift);
  }
  return { data, shape: [count, size, size, 3] };
}

const fast = { seed: 1, directionsPerRepeat: 32 };

test('identical sets give exactly 0 at every level', () => {
  const a = gratings(6, 32, 1);
  const result = slicedWassersteinDistance(a, { data: a.data.slice(), shape: a.shape }, fast);
  assert.deepEqual(result.resolutions, [32, 16]);
  assert.deepEqual(result.swd, [0, 0]);
  assert.equal(result.average, 0);
});

test('SWD is symmetric and fixed by its seed', () => {
  const a = gratings(6, 16, 2);
  const b = gratings(6, 16, 3, { noise: 0.2 });
  const ab = slicedWassersteinDistance(a, b, fast);
  const ba = slicedWassersteinDistance(b, a, fast);
  assert.deepEqual(ab.swd, ba.swd);
  assert.deepEqual(slicedWassersteinDistance(a, b, fast).swd, ab.swd);
  assert.notDeepEqual(slicedWassersteinDistance(a, b, { ...fast, seed: 2 }).swd, ab.swd);
});

test('a fresh sample of the real distribution scores about the real-vs-real floor; other distributions score far above it', () => {
  const N = 16;
  const opts = { seed: 5, directionsPerRepeat: 32 };
  const [reference, other] = disjointRealSubsets(texture(2 * N, 16, 10), N, opts.seed);
  const floor = slicedWassersteinDistance(other, reference, opts).average;
  assert.ok(floor > 0, 'two different real subsets are not identical');
  const fresh = slicedWassersteinDistance(texture(N, 16, 11), reference, opts).average;
  assert.ok(fresh > floor / 1.5 && fresh < 1.5 * floor, `fresh ${fresh} vs floor ${floor}`);
  // Half the images brighter and half darker: the brightness distribution changed shape, which no
  // per-set normalisation can undo.
  const shifted = slicedWassersteinDistance(texture(N, 16, 12, 0.5), reference, opts).average;
  assert.ok(shifted > 3 * floor, `shifted ${shifted} vs floor ${floor}`);
  const structured = slicedWassersteinDistance(gratings(N, 16, 13), reference, opts).average;
  assert.ok(structured > 2 * floor, `gratings ${structured} vs floor ${floor}`);
});

test('slicedWassersteinEval scores the generated set and the floor against the same real subset', () => {
  const opts = { seed: 6, directionsPerRepeat: 16, patchesPerImage: 32 };
  const real = texture(8, 16, 20);
  const generated = texture(4, 16, 21);
  const { swd, floor } = slicedWassersteinEval(generated, real, opts);
  const [reference, other] = disjointRealSubsets(real, 4, opts.seed);
  assert.deepEqual(swd.swd, slicedWassersteinDistance(generated, reference, opts).swd);
  assert.deepEqual(floor.swd, slicedWassersteinDistance(other, reference, opts).swd);
  assert.deepEqual(realVsRealFloor(real, 4, opts).swd, floor.swd);
});

test('descriptors are whole 7x7 windows inside their own image, channel-major, centres spread over the valid range', () => {
  const [n, size] = [3, 16];
  // Every value names its image, row, column and channel.
  const code = (i: number, y: number, x: number, c: number) => ((i * size + y) * size + x) * 3 + c;
  const level: ImageSet = { data: Float32Array.from({ length: n * size * size * 3 }, (_, k) => k), shape: [n, size, size, 3] };
  const desc = patchDescriptors(level, { seed: 7, patchesPerImage: 50 }, 0);
  assert.equal(desc.length, n * 50 * 147);
  const centres = new Set<string>();
  for (let p = 0; p < n * 50; p++) {
    const d = desc.subarray(p * 147, (p + 1) * 147);
    const image = Math.floor(p / 50);
    // Channel 0, row 3, column 3 is the centre.
    const centre = d[3 * 7 + 3]! / 3;
    const cy = Math.floor(centre / size) % size;
    const cx = centre % size;
    assert.equal(Math.floor(centre / (size * size)), image, `patch ${p} comes from image ${image}`);
    assert.ok(cy >= 3 && cy <= size - 4 && cx >= 3 && cx <= size - 4, `centre (${cy}, ${cx}) lets the patch fit`);
    centres.add(`${cy},${cx}`);
    for (let c = 0; c < 3; c++) for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) {
      assert.equal(d[(c * 7 + dy + 3) * 7 + dx + 3], code(image, cy + dy, cx + dx, c));
    }
  }
  assert.ok(centres.size > 60, `${centres.size} distinct centres`);
  assert.deepEqual(patchDescriptors(level, { seed: 7, patchesPerImage: 50 }, 0), desc, 'fixed by the seed');
});

test('constant images: SWD = 1000 E|sum of a unit direction| W1(normalised levels), about 798 W1', () => {
  // Each image a flat grey a_i, so every descriptor is z_i (1, ..., 1) with z_i the normalised grey;
  // a unit direction u projects it to z_i sum(u), and sum(u) is about N(0, 1) for 147 dimensions:
  // E|sum(u)| ~ sqrt(2/pi). Sorting pairs quantiles, so the distance is E|sum(u)| W1(z, w).
  const N = 16;
  const flat = (greys: number[]): ImageSet => {
    const data = new Float32Array(greys.length * 16 * 16 * 3);
    greys.forEach((g, i) => data.fill(g, i * 768, (i + 1) * 768));
    return { data, shape: [greys.length, 16, 16, 3] };
  };
  const uniform = Array.from({ length: N }, (_, i) => -0.9 + (1.8 * i) / (N - 1));
  const bimodal = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? -0.7 : 0.6) + 0.01 * i);
  const normalise = (v: number[]) => {
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
    return v.map((x) => (x - mean) / std).sort((p, q) => p - q);
  };
  const [z, w] = [normalise(uniform), normalise(bimodal)];
  const w1 = z.reduce((s, x, i) => s + Math.abs(x - w[i]!), 0) / N;
  const result = slicedWassersteinDistance(flat(uniform), flat(bimodal), { seed: 3 });
  const expected = 1000 * Math.sqrt(2 / Math.PI) * w1;
  // 512 directions: the sample mean of |sum(u)| is within ~3% (one standard error) of its expectation.
  assert.ok(Math.abs(result.average / expected - 1) < 0.12, `SWD ${result.average} vs ${expected}`);
});

test('as in the reference, each set is normalised by its own statistics: a global contrast and brightness change is invisible', () => {
  const a = gratings(6, 16, 20);
  const b: ImageSet = { data: a.data.map((v) => 0.5 * v + 0.2), shape: a.shape };
  const result = slicedWassersteinDistance(a, b, fast);
  assert.ok(result.average < 1e-2, `SWD ${result.average}`);
});

test('levels run from the image size down to 16 px; bad inputs are refused', () => {
  assert.deepEqual(pyramidResolutions(128), [128, 64, 32, 16]);
  assert.deepEqual(pyramidResolutions(16), [16]);
  assert.deepEqual(pyramidResolutions(8), []);
  const a = gratings(4, 16, 30);
  assert.throws(() => slicedWassersteinDistance(a, gratings(5, 16, 31), fast), /same shape/);
  assert.throws(() => slicedWassersteinDistance(gratings(2, 8, 32), gratings(2, 8, 33), fast), /smaller than minResolution/);
  assert.throws(() => realVsRealFloor(a, 3, fast), /at least 6 real images/);
  const [p, q] = disjointRealSubsets(gratings(10, 16, 34), 5, 1);
  assert.equal(p.shape[0], 5);
  assert.equal(q.shape[0], 5);
});

test('the run\'s SWD evaluation measures images below 16 px too (one level, patches as large as fit), and still tells distributions apart', async () => {
  const { evaluateSlicedWasserstein } = await import('../../src/trainer/training/evaluate');
  const at = { epoch: 1, step: 10, wallMs: 0 };
  for (const size of [8, 4, 2, 1]) {
    const real = texture(64, size, 3);
    const same = evaluateSlicedWasserstein(texture(32, size, 4), real, 1, at);
    const other = evaluateSlicedWasserstein(texture(32, size, 5, 1), real, 1, at);
    assert.equal(same.length, 1, `${size} px: one record`);
    const [s, o] = [same[0], other[0]] as [{ swd: number[]; floor: number[]; resolutions: number[] }, { swd: number[] }];
    assert.deepEqual(s.resolutions, [size]);
    assert.ok(Number.isFinite(s.swd[0]) && Number.isFinite(s.floor[0]), `${size} px: finite`);
    if (size > 1) assert.ok(o.swd[0]! > 1.5 * s.swd[0]!, `${size} px: shifted texture ${o.swd[0]} vs the same texture ${s.swd[0]}`);
  }
});
