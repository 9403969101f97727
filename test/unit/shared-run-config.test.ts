import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, DEFAULT_RUN_CONFIG, resolveRunConfig, validateRunConfig, type RunConfig } from '../../src/shared/runConfig';
import { RUN_CONFIG_FIELDS, RUN_CONFIG_PROPERTIES, RUN_CONFIG_TABLE, allowedValues } from '../../src/shared/runConfigSchema';
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

test('the improved recipe sets its fixes under explicit fields; faithful is the notebook', () => {
  assert.deepEqual(resolveRunConfig({ recipe: 'faithful' }), { ...resolveRunConfig({}), recipe: 'faithful' });
  const improved = resolveRunConfig({ recipe: 'improved' });
  assert.equal(improved.normalization, 'group');
  assert.equal(improved.residual, 'on');
  assert.equal(improved.samplingClamp, 'x0');
  assert.ok(improved.emaDecay > 0 && improved.emaDecay < 1);
  // One fix switched back: the rest stay.
  const withBatchNorm = resolveRunConfig({ recipe: 'improved', normalization: 'batch' });
  assert.equal(withBatchNorm.normalization, 'batch');
  assert.equal(withBatchNorm.residual, 'on');
  assert.throws(() => resolveRunConfig({ recipe: 'better' as never }, 'x.json'), /x\.json: recipe "better" is not known \(valid: faithful, improved\)/);
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
  assert.throws(() => resolveRunConfig({ preset: 'huge' as never }), /preset "huge" is not known \(valid: reference, small\)/);
  assert.throws(() => resolveRunConfig({ imgsize: 32 } as never), /unknown field "imgsize"/);
});

test('image size must be divisible by 2^depth; sizes positive; T at least 2', () => {
  assert.throws(() => resolveRunConfig({ imgSize: 24 }), /imgSize 24 is not divisible by 2\^4 = 16/);
  assert.doesNotThrow(() => resolveRunConfig({ imgSize: 24, preset: 'small' }));
  assert.throws(() => resolveRunConfig({ imgSize: 0 }), /imgSize must be a positive integer, got 0/);
  assert.throws(() => resolveRunConfig({ batchSize: -4 }), /batchSize must be a positive integer, got -4/);
  assert.throws(() => resolveRunConfig({ timesteps: 1 }), /timesteps must be an integer of 2 or more, got 1/);
  assert.throws(() => resolveRunConfig({ lr: 0 }), /lr must be a positive number, got 0/);
  assert.throws(() => resolveRunConfig({ epochs: 1.5 }), /epochs must be a positive integer, got 1.5/);
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

test('every field is one table entry: a schema with its default, a description, a flag decision', () => {
  assert.deepEqual(Object.keys(DEFAULT_RUN_CONFIG), RUN_CONFIG_FIELDS, 'the defaults hold every field, in table order');
  for (const field of RUN_CONFIG_FIELDS) {
    const entry = RUN_CONFIG_TABLE[field];
    assert.equal(typeof entry.flag, 'boolean', field);
    assert.ok(!('flag' in RUN_CONFIG_PROPERTIES[field]), `${field}: the JSON Schema leaves out the CLI's flag`);
    if ('default' in entry) assert.deepEqual(DEFAULT_RUN_CONFIG[field], entry.default, field);
    else assert.equal(field, 'channels', 'only channels takes its default from elsewhere (the preset)');
  }
  assert.doesNotThrow(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG }));
});

test('a value out of range: the source, the field, what is allowed and what was given', () => {
  const message = (partial: Record<string, unknown>): string => {
    try {
      resolveRunConfig(partial, 'x.json');
    } catch (err) {
      assert.ok(err instanceof ConfigError, String(err));
      return err.message;
    }
    return assert.fail(`accepted ${JSON.stringify(partial)}`);
  };
  assert.equal(message({ heldOutFraction: 1 }), 'x.json: heldOutFraction must be a number in [0, 1), got 1');
  assert.equal(message({ betaEnd: 1 }), 'x.json: betaEnd must be a number in (0, 1), got 1');
  assert.equal(message({ maxSteps: -1 }), 'x.json: maxSteps must be an integer of 0 or more, got -1');
  assert.equal(message({ evalTimesteps: 1 }), 'x.json: evalTimesteps must be an integer of 2 or more, got 1');
  assert.equal(message({ gradClipNorm: -0.5 }), 'x.json: gradClipNorm must be a number of 0 or more, got -0.5');
  assert.equal(message({ lr: Number.POSITIVE_INFINITY }), 'x.json: lr must be a positive number, got Infinity');
  assert.equal(message({ seed: '3' }), 'x.json: seed must be an integer of 0 or more, got "3"');
  assert.equal(message({ channels: [8, -16] }), 'x.json: channels must be a list of at least 2 positive integers, got [8,-16]');
  assert.equal(message({ channels: [8] }), 'x.json: channels must be a list of at least 2 positive integers, got [8]');
  assert.equal(message({ dataset: '' }), 'x.json: dataset must be a non-empty string, got ""');
  assert.equal(message({ samplingClamp: 'x' }), 'x.json: samplingClamp "x" is not known (valid: x_t, x0, none)');
});

