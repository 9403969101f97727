// SimpleUnet against PyTorch: outputs, BatchNorm statistics and two Adam steps of the
// reference model, from fixtures written by test/fixtures/make_fixtures.py.

import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { exportTorchStateDict, importTorchStateDict } from '../../src/trainer/model/torchStateDict';
import { toFloat32, type SafeTensor } from '../../src/trainer/model/safetensors';
import { Adam } from '../../src/trainer/training/adam';
import { readScalar, trainStep } from '../../src/trainer/training/trainStep';
import { testOnEachBackend } from '../helpers/backends';
import {
  assertAllClose,
  fixtureTensor,
  nhwcFromTorch,
  readJsonFixture,
  readSafetensorsFixture,
  torchOrderValues,
} from '../helpers/tensors';

interface UnetFixture {
  channels: number[];
  imgSize: number;
  batch: number;
  lr: number;
  adamLosses: number[];
  params: number;
}

const meta = readJsonFixture<UnetFixture>('unet_fixture.json');
const initial = readSafetensorsFixture('unet_initial.safetensors');
const io = readSafetensorsFixture('unet_io.safetensors');
const afterAdam = readSafetensorsFixture('unet_after_adam.safetensors');
const RTOL = 1e-4;

function loadFixtureModel(): SimpleUnet {
  const model = SimpleUnet.create({ channels: meta.channels, activation: 'relu' }, 99);
  importTorchStateDict(model, initial);
  return model;
}

function timesteps(name: string): tf.Tensor1D {
  return tf.tensor1d(toFloat32(fixtureTensor(io, name)));
}

function torchValues(t: SafeTensor): Float32Array {
  return toFloat32(t);
}

testOnEachBackend('eval-mode output matches torch (running statistics)', async () => {
  const model = loadFixtureModel();
  const out = tf.tidy(() => model.predict(nhwcFromTorch(fixtureTensor(io, 'x')), timesteps('t'), 'eval'));
  assertAllClose(await torchOrderValues(out), torchValues(fixtureTensor(io, 'out_eval')), RTOL, 'out_eval');
  tf.dispose(out);
  model.dispose();
}, { gpu: true });

testOnEachBackend('train-mode output and running-statistics update match torch', async () => {
  const model = loadFixtureModel();
  const before = (await exportTorchStateDict(model));
  const [x, t] = [nhwcFromTorch(fixtureTensor(io, 'x')), timesteps('t')];
  const { output, batchStats } = model.forwardTrain(x, t);
  assertAllClose(await torchOrderValues(output), torchValues(fixtureTensor(io, 'out_train')), RTOL, 'out_train');
  assert.equal(batchStats.length, 4 * (meta.channels.length - 1), 'two BatchNorms per block');

  // The forward itself left the running statistics alone ...
  const unchanged = (await exportTorchStateDict(model));
  for (const [name, t] of before) assert.deepEqual(unchanged.get(name)!.data, t.data, `${name} changed by forwardTrain`);

  // ... and applying its statistics does what torch's train-mode forward did.
  model.applyBatchStatistics(batchStats);
  const after = (await exportTorchStateDict(model));
  for (const [key, expected] of io) {
    if (!key.startsWith('after_train_forward.')) continue;
    const name = key.slice('after_train_forward.'.length);
    if (name.endsWith('num_batches_tracked')) {
      assert.equal(after.get(name)!.data[0], (expected.data as BigInt64Array)[0], name);
    } else {
      assertAllClose(after.get(name)!.data as Float32Array, torchValues(expected), RTOL, name);
    }
  }
  tf.dispose([x, t, output, ...batchStats.flatMap((s) => [s.mean, s.variance])]);
  model.dispose();
}, { gpu: true });

testOnEachBackend('predict in train mode does not touch the running statistics', async () => {
  const model = loadFixtureModel();
  const before = (await exportTorchStateDict(model));
  tf.dispose(tf.tidy(() => model.predict(nhwcFromTorch(fixtureTensor(io, 'x')), timesteps('t'), 'train')));
  const after = (await exportTorchStateDict(model));
  for (const [name, t] of before) assert.deepEqual(after.get(name)!.data, t.data, name);
  model.dispose();
}, { gpu: true });

