import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors, toFloat32 } from '../../src/trainer/model/safetensors';
import { SimpleUnet, type SimpleUnetConfig } from '../../src/trainer/model/simpleUnet';
import {
  channelsFromTorchStateDict,
  encodeTorchSafetensors,
  exportTorchStateDict,
  importTorchStateDict,
  simpleUnetFromTorchSafetensors,
} from '../../src/trainer/model/torchStateDict';
import { backendsUnderTest, testOnEachBackend, useBackend } from '../helpers/backends';
import { pythonOrSkip } from '../helpers/python';
import {
  FIXTURES,
  assertAllClose,
  assertBitIdentical,
  fixtureTensor,
  nhwcFromTorch,
  readSafetensorsFixture,
  torchOrderValues,
} from '../helpers/tensors';

const initial = readSafetensorsFixture('unet_initial.safetensors');
const io = readSafetensorsFixture('unet_io.safetensors');

/** A model whose running statistics and batch counts are no longer the defaults. */
function trainedLookingModel(channels: number[], seed: number, design: Partial<SimpleUnetConfig> = {}): SimpleUnet {
  const model = SimpleUnet.create({ channels, activation: 'relu', ...design }, seed);
  const x = tf.randomNormal([4, 8, 8, 3], 0.5, 1.3, 'float32', seed) as tf.Tensor4D;
  const t = tf.tensor1d([1, 50, 100, 200]);
  const { output, batchStats } = model.forwardTrain(x, t);
  model.applyBatchStatistics(batchStats);
  tf.dispose([x, t, output, ...batchStats.flatMap((s) => [s.mean, s.variance])]);
  return model;
}

testOnEachBackend('export -> safetensors -> import round-trips bit-exactly', async () => {
  const a = trainedLookingModel([4, 8, 16], 3);
  const b = SimpleUnet.create({ channels: [4, 8, 16], activation: 'relu' }, 4);
  importTorchStateDict(b, decodeSafetensors((await encodeTorchSafetensors(a))).tensors);
  const ea = (await exportTorchStateDict(a));
  const eb = (await exportTorchStateDict(b));
  assert.equal(eb.get('downs.0.bnorm1.num_batches_tracked')!.data[0], 1n);
  for (const [name, t] of ea) {
    assert.deepEqual(eb.get(name)!.shape, t.shape, name);
    assert.equal(eb.get(name)!.dtype, t.dtype, name);
    assertBitIdentical(eb.get(name)!.data, t.data, name);
  }
  a.dispose();
  b.dispose();
});

testOnEachBackend('a torch state_dict imports and exports unchanged (names, layouts, I64 counts)', async () => {
  const model = SimpleUnet.create({ channels: channelsFromTorchStateDict(initial), activation: 'relu' }, 0);
  importTorchStateDict(model, initial);
  const exported = (await exportTorchStateDict(model));
  assert.deepEqual([...exported.keys()].sort(), [...initial.keys()].sort());
  for (const [name, t] of initial) {
    const e = exported.get(name)!;
    assert.deepEqual(e.shape, t.shape, name);
    assert.equal(e.dtype, t.dtype, name);
    assertBitIdentical(e.data, t.data, name);
  }
  // What torch's save_file writes is what we write, apart from header formatting.
  const ours = decodeSafetensors((await encodeTorchSafetensors(model)));
  assert.equal(ours.metadata.format, 'pt');
  model.dispose();
});

test('the widths are read from the state_dict', async () => {
  assert.deepEqual(channelsFromTorchStateDict(initial), [4, 8, 16]);
  assert.throws(() => channelsFromTorchStateDict(new Map()), /conv0.weight is missing/);
});

testOnEachBackend('simpleUnetFromTorchSafetensors builds the saved model', async () => {
  const bytes = readFileSync(join(FIXTURES, 'unet_initial.safetensors'));
  const model = simpleUnetFromTorchSafetensors(bytes, 'relu');
  assert.deepEqual(model.config.channels, [4, 8, 16]);
  const out = tf.tidy(() => model.predict(nhwcFromTorch(fixtureTensor(io, 'x')), tf.tensor1d(toFloat32(fixtureTensor(io, 't'))), 'eval'));
  assertAllClose(await torchOrderValues(out), toFloat32(fixtureTensor(io, 'out_eval')), 1e-4, 'out_eval');
  out.dispose();
  model.dispose();
});