test('what a schema cannot say is checked after it', () => {
  assert.throws(() => resolveRunConfig({ betaStart: 0.02, betaEnd: 0.01 }), /betaStart\/betaEnd need 0 < betaStart < betaEnd < 1, got 0.02 .. 0.01/);
  assert.throws(() => resolveRunConfig({ sampler: 'ddim', ddimSteps: 301 }), /ddimSteps must be at most timesteps \(300\) for DDIM \(sampler "ddim"\), got 301/);
  assert.throws(() => resolveRunConfig({ previewSampler: 'ddim', ddimSteps: 301 }), /ddimSteps must be at most timesteps \(300\) for DDIM \(previewSampler "ddim"\), got 301/);
  assert.doesNotThrow(() => resolveRunConfig({ sampler: 'ddpm', previewSampler: 'ddpm', ddimSteps: 301 }), 'ddimSteps is a DDIM option');
  assert.throws(() => resolveRunConfig({ emaDecay: 1 }), /emaDecay must be a number in \[0, 1\), got 1/);
  assert.throws(() => resolveRunConfig({ emaDecay: -0.5 }), /emaDecay must be a number in \[0, 1\), got -0.5/);
  assert.throws(() => resolveRunConfig({ datasetSplit: 'train' }), /datasetSplit "train" applies to Stanford Cars folders/);
});

// Each of these was accepted once and then failed in training or its evaluation (found by
// training-random-configs.test.ts).
test('what would fail in training is refused before it, naming the field', () => {
  assert.throws(() => resolveRunConfig({ schedule: 'linear-scaled', timesteps: 12, betaStart: 0.025, betaEnd: 0.08 }),
    /betaStart\/betaEnd: schedule "linear-scaled" with T=12, .* gives beta\[0\] = 2\.08\d*; need 0 < beta < 1/);
  assert.doesNotThrow(() => resolveRunConfig({ schedule: 'linear-scaled', timesteps: 1000 }));
  assert.throws(() => resolveRunConfig({ preset: 'small', imgSize: 8, batchSize: 1 }),
    /batchSize must be at least 2 when imgSize 8 halves 3 times to 1x1 \(batch norm needs two values per channel\), got 1/);
  assert.doesNotThrow(() => resolveRunConfig({ preset: 'small', imgSize: 16, batchSize: 1 }), '2x2 at the bottom: four values');
  assert.throws(() => resolveRunConfig({ channels: [4, 8], imgSize: 2 }), /imgSize must be at least 4 for toy-cars .*, got 2/);
  assert.throws(() => resolveRunConfig({ toyCarsCount: 8, heldOutCount: 2, heldOutFraction: 0.25, batchSize: 8 }),
    /batchSize must be at most the 6 toy cars left for training \(toyCarsCount 8 minus the held-out ones\), got 8/);
  assert.doesNotThrow(() => resolveRunConfig({ toyCarsCount: 8, heldOutCount: 2, heldOutFraction: 0.25, batchSize: 6 }));
});

test('a recorded config is checked whole: unknown and missing fields', () => {
  assert.throws(() => validateRunConfig({ ...DEFAULT_RUN_CONFIG, extra: 1 } as RunConfig, 'config.json'),
    /^ConfigError: config\.json: unknown field "extra" \(valid: recipe, preset, channels, dataset, /);
  const { lr: _, ...noLr } = DEFAULT_RUN_CONFIG;
  assert.throws(() => validateRunConfig(noLr as RunConfig, 'config.json'), /config\.json: lr is missing/);
});

test('allowed values read as words', () => {
  assert.equal(allowedValues(RUN_CONFIG_TABLE.activation), 'one of relu, silu, gelu, leaky-relu, elu, mish');
  assert.equal(allowedValues(RUN_CONFIG_TABLE.imgSize), 'a positive integer');
  assert.equal(allowedValues(RUN_CONFIG_TABLE.emaDecay), 'a number in [0, 1)');
  assert.equal(allowedValues({ type: 'number', exclusiveMinimum: 2 }), 'a number above 2');
});
