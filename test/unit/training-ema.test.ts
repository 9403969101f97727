// The weight average: its decay ramps up as (1 + n) / (10 + n) to the configured one, and one
// update is avg <- d avg + (1 - d) w, checked against float64 arithmetic by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { WeightAverage } from '../../src/trainer/training/ema';

test('the decay ramps up over the first steps, then stays at the configured value', { timeout: 30_000 }, async () => {
  await tf.setBackend('cpu');
  const model = SimpleUnet.create({ channels: [2, 4], activation: 'relu' }, 1);
  const ema = new WeightAverage(model, 0.995);
  assert.equal(ema.decayAt(1), 2 / 11);
  assert.equal(ema.decayAt(100), 101 / 110);
  assert.equal(ema.decayAt(5000), 0.995, 'capped once (1 + n) / (10 + n) passes it');
  assert.throws(() => new WeightAverage(model, 1), /EMA decay must be in \(0, 1\), got 1/);
  ema.dispose();
  model.dispose();
});

test('one update moves the average towards the weights by 1 - d', { timeout: 30_000 }, async () => {
  await tf.setBackend('cpu');
  const model = SimpleUnet.create({ channels: [2, 4], activation: 'relu' }, 1);
  const ema = new WeightAverage(model, 0.99);
  const name = 'conv0.weight';
  const before = Array.from(await model.variable(name).data());
  const moved = before.map((v, i) => v + 0.01 * (i + 1));
  model.variable(name).assign(tf.tensor(moved, model.variable(name).shape));
  ema.update(40);
  const d = 41 / 50;
  const expected = before.map((v, i) => d * v + (1 - d) * moved[i]!);
  const got = Array.from(await ema.model.variable(name).data());
  got.forEach((g, i) => assert.ok(Math.abs(g - expected[i]!) < 1e-6, `${name}[${i}]: ${g} vs ${expected[i]}`));
  ema.dispose();
  model.dispose();
});
