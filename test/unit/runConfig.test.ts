import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../src/shared/runConfig';
import { configFromFlags } from '../../src/trainer/cliArgs';

test('defaults are the course notebook: reference widths, T=300, 32 px, batch 128, L1, ReLU, lr 1e-4', () => {
  const c = resolveRunConfig({});
  assert.deepEqual(c.channels, [64, 128, 256, 512, 1024]);
  assert.equal(c.timesteps, 300);
  assert.equal(c.imgSize, 32);
  assert.equal(c.batchSize, 128);
  assert.equal(c.loss, 'l1');
  assert.equal(c.activation, 'relu');
  assert.equal(c.schedule, 'linear');
  assert.equal(c.lr, 1e-4);
  assert.equal(c.betaStart, 1e-4);
  assert.equal(c.betaEnd, 0.02);
});

test('the small preset brings its own widths unless channels are given', () => {
  assert.deepEqual(resolveRunConfig({ preset: 'small' }).channels, [32, 64, 128, 256]);
  assert.deepEqual(resolveRunConfig({ preset: 'small', channels: [4, 8] }).channels, [4, 8]);
});

test('unknown names list the valid ones', () => {
  assert.throws(() => resolveRunConfig({ activation: 'swish' as never }, 'x.json'), (e: Error) =>
    e instanceof ConfigError && /x\.json: activation "swish" is not known \(valid: relu, silu, gelu, leaky-relu, elu, mish\)/.test(e.message));
  assert.throws(() => resolveRunConfig({ loss: 'nll' as never }), /loss "nll" is not known \(valid: l1, l2, huber, smooth-l1\)/);
  assert.throws(() => resolveRunConfig({ schedule: 'quadratic' as never }), /valid: linear, cosine, linear-scaled/);
  assert.throws(() => resolveRunConfig({ backend: 'webgl' as never }), /valid: auto, tensorflow, webgpu, wasm, cpu/);
  assert.throws(() => resolveRunConfig({ preset: 'huge' as never }), /unknown preset "huge" \(valid: reference, small\)/);
  assert.throws(() => resolveRunConfig({ imgsize: 32 } as never), /unknown field "imgsize"/);
});

test('image size must be divisible by 2^depth; sizes positive; T at least 2', () => {
  assert.throws(() => resolveRunConfig({ imgSize: 24 }), /imgSize 24 is not divisible by 2\^4 = 16/);
  assert.doesNotThrow(() => resolveRunConfig({ imgSize: 24, preset: 'small' }));
  assert.throws(() => resolveRunConfig({ imgSize: 0 }), /imgSize must be positive/);
  assert.throws(() => resolveRunConfig({ batchSize: -4 }), /batchSize must be positive, got -4/);
  assert.throws(() => resolveRunConfig({ timesteps: 1 }), /timesteps must be at least 2, got 1/);
  assert.throws(() => resolveRunConfig({ lr: 0 }), /lr must be a positive number/);
  assert.throws(() => resolveRunConfig({ epochs: 1.5 }), /epochs must be an integer, got 1.5/);
});

test('flags override --config and name the flag on bad values', () => {
  const partial = configFromFlags({ 'img-size': '16', activation: 'silu', channels: '8,16' });
  assert.deepEqual(partial, { imgSize: 16, activation: 'silu', channels: [8, 16] });
  assert.throws(() => configFromFlags({ 'batch-size': 'lots' }), /--batch-size: "lots" is not an integer/);
  assert.throws(() => configFromFlags({ lr: '' }), /--lr: "" is not a number/);
  assert.throws(() => configFromFlags({ channels: '8,-16' }), /--channels/);
  assert.throws(() => configFromFlags({ config: '/nonexistent/run.json' }), /\/nonexistent\/run\.json: cannot read \(ENOENT\)/);
});

test('the default config object cannot be mutated by a caller', () => {
  assert.throws(() => {
    (DEFAULT_RUN_CONFIG as { imgSize: number }).imgSize = 64;
  });
});