testOnEachBackend('wrong state_dicts are refused, naming every problem, and change nothing', async () => {
  const model = SimpleUnet.create({ channels: [4, 8, 16], activation: 'relu' }, 5);
  const before = (await exportTorchStateDict(model));
  const broken = new Map(initial);
  broken.delete('ups.1.conv2.bias');
  broken.set('ups.1.extra.weight', { dtype: 'F32', shape: [1], data: Float32Array.of(0) });
  broken.set('conv0.weight', { dtype: 'F32', shape: [4, 3, 1, 3], data: new Float32Array(36) });
  broken.set('output.bias', { dtype: 'I64', shape: [3], data: new BigInt64Array(3) });
  assert.throws(() => importTorchStateDict(model, broken), (e: Error) => {
    assert.match(e.message, /missing: ups\.1\.conv2\.bias/);
    assert.match(e.message, /unexpected: ups\.1\.extra\.weight/);
    assert.match(e.message, /size mismatch for conv0\.weight: the file has shape \[4, 3, 1, 3\], the model has \[4, 3, 3, 3\]/);
    assert.match(e.message, /output\.bias: dtype I64/);
    return true;
  });
  // A model of other widths: the shapes say so.
  const wide = SimpleUnet.create({ channels: [8, 16, 32], activation: 'relu' }, 5);
  assert.throws(() => importTorchStateDict(wide, initial), /size mismatch for downs\.0\.conv1\.weight: the file has shape \[8, 4, 3, 3\], the model has \[16, 8, 3, 3\]/);
  const after = (await exportTorchStateDict(model));
  for (const [name, t] of before) assertBitIdentical(after.get(name)!.data, t.data, name);
  model.dispose();
  wide.dispose();
});

testOnEachBackend('torch checkpoints without num_batches_tracked load (as torch allows)', async () => {
  const old = new Map([...initial].filter(([name]) => !name.endsWith('num_batches_tracked')));
  const model = SimpleUnet.create({ channels: [4, 8, 16], activation: 'relu' }, 5);
  importTorchStateDict(model, old);
  assert.equal(model.batchesTracked.get('downs.0.bnorm1'), 0);
  model.dispose();
});

// torch_eval.py loads our export into this repository's PyTorch reference (test/fixtures/reference_unet.py).
// Needs a python3 with torch (Debian's python3-torch): skipped without one, except in CI, where it fails.
const TORCH_DESIGNS: { design: Partial<SimpleUnetConfig>; printed: string }[] = [
  { design: {}, printed: '4,8,16 batch plain' },
  { design: { activation: 'silu', normalization: 'group', residual: 'on' }, printed: '4,8,16 group residual' },
];

for (const { design, printed } of TORCH_DESIGNS) {
  test(`our export loads into the reference PyTorch SimpleUnet (load_state_dict strict): ${printed}`, { timeout: 120_000 }, async (ctx) => {
    const python = pythonOrSkip(ctx, ['torch'], 'python3-torch', ['/usr/bin/python3', 'python3']);
    if (!python) return;
    await useBackend(backendsUnderTest()[0]!);
    const dir = mkdtempSync(join(tmpdir(), 'diffusion-lab-torch-'));
    try {
      const model = trainedLookingModel([4, 8, 16], 11, design);
      const x = fixtureTensor(io, 'x');
      const t = fixtureTensor(io, 't');
      writeFileSync(join(dir, 'state.safetensors'), (await encodeTorchSafetensors(model)));
      writeFileSync(join(dir, 'input.safetensors'), encodeSafetensors({ x, t }));
      const args = [join(FIXTURES, 'torch_eval.py'), join(dir, 'state.safetensors'), join(dir, 'input.safetensors'), join(dir, 'out.safetensors'), model.config.activation];
      const r = spawnSync(python, args, { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), printed);
      const torchOut = decodeSafetensors(readFileSync(join(dir, 'out.safetensors'))).tensors;
      for (const mode of ['eval', 'train'] as const) {
        const out = tf.tidy(() => model.predict(nhwcFromTorch(x), tf.tensor1d(toFloat32(t)), mode));
        assertAllClose(await torchOrderValues(out), toFloat32(torchOut.get(`out_${mode}`)!), 1e-4, `out_${mode}`);
        out.dispose();
      }
      // The design is read back from the names alone.
      const back = simpleUnetFromTorchSafetensors(readFileSync(join(dir, 'state.safetensors')), model.config.activation);
      assert.deepEqual(back.config, model.config);
      back.dispose();
      model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
