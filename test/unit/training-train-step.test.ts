import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { LOSSES } from '../../src/shared/options';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { Random } from '../../src/trainer/random';
import { Adam } from '../../src/trainer/training/adam';
import { clipByGlobalNorm, readScalar, trainStep } from '../../src/trainer/training/trainStep';
import { testOnEachBackend } from '../helpers/backends';

const SHAPE: [number, number, number, number] = [2, 4, 4, 3];
const CHANNELS = [4, 8];

function batch(seed: number): { x: tf.Tensor4D; t: tf.Tensor1D; noise: tf.Tensor4D } {
  const rng = Random.derive(seed, 'batch');
  const n = SHAPE.reduce((a, b) => a * b);
  return {
    x: tf.tensor4d(rng.normals(n), SHAPE),
    t: tf.tensor1d([rng.int(300), rng.int(300)]),
    noise: tf.tensor4d(rng.normals(n), SHAPE),
  };
}

testOnEachBackend('trainStep leaks no tensors: the same count after step 10 and step 100', async () => {
  const model = SimpleUnet.create({ channels: CHANNELS, activation: 'silu' }, 1);
  const adam = new Adam(model.trainableVariables(), { lr: 1e-3 });
  let after10 = -1;
  for (let step = 1; step <= 100; step++) {
    const { x, t, noise } = batch(step);
    const loss = await readScalar(trainStep(model, adam, x, t, noise, 'l1', { huberDelta: 1 }));
    assert.ok(Number.isFinite(loss), `step ${step}: loss ${loss}`);
    tf.dispose([x, t, noise]);
    if (step === 10) after10 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, after10);
  assert.equal(adam.step, 100);
  assert.equal(model.batchesTracked.get('ups.0.bnorm2'), 100);
  adam.dispose();
  model.dispose();
});

testOnEachBackend('trainStep fits a fixed batch (loss falls) with every loss', async () => {
  for (const loss of LOSSES) {
    const model = SimpleUnet.create({ channels: CHANNELS, activation: 'relu' }, 2);
    const adam = new Adam(model.trainableVariables(), { lr: 3e-3 });
    const { x, t, noise } = batch(0);
    const before = model.variable('downs.0.bnorm1.running_mean').dataSync().slice();
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) losses.push(await readScalar(trainStep(model, adam, x, t, noise, loss, { huberDelta: 0.5 })));
    assert.ok(losses[29]! < 0.8 * losses[0]!, `${loss}: ${losses[0]} -> ${losses[29]}`);
    assert.notDeepEqual(model.variable('downs.0.bnorm1.running_mean').dataSync(), before, 'running stats updated');
    tf.dispose([x, t, noise]);
    adam.dispose();
    model.dispose();
  }
});

testOnEachBackend('gradient clipping scales every gradient by max/(norm + 1e-6) when the global norm is larger, as torch does', async () => {
  // Global norm of [3, 4] and [12] is 13.
  const grads = new Map<string, tf.Tensor>([['a', tf.tensor1d([3, 4])], ['b', tf.tensor1d([12])]]);
  clipByGlobalNorm(grads, 6.5);
  const factor = 6.5 / (13 + 1e-6);
  const a = Array.from(grads.get('a')!.dataSync());
  const b = Array.from(grads.get('b')!.dataSync());
  for (const [got, want] of [[a[0]!, 3 * factor], [a[1]!, 4 * factor], [b[0]!, 12 * factor]]) assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
  tf.dispose([...grads.values()]);

  const small = new Map<string, tf.Tensor>([['a', tf.tensor1d([0.3, 0.4])]]);
  clipByGlobalNorm(small, 1);
  assert.deepEqual(small.get('a')!.dataSync(), Float32Array.of(0.3, 0.4), 'under the limit nothing changes');
  tf.dispose([...small.values()]);
});

testOnEachBackend('trainStep with clipping leaks no tensors', async () => {
  const model = SimpleUnet.create({ channels: CHANNELS, activation: 'relu' }, 1);
  const adam = new Adam(model.trainableVariables(), { lr: 1e-3 });
  const { x, t, noise } = batch(1);
  await readScalar(trainStep(model, adam, x, t, noise, 'l1', { huberDelta: 1, gradClipNorm: 1e-3 }));
  const after1 = tf.memory().numTensors;
  await readScalar(trainStep(model, adam, x, t, noise, 'l1', { huberDelta: 1, gradClipNorm: 1e-3 }));
  assert.equal(tf.memory().numTensors, after1);
  tf.dispose([x, t, noise]);
  adam.dispose();
  model.dispose();
});