testOnEachBackend('two Adam steps on the L1 loss match torch.optim.Adam', async () => {
  const model = loadFixtureModel();
  const optimizer = new Adam(model.trainableVariables(), { lr: meta.lr });

  // Gradients of step 1, through the same path trainStep takes.
  const x1 = nhwcFromTorch(fixtureTensor(io, 'step1.x_noisy'));
  const n1 = nhwcFromTorch(fixtureTensor(io, 'step1.noise'));
  const t1 = timesteps('step1.t');
  const weights = [...model.trainableVariables()];
  const { grads } = tf.variableGrads(
    () => tf.mean(tf.abs(tf.sub(n1, model.forwardTrain(x1, t1).output))) as tf.Scalar,
    weights.map(([, v]) => v),
  );
  const gradsByName = new Map(weights.map(([name, v]) => [name, grads[v.name]!]));
  for (const spec of model.specs.filter((s) => s.trainable)) {
    const torchGrad = torchValues(fixtureTensor(io, `step1.grad.${spec.name}`));
    // Gradients in torch layout: export a throwaway variable through the same layout code.
    const ours = await exportGradient(model, spec.name, gradsByName.get(spec.name)!);
    assertAllClose(ours, torchGrad, RTOL, `grad ${spec.name}`);
  }
  tf.dispose(grads);

  const losses: number[] = [];
  for (const step of [1, 2]) {
    const loss = await readScalar(tf.tidy(() =>
      trainStep(
        model, optimizer,
        nhwcFromTorch(fixtureTensor(io, `step${step}.x_noisy`)),
        timesteps(`step${step}.t`),
        nhwcFromTorch(fixtureTensor(io, `step${step}.noise`)),
        'l1', { huberDelta: 1 },
      ),
    ));
    losses.push(loss);
  }
  tf.dispose([x1, n1, t1]);
  assertAllClose(losses, meta.adamLosses, RTOL, 'losses');

  // Adam's first step moves every weight by about lr * sign(grad); where torch's gradient
  // is within float noise of zero the sign (and so the step) may differ. Everywhere else the
  // updated weights agree to a small fraction of one step.
  const ours = (await exportTorchStateDict(model));
  const start = (await exportTorchStateDict(loadFixtureModelOnce()));
  let uncertain = 0;
  let total = 0;
  for (const [name, expected] of afterAdam) {
    const actual = ours.get(name)!;
    if (name.endsWith('num_batches_tracked')) {
      assert.equal(actual.data[0], (expected.data as BigInt64Array)[0], name);
      continue;
    }
    const e = torchValues(expected);
    const a = actual.data as Float32Array;
    if (name.includes('running_')) {
      assertAllClose(a, e, RTOL, name);
      continue;
    }
    const grad = torchValues(fixtureTensor(io, `step1.grad.${name}`));
    const gradScale = grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    const s = start.get(name)!.data as Float32Array;
    for (let i = 0; i < e.length; i++) {
      // An exactly zero gradient (a dead ReLU) is zero here too: no step either way.
      const tiny = grad[i] !== 0 && Math.abs(grad[i]!) < 1e-4 * gradScale;
      if (tiny) uncertain++;
      const tol = tiny ? 4 * meta.lr : 0.01 * meta.lr;
      const err = Math.abs(a[i]! - e[i]!);
      total++;
      assert.ok(err <= tol, `${name}[${i}]: ${a[i]} vs torch ${e[i]} (start ${s[i]}, grad ${grad[i]}, tol ${tol})`);
    }
  }
  assert.ok(uncertain <= total / 100, `${uncertain} of ${total} weights have gradients within float noise of zero`);
  optimizer.dispose();
  model.dispose();
}, { gpu: true });

let pristine: SimpleUnet | undefined;
function loadFixtureModelOnce(): SimpleUnet {
  pristine ??= loadFixtureModel();
  return pristine;
}

/** A gradient (tfjs layout) in torch layout, via a scratch model's export. */
async function exportGradient(model: SimpleUnet, name: string, grad: tf.Tensor): Promise<Float32Array> {
  const v = model.variable(name);
  const saved = tf.clone(v);
  v.assign(grad);
  const values = (await exportTorchStateDict(model)).get(name)!.data as Float32Array;
  v.assign(saved);
  saved.dispose();
  return values;
}
