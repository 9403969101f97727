// The wasm training kernels against the cpu backend, which is the reference: single
// kernels on seeded random inputs over strides, paddings, sizes and channel counts, then
// the gradients of a whole small training step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { getKernel } from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { WASM_TRAINING_KERNELS } from '../../src/trainer/backend/wasm/wasmTrainingKernels';
import { setPatchChunkColumns } from '../../src/trainer/backend/wasm/conv2dBackpropFilter';
import { setUnpackedWeightsMode, type UnpackedWeightsMode } from '../../src/trainer/backend/wasm/conv2dUnpackedWeights';
import { usedTaps } from '../../src/trainer/backend/wasm/convGeometry';
import { Random } from '../../src/trainer/random';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
type Shape4 = [number, number, number, number];

interface ConvCase {
  name: string;
  x: Shape4;
  filter: Shape4;
  strides: number | [number, number];
  pad: Pad;
}

const CASES: ConvCase[] = [
  { name: '3x3 s1 same, odd size', x: [2, 7, 7, 3], filter: [3, 3, 3, 5], strides: 1, pad: 'same' },
  { name: '3x3 s1 explicit 1 (the U-Net conv)', x: [3, 8, 8, 4], filter: [3, 3, 4, 8], strides: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 s1 valid, non-square', x: [2, 9, 6, 5], filter: [3, 3, 5, 2], strides: 1, pad: 'valid' },
  { name: '4x4 s2 explicit 1 (the U-Net down conv)', x: [2, 8, 8, 6], filter: [4, 4, 6, 6], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '4x4 s2 explicit 1, odd size', x: [2, 9, 9, 3], filter: [4, 4, 3, 4], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 s2 same, odd size', x: [3, 9, 9, 2], filter: [3, 3, 2, 7], strides: 2, pad: 'same' },
  { name: '3x3 s2 valid, unread last row', x: [2, 8, 9, 4], filter: [3, 3, 4, 3], strides: 2, pad: 'valid' },
  { name: '5x3 anisotropic stride [2, 1], asymmetric explicit pad', x: [2, 10, 7, 3], filter: [5, 3, 3, 4], strides: [2, 1], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { name: '1x1 s1 (the output conv)', x: [2, 6, 6, 16], filter: [1, 1, 16, 3], strides: 1, pad: 'valid' },
  { name: '2x2 s3, padding larger than the filter', x: [2, 7, 8, 3], filter: [2, 2, 3, 5], strides: 3, pad: [[0, 0], [3, 0], [0, 4], [0, 0]] },
  { name: 'wide channels', x: [2, 4, 4, 33], filter: [3, 3, 33, 17], strides: 1, pad: 'same' },
  // Maps so small that some taps see only padding (left out of the unpacked-weights GEMM).
  { name: '3x3 s1 explicit 1 on a 1 px map (centre tap only)', x: [3, 1, 1, 8], filter: [3, 3, 8, 16], strides: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '4x4 s2 explicit 1 on a 2 px map (taps 1 and 2)', x: [2, 2, 2, 6], filter: [4, 4, 6, 12], strides: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 s1 explicit 1 on a 2x1 map', x: [2, 2, 1, 5], filter: [3, 3, 5, 9], strides: 1, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { name: '3x3 s1 explicit [0, 2] on a 1 px map (one corner tap)', x: [2, 1, 1, 4], filter: [3, 3, 4, 6], strides: 1, pad: [[0, 0], [0, 2], [2, 0], [0, 0]] },
];

function randomValues(rng: Random, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** Max |actual - expected| relative to max |expected|: 1e-4 is float32 rounding, not a bug. */
function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, rtol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  assert.ok(scale > 0, `${what}: reference is all zeros, the comparison would prove nothing`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= rtol * scale, `${what}: |diff| ${worst} at ${at} (got ${actual[at]}, want ${expected[at]}) > ${rtol} * ${scale}`);
}

async function onBackend<T>(name: 'wasm' | 'cpu', body: () => T): Promise<T> {
  await selectBackend(name);
  return body();
}

function runFilterGradient(c: ConvCase, x: Float32Array, dy: Float32Array, dyShape: number[]): Float32Array {
  return tf.tidy(() => {
    const out = tf.engine().runKernel(
      'Conv2DBackpropFilter',
      { x: tf.tensor(x, c.x), dy: tf.tensor(dy, dyShape) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    assert.deepEqual(out.shape, c.filter);
    return out.dataSync() as Float32Array;
  });
}

function runInputGradient(c: ConvCase, dy: Float32Array, dyShape: number[], w: Float32Array): Float32Array {
  return tf.tidy(() => {
    const out = tf.engine().runKernel(
      'Conv2DBackpropInput',
      { dy: tf.tensor(dy, dyShape), filter: tf.tensor(w, c.filter) },
      { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor;
    assert.deepEqual(out.shape, c.x);
    return out.dataSync() as Float32Array;
  });
}

test('the training kernels are the ones registered on wasm', async () => {
  await selectBackend('wasm');
  for (const config of WASM_TRAINING_KERNELS) {
    assert.equal(getKernel(config.kernelName, 'wasm')?.kernelFunc, config.kernelFunc, config.kernelName);
  }
});

test('usedTaps: the filter taps that read the input for some output (hand-counted)', async () => {
  assert.deepEqual(usedTaps(1, 1, 3, 1, 1), [1, 2], "3x3 'same' on 1 px: the centre");
  assert.deepEqual(usedTaps(2, 1, 4, 2, 1), [1, 3], '4-tap stride 2 pad 1, 2 px -> 1: taps 1 and 2');
  assert.deepEqual(usedTaps(2, 2, 3, 1, 1), [0, 3], "3x3 'same' on 2 px: all three");
  assert.deepEqual(usedTaps(1, 1, 3, 1, 2), [2, 3], 'padding 2 before on 1 px: the last tap');
  assert.deepEqual(usedTaps(8, 4, 4, 2, 1), [0, 4], 'a normal strided conv: all');
  assert.deepEqual(usedTaps(3, 0, 3, 1, 0), [0, 0], 'no outputs: none');
});

function runForward(c: ConvCase, x: Float32Array, w: Float32Array): Float32Array {
  return tf.tidy(() => tf.conv2d(tf.tensor(x, c.x) as tf.Tensor4D, tf.tensor(w, c.filter) as tf.Tensor4D, c.strides, c.pad).dataSync() as Float32Array);
}

/** Runs `body` with wide-layer convolutions forced onto one path: XNNPACK's ('never') or the GEMM on unpacked weights ('always'). */
async function withUnpackedWeights<T>(mode: UnpackedWeightsMode, body: () => T | Promise<T>): Promise<T> {
  const previous = setUnpackedWeightsMode(mode);
  try {
    return await body();
  } finally {
    setUnpackedWeightsMode(previous);
  }
}

for (const mode of ['never', 'always'] as const) {
  for (const c of CASES) {
    test(`conv and its gradients match cpu (${mode === 'always' ? 'GEMM on unpacked weights' : 'XNNPACK convolution'}): ${c.name}`, async () => {
      const rng = Random.derive(20240611, c.name);
      const dyShape = await onBackend('cpu', () => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape));
      const x = randomValues(rng, c.x);
      const w = randomValues(rng, c.filter);
      const dy = randomValues(rng, dyShape);

      const expectedOutput = await onBackend('cpu', () => runForward(c, x, w));
      const expectedFilter = await onBackend('cpu', () => runFilterGradient(c, x, dy, dyShape));
      const expectedInput = await onBackend('cpu', () => runInputGradient(c, dy, dyShape, w));

      await selectBackend('wasm');
      await withUnpackedWeights(mode, () => {
        const backend = tf.backend();
        const dataIdsBefore = backend.numDataIds();
        const actualOutput = runForward(c, x, w);
        const actualFilter = runFilterGradient(c, x, dy, dyShape);
        const actualInput = runInputGradient(c, dy, dyShape, w);
        assert.equal(backend.numDataIds(), dataIdsBefore, 'the kernels leave no intermediate tensors behind');
        assertClose(actualOutput, expectedOutput, 'output');
        assertClose(actualFilter, expectedFilter, 'filter gradient');
        assertClose(actualInput, expectedInput, 'input gradient');
      });
    });
  }
}

// The filter gradient sums its GEMM over chunks of images; tiny chunks make every case
// above take several (including a last, shorter one) instead of one.
for (const c of CASES.filter((c) => c.x[0] > 1)) {
  test(`filter gradient in chunks of one image matches cpu: ${c.name}`, async () => {
    const rng = Random.derive(31, c.name);
    const dyShape = await onBackend('cpu', () => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape));
    const x = randomValues(rng, c.x);
    const dy = randomValues(rng, dyShape);
    const expected = await onBackend('cpu', () => runFilterGradient(c, x, dy, dyShape));
    await selectBackend('wasm');
    const previous = setPatchChunkColumns(1);
    try {
      const dataIdsBefore = tf.backend().numDataIds();
      const actual = runFilterGradient(c, x, dy, dyShape);
      assert.equal(tf.backend().numDataIds(), dataIdsBefore, 'no intermediate tensors (or aliases) left behind');
      assertClose(actual, expected, 'filter gradient');
    } finally {
      setPatchChunkColumns(previous);
    }
  });
}

const TRANSPOSE_CASES: Array<{ name: string; input: Shape4; filter: Shape4; output: Shape4; pad: Pad }> = [
  // conv2dTranspose filters are [h, w, out, in].
  { name: 'output 2H', input: [2, 5, 5, 6], filter: [4, 4, 3, 6], output: [2, 10, 10, 3], pad: 'same' },
  { name: 'the U-Net up conv from a 1 px map', input: [3, 1, 1, 8], filter: [4, 4, 6, 8], output: [3, 2, 2, 6], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
];
for (const mode of ['never', 'always'] as const) {
  for (const c of TRANSPOSE_CASES) {
    test(`conv2dTranspose matches cpu (${mode === 'always' ? 'GEMM on unpacked weights' : 'XNNPACK convolution'}): ${c.name}`, async () => {
      const rng = Random.derive(7, `transpose ${c.name}`);
      const x = randomValues(rng, c.input);
      const w = randomValues(rng, c.filter);
      const run = () =>
        tf.tidy(() => {
          const y = tf.conv2dTranspose(tf.tensor(x, c.input) as tf.Tensor4D, tf.tensor(w, c.filter) as tf.Tensor4D, c.output, 2, c.pad);
          return y.dataSync() as Float32Array;
        });
      const expected = await onBackend('cpu', run);
      await selectBackend('wasm');
      const actual = await withUnpackedWeights(mode, run);
      assertClose(actual, expected, 'conv2dTranspose');
    });
  }
}

// A training step touching every op family the trainer uses: explicit-padding, strided
// and transposed convs, concat on channels, moments batch norm, all activations, the
// time-embedding path (sin/cos, matMul), L1/L2/Huber losses, and an Adam update.
const STEP_SHAPES = {
  x: [2, 8, 8, 3] as Shape4,
  c1: [3, 3, 3, 4] as Shape4,
  down: [4, 4, 4, 4] as Shape4,
  up: [4, 4, 4, 4] as Shape4,
  out: [3, 3, 8, 3] as Shape4,
  emb: [4, 4] as [number, number],
};

type StepVars = Record<keyof typeof STEP_SHAPES, tf.Variable>;
type StepValues = Record<keyof typeof STEP_SHAPES, Float32Array>;
let variableSerial = 0;

function makeStepVars(values: StepValues): StepVars {
  variableSerial++;
  const entries = Object.entries(STEP_SHAPES).map(([k, shape]) => [
    k,
    tf.variable(tf.tensor(values[k as keyof StepValues], shape), true, `step${variableSerial}-${k}`),
  ]);
  return Object.fromEntries(entries) as StepVars;
}

function stepLoss(v: StepVars, target: tf.Tensor4D): tf.Scalar {
  const explicit1: Pad = [[0, 0], [1, 1], [1, 1], [0, 0]];
  let h: tf.Tensor = tf.conv2d(v.x as tf.Tensor4D, v.c1 as tf.Tensor4D, 1, explicit1);
  const { mean, variance } = tf.moments(h, [0, 1, 2], true);
  h = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5)));
  const gelu = (t: tf.Tensor) => tf.mul(t, tf.mul(0.5, tf.add(1, tf.erf(tf.div(t, Math.SQRT2)))));
  const geluTanh = (t: tf.Tensor) =>
    tf.mul(t, tf.mul(0.5, tf.add(1, tf.tanh(tf.mul(0.7978845608, tf.add(t, tf.mul(0.044715, tf.pow(t, 3))))))));
  h = tf.addN([tf.relu(h), tf.elu(h), tf.leakyRelu(h, 0.01), tf.mul(tf.sigmoid(h), h), gelu(h), geluTanh(h), tf.mul(h, tf.tanh(tf.softplus(h)))]);
  const t = tf.matMul(tf.reshape(tf.sin(tf.range(0, 4)), [1, 4]), v.emb);
  h = tf.add(h, tf.reshape(tf.relu(tf.cos(t)), [1, 1, 1, 4]));
  const down = tf.conv2d(h as tf.Tensor4D, v.down as tf.Tensor4D, 2, explicit1);
  const up = tf.conv2dTranspose(tf.relu(down) as tf.Tensor4D, v.up as tf.Tensor4D, [2, 8, 8, 4], 2, 1);
  const out = tf.conv2d(tf.concat([up, h], 3) as tf.Tensor4D, v.out as tf.Tensor4D, 1, 'same');
  const diff = tf.sub(out, target);
  const absDiff = tf.abs(diff);
  const l1 = tf.mean(absDiff);
  const l2 = tf.mean(tf.square(diff));
  // where(less(...)) needs the zero comparison gradients trainingGradients.ts registers.
  const huber = tf.mean(tf.where(tf.less(absDiff, 1), tf.mul(0.5, tf.square(diff)), tf.sub(absDiff, 0.5)));
  const signed = tf.mean(tf.mul(tf.sign(diff), diff));
  return tf.addN([l1, l2, huber, signed]) as tf.Scalar;
}

interface StepResult {
  loss: number;
  gradients: Record<string, Float32Array>;
  updated: Record<string, Float32Array>;
}

/** Loss, gradients and one Adam update, on whatever backend is active. */
function trainingStep(values: StepValues, target: Float32Array): StepResult {
  const vars = makeStepVars(values);
  const targetT = tf.tensor(target, [2, 8, 8, 3]) as tf.Tensor4D;
  const { value, grads } = tf.variableGrads(() => stepLoss(vars, targetT), Object.values(vars));
  const names = Object.keys(STEP_SHAPES) as Array<keyof StepVars>;
  const gradients = Object.fromEntries(names.map((k) => [k, grads[vars[k].name]!.dataSync() as Float32Array]));
  // Typed as the base class, whose applyGradients takes the gradient map variableGrads returns.
  const optimizer: tf.Optimizer = tf.train.adam(1e-2);
  optimizer.applyGradients(grads);
  const updated = Object.fromEntries(names.map((k) => [k, vars[k].dataSync() as Float32Array]));
  const loss = value.dataSync()[0]!;
  tf.dispose([value, targetT, ...Object.values(grads), ...Object.values(vars)]);
  optimizer.dispose();
  return { loss, gradients, updated };
}

test('a training step on wasm uses only kernels wasm has, and matches cpu', async () => {
  const rng = Random.derive(99, 'step');
  const values = Object.fromEntries(Object.entries(STEP_SHAPES).map(([k, s]) => [k, randomValues(rng, s)])) as StepValues;
  const target = randomValues(rng, [2, 8, 8, 3]);

  await selectBackend('cpu');
  let expected: StepResult | undefined;
  const profile = await tf.profile(() => {
    expected = trainingStep(values, target);
  });
  const used = [...profile.kernelNames];
  for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Erf', 'Softplus', 'Select', 'Sqrt']) {
    assert.ok(used.includes(k), `the profile saw ${k}: ${used.join(' ')}`);
  }
  const onWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  assert.deepEqual(used.filter((k) => !onWasm.has(k)), [], 'kernels the step needs that wasm lacks');

  await selectBackend('wasm');
  const actual = trainingStep(values, target);
  assert.ok(expected !== undefined);
  assert.ok(Math.abs(actual.loss - expected.loss) <= 1e-4 * Math.abs(expected.loss), `loss ${actual.loss} vs ${expected.loss}`);
  for (const k of Object.keys(STEP_SHAPES)) {
    assertClose(actual.gradients[k]!, expected.gradients[k]!, `gradient of ${k}`, 2e-4);
    assertClose(actual.updated[k]!, expected.updated[k]!, `Adam-updated ${k}`);
  }
});

// A whole U-Net's gradients with the path chosen per layer as in training: at 8 px with four
// widths the deep layers (2 and 1 px, out channels >= batch x pixels) take the GEMM on
// unpacked weights with dropped taps, the 8 px layers XNNPACK's convolution.
test('U-Net gradients on wasm, wide 1-2 px layers on the unpacked-weights path, match cpu', async () => {
  const { SimpleUnet } = await import('../../src/trainer/model/simpleUnet');
  const rng = Random.derive(11, 'unet gradients');
  const shape: Shape4 = [4, 8, 8, 3];
  const x = randomValues(rng, shape);
  const noise = randomValues(rng, shape);
  const t = [0, 1, 2, 3].map(() => rng.int(300));
  const run = () => {
    const model = SimpleUnet.create({ channels: [4, 8, 16, 32], activation: 'relu' }, 3);
    const params = model.trainableVariables();
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forwardTrain(tf.tensor4d(x, shape), tf.tensor1d(t, 'int32'));
      tf.dispose(out.batchStats.flatMap((s) => [s.mean, s.variance]));
      return tf.mean(tf.square(tf.sub(out.output, tf.tensor4d(noise, shape))));
    }, [...params.values()]);
    const result = {
      loss: value.dataSync()[0]!,
      gradients: new Map([...params].map(([name, v]) => [name, grads[v.name]!.dataSync() as Float32Array])),
    };
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
    return result;
  };
  const expected = await onBackend('cpu', run);
  await selectBackend('wasm');
  const actual = await withUnpackedWeights('auto', run);
  assert.ok(Math.abs(actual.loss - expected.loss) <= 1e-5 * expected.loss, `loss ${actual.loss} vs ${expected.loss}`);
  for (const [name, values] of expected.gradients) {
    if (values.every((v) => v === 0)) continue; // e.g. biases right before a BatchNorm
    assertClose(actual.gradients.get(name)!, values, `gradient of ${name}`, 1e-3);
  }
  assert.ok(expected.gradients.get('ups.0.conv2.weight')!.some((v) => v !== 0), 'the 1 px layer learns');
});

// Adam runs as one heap pass per parameter on wasm (backend/wasm/heapAdam.ts) and as tensor ops
// elsewhere: the two must agree, and neither may leave tensors behind.
test('Adam on wasm (heap pass) matches Adam on cpu (tensor ops) over three steps', async () => {
  const { Adam } = await import('../../src/trainer/training/adam');
  const rng = Random.derive(5, 'adam');
  const shapes: number[][] = [[3, 3, 4, 5], [5], [7, 2]];
  const start = shapes.map((s) => randomValues(rng, s));
  const grads = [0, 1, 2].map(() => shapes.map((s) => randomValues(rng, s)));
  const run = async () => {
    const params = new Map(shapes.map((s, i) => [`p${i}`, tf.variable(tf.tensor(start[i]!, s))] as const));
    const adam = new Adam(params, { lr: 1e-2 });
    const tensorsBefore = tf.memory().numTensors;
    for (const step of grads) {
      const g = new Map(shapes.map((s, i) => [`p${i}`, tf.tensor(step[i]!, s)] as const));
      adam.applyGradients(g);
      tf.dispose([...g.values()]);
    }
    assert.equal(tf.memory().numTensors, tensorsBefore, 'Adam leaves no tensors behind');
    const out = [...params.values()].map((p) => p.dataSync() as Float32Array);
    const state = (await adam.getState());
    adam.dispose();
    tf.dispose([...params.values()]);
    return { out, state };
  };
  const expected = await onBackend('cpu', run);
  const actual = await onBackend('wasm', run);
  shapes.forEach((_, i) => {
    assertClose(actual.out[i]!, expected.out[i]!, `parameter ${i}`, 1e-6);
    assertClose(actual.state.moments[`p${i}`]!.secondMoment, expected.state.moments[`p${i}`]!.secondMoment, `second moment ${i}`, 1e-6);
  });
});

test('Adam on wasm overwrites moments in place only when nothing else shares their data; parameters are always new tensors', async () => {
  const { heapAdamBackend, heapAdamStep } = await import('../../src/trainer/backend/wasm/heapAdam');
  await selectBackend('wasm');
  const heap = heapAdamBackend();
  assert.ok(heap, 'the wasm backend runs Adam on its heap');
  const c = { beta1: 0.9, beta2: 0.999, eps: 1e-8, stepSize: 0.1, bias2Sqrt: Math.sqrt(0.001) };
  const param = tf.tensor([1, 2, 3]);
  const m = tf.tensor([0.5, 0.5, 0.5]);
  const v = tf.tensor([0.25, 0.25, 0.25]);
  const vShared = tf.clone(v); // e.g. a tensor someone kept from an earlier state
  const g = tf.tensor([1, -1, 2]);
  const next = heapAdamStep(heap, param, m, v, g, c);
  assert.equal(next.m, undefined, 'an unshared first moment is updated in place');
  assertClose(m.dataSync(), [0.55, 0.35, 0.65], 'first moment, in place', 1e-6);
  assert.ok(next.v !== undefined, 'a shared second moment gets a new tensor');
  assert.deepEqual([...vShared.dataSync()], [0.25, 0.25, 0.25], 'the tensor sharing the old second moment keeps its values');
  assertClose(next.v.dataSync(), [0.25075, 0.25075, 0.25375], 'second moment', 1e-6);
  assert.notEqual(next.param.dataId, param.dataId, 'the parameter is a new tensor (XNNPACK caches packed weights per filter tensor)');
  assert.deepEqual([...param.dataSync()], [1, 2, 3], 'the old parameter tensor is unchanged');
  tf.dispose([param, m, v, vShared, g, next.param, next.v]);
});

test('Mean and Sum gradients (broadcast, no ones tensor) are dy spread over the reduced axes', async () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    await selectBackend(backend);
    const rng = Random.derive(8, 'reductions');
    const xv = randomValues(rng, [2, 3, 4, 5]);
    const wv = randomValues(rng, [5]);
    const x = tf.tensor(xv, [2, 3, 4, 5]);
    const w = tf.tensor1d(wv);
    const f = (t: tf.Tensor) => tf.add(tf.sum(tf.mul(tf.mean(t, [0, 1, 2]), w)), tf.mul(tf.sum(tf.mul(tf.sum(t, [0, 2]), 2)), 1));
    const g = tf.grad(f)(x);
    const got = g.dataSync() as Float32Array;
    const want = new Float32Array(got.length);
    for (let i = 0; i < want.length; i++) want[i] = wv[i % 5]! / 24 + 2;
    assertClose(got, want, `gradient on ${backend}`, 1e-6);
    tf.dispose([x, w, g]);
  }
});

