import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PRESET_CHANNELS } from '../../src/shared/options';
import { forwardFlopsBreakdown, forwardFlopsPerImage } from '../../src/trainer/model/flops';
import { parameterCount, simpleUnetParameters, torchFanIn } from '../../src/trainer/model/parameters';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { exportTorchStateDict } from '../../src/trainer/model/torchStateDict';
import { testOnEachBackend } from '../helpers/backends';
import { readJsonFixture } from '../helpers/tensors';

type StateDict = Awaited<ReturnType<typeof exportTorchStateDict>>;

test('parameter counts: reference 62,438,883, small preset, fixture model', async () => {
  assert.equal(parameterCount(PRESET_CHANNELS.reference), 62_438_883);
  // reference_torch.py params --channels 32,64,128,256
  assert.equal(parameterCount(PRESET_CHANNELS.small), 3_878_147);
  const meta = readJsonFixture<{ channels: number[]; params: number }>('unet_fixture.json');
  assert.equal(parameterCount(meta.channels), meta.params);
});

test('forward FLOPs per image as reference_torch.py counts them', async () => {
  // reference_torch.py params --img-size 32 [--channels 32,64,128,256]
  assert.deepEqual(forwardFlopsBreakdown(PRESET_CHANNELS.reference, 32), {
    conv: 2_730_229_760, convTranspose: 134_217_728, linear: 186_368, total: 2_864_633_856,
  });
  assert.deepEqual(forwardFlopsBreakdown(PRESET_CHANNELS.small, 32), {
    conv: 513_146_880, convTranspose: 25_165_824, linear: 45_056, total: 538_357_760,
  });
  assert.equal(forwardFlopsPerImage([8, 16, 32], 8), 1_434_112);
  assert.throws(() => forwardFlopsPerImage(PRESET_CHANNELS.reference, 24), /divisible|multiple of 2\^4/);
});

test('state_dict names and torch shapes follow the reference module tree', async () => {
  const specs = new Map(simpleUnetParameters(PRESET_CHANNELS.reference).map((s) => [s.name, s.torchShape]));
  assert.deepEqual(specs.get('time_mlp.1.weight'), [32, 32]);
  assert.deepEqual(specs.get('conv0.weight'), [64, 3, 3, 3]);
  assert.deepEqual(specs.get('downs.0.conv1.weight'), [128, 64, 3, 3]);
  assert.deepEqual(specs.get('downs.0.time_mlp.weight'), [128, 32]);
  assert.deepEqual(specs.get('downs.0.transform.weight'), [128, 128, 4, 4]);
  assert.deepEqual(specs.get('downs.3.bnorm2.running_var'), [1024]);
  assert.deepEqual(specs.get('downs.3.bnorm2.num_batches_tracked'), []);
  assert.deepEqual(specs.get('ups.0.conv1.weight'), [512, 2048, 3, 3]);
  assert.deepEqual(specs.get('ups.3.transform.weight'), [64, 64, 4, 4]);
  assert.deepEqual(specs.get('output.weight'), [3, 64, 1, 1]);
  assert.deepEqual(specs.get('output.bias'), [3]);
  // 4 time-MLP + conv0 + output (2 each) + 8 blocks x (4 layers x 2 + 2 norms x 5).
  assert.equal(specs.size, 2 + 2 + 2 + 8 * (4 * 2 + 2 * 5));
});

test('fan-in for initialisation: ConvTranspose2d uses weight.size(1) = out channels', async () => {
  const specs = simpleUnetParameters([4, 8, 16]);
  const layer = (name: string) => specs.find((s) => s.name === `${name}.weight`)!.layer;
  assert.equal(torchFanIn(layer('conv0')), 3 * 9);
  assert.equal(torchFanIn(layer('ups.0.conv1')), 32 * 9);
  assert.equal(torchFanIn(layer('ups.0.transform')), 8 * 16);
  assert.equal(torchFanIn(layer('downs.1.time_mlp')), 32);
});

testOnEachBackend('initialisation: seeded, U(+-1/sqrt(fan_in)), BatchNorm at 1/0/0/1', async () => {
  const channels = [4, 8, 16];
  const models = [7, 7, 8].map((seed) => SimpleUnet.create({ channels, activation: 'relu' }, seed));
  const [a, b, c] = (await Promise.all(models.map(exportTorchStateDict))) as unknown as [StateDict, StateDict, StateDict];
  for (const m of models) m.dispose();
  for (const spec of simpleUnetParameters(channels)) {
    const values = Array.from(a.get(spec.name)!.data, Number);
    assert.deepEqual(values, Array.from(b.get(spec.name)!.data, Number), `${spec.name}: same seed, same values`);
    if (spec.layer.kind === 'batchNorm') {
      const expected = { weight: 1, bias: 0, running_mean: 0, running_var: 1, num_batches_tracked: 0 }[spec.role];
      assert.ok(values.every((v) => v === expected), `${spec.name} = ${expected}`);
      continue;
    }
    assert.notDeepEqual(values, Array.from(c.get(spec.name)!.data, Number), `${spec.name}: another seed`);
    const bound = 1 / Math.sqrt(torchFanIn(spec.layer));
    const max = Math.max(...values.map(Math.abs));
    assert.ok(max <= bound, `${spec.name}: |w| ${max} > ${bound}`);
    if (values.length >= 64) assert.ok(max > 0.8 * bound, `${spec.name}: |w| only reaches ${max} of ${bound}`);
  }
});