test('wasm Identity and same-dtype Cast share data instead of copying, and free it once', async () => {
  await selectBackend('wasm');
  const before = tf.memory().numBytes;
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.engine().runKernel('Identity', { x }) as tf.Tensor;
  const z = tf.cast(x, 'float32');
  const i = tf.cast(x, 'int32');
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3]);
  assert.deepEqual(Array.from(z.dataSync()), [1, 2, 3]);
  assert.equal(i.dtype, 'int32');
  x.dispose();
  assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3], 'data outlives the first owner');
  tf.dispose([y, z, i]);
  assert.equal(tf.memory().numBytes, before);
});

test('Tile matches cpu, for whole-input repeats (block copies) and other tilings (wasm own)', async () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 5], [2, 3, 4, 1]],
    [[1, 3], [7, 1]],
    [[1, 1, 2], [3, 2, 1]],
    [[2, 3], [1, 1]],
    [[2, 3], [2, 1]],
    [[2, 1, 3], [1, 4, 2]],
    [[1, 2, 1, 3], [3, 1, 2, 1]],
  ];
  for (const [shape, reps] of cases) {
    const values = randomValues(Random.derive(3, shape.join()), shape);
    const run = () => tf.tidy(() => tf.tile(tf.tensor(values, shape), reps).dataSync() as Float32Array);
    const expected = await onBackend('cpu', run);
    const actual = await onBackend('wasm', run);
    assert.deepEqual(Array.from(actual), Array.from(expected), `tile [${shape}] by [${reps}]`);
  }
});

test('Sum and Mean match cpu, per channel (one-pass path) and over other axes (wasm own)', async () => {
  const shape = [3, 4, 5, 6];
  const values = randomValues(Random.derive(4, 'sum'), shape);
  const axesList: Array<number | number[]> = [[0, 1, 2], [2, 0, 1], [-4, -3, -2], [0, 1], [1, 2, 3], 3, [0, 1, 2, 3]];
  for (const axes of axesList) {
    for (const keepDims of [false, true]) {
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor(values, shape);
          return [tf.sum(x, axes, keepDims), tf.mean(x, axes, keepDims)].map((t) => ({ shape: t.shape, data: t.dataSync() as Float32Array }));
        });
      const expected = await onBackend('cpu', run);
      const actual = await onBackend('wasm', run);
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(actual[i]!.shape, expected[i]!.shape, `shape, axes ${axes} keepDims ${keepDims}`);
        assertClose(actual[i]!.data, expected[i]!.data, `${i ? 'mean' : 'sum'} over ${axes} keepDims ${keepDims}`, 1e-6);
      }
    }
  }
});
