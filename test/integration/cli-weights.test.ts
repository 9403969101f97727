// Weights in and out of Diffusion Lab through the built CLI, checked against real PyTorch:
// `import` of a state_dict saved by torch (test/fixtures/torch_weights.py), `sample` and
// `evaluate` of the imported run, `export` of a trained run loaded by torch (torch_eval.py,
// load_state_dict strict), and bad state_dicts refused with the tensor named, nothing written.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { RunStatus } from '../../src/shared/runDirectory';
import { decodeSafetensors, encodeSafetensors, toFloat32, type SafeTensor } from '../../src/trainer/model/safetensors';
import { SimpleUnet, simpleUnetConfigOf } from '../../src/trainer/model/simpleUnet';
import { loadCheckpointWeights } from '../../src/trainer/training/checkpoint';
import { useBackend } from '../helpers/backends';
import { cli, readJson, readMetrics, tempOut } from '../helpers/cli';
import { pythonOrSkip } from '../helpers/python';
import { FIXTURES, assertAllClose, nhwcFromTorch, torchOrderValues } from '../helpers/tensors';

const TIMEOUT = { timeout: 240_000 };
/** Evaluation and sampling small enough for seconds on cpu. */
const SMALL_RUN = ['--toy-cars-count', '16', '--batch-size', '4', '--held-out-count', '4', '--held-out-fraction', '0.25', '--eval-images', '4', '--eval-timesteps', '4', '--sample-count', '2', '--backend', 'cpu'];

function torchPython(t: TestContext): string | undefined {
  return pythonOrSkip(t, ['torch'], 'python3-torch', ['/usr/bin/python3', 'python3']);
}

/** torch_weights.py: a seeded reference SimpleUnet's state_dict, and its outputs for one input. */
function torchWeights(python: string, dir: string, channels: string, imgSize: number, design: string[] = []) {
  const state = path.join(dir, 'notebook_unet.safetensors');
  const io = path.join(dir, 'io.safetensors');
  const r = spawnSync(python, [path.join(FIXTURES, 'torch_weights.py'), channels, state, io, '3', String(imgSize), ...design], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { state, io: decodeSafetensors(readFileSync(io)).tensors };
}

/** The run's model as `sample` loads it, evaluated on torch's input in both BatchNorm modes. */
async function runModelOutputs(runDir: string, x: SafeTensor, t: SafeTensor): Promise<Record<'eval' | 'train', Float32Array>> {
  await useBackend('cpu');
  const { config } = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  const model = SimpleUnet.create(simpleUnetConfigOf(config), 0);
  try {
    await loadCheckpointWeights(path.join(runDir, 'checkpoint'), model);
    const out = {} as Record<'eval' | 'train', Float32Array>;
    for (const mode of ['eval', 'train'] as const) {
      const y = tf.tidy(() => model.predict(nhwcFromTorch(x), tf.tensor1d(toFloat32(t)), mode));
      out[mode] = await torchOrderValues(y);
      y.dispose();
    }
    return out;
  } finally {
    model.dispose();
  }
}

const DESIGNS = [
  { name: 'the notebook design (batch norm), widths 4,8,16', channels: '4,8,16', args: [] as string[], design: [] as string[] },
  { name: 'group norm, residual, silu, widths 8,16', channels: '8,16', args: ['--activation', 'silu'], design: ['silu', 'group', 'residual'] },
];

for (const d of DESIGNS) {
  test(`import: a state_dict saved by PyTorch becomes a done run whose model predicts as torch's: ${d.name}`, TIMEOUT, async (t) => {
    const python = torchPython(t);
    if (!python) return;
    const dir = tempOut(t, 'dl-weights-');
    const { state, io } = torchWeights(python, dir, d.channels, 16, d.design);
    const out = path.join(dir, 'out');
    const r = cli(['import', '--weights', state, '--timesteps', '300', '--img-size', '16', ...d.args, ...SMALL_RUN, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const runDir = r.stdout.trim();
    assert.equal(path.dirname(runDir), path.join(out, 'runs'));

    const configFile = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
    assert.deepEqual(configFile.config.channels, d.channels.split(',').map(Number), 'widths read from the file');
    assert.equal(configFile.config.normalization, d.design[1] ?? 'batch');
    assert.equal(configFile.config.residual, d.design[2] === 'residual' ? 'on' : 'off');
    assert.equal(configFile.config.timesteps, 300);
    assert.equal(configFile.environment.importedFrom?.file, state);
    assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).state, 'done');

    const ours = await runModelOutputs(runDir, io.get('x')!, io.get('t')!);
    assertAllClose(ours.eval, toFloat32(io.get('out_eval')!), 1e-4, 'eval-mode noise prediction');
    assertAllClose(ours.train, toFloat32(io.get('out_train')!), 1e-4, 'train-mode noise prediction');
  });
}

test('an imported run samples and evaluates (bits/dim, SWD) like a trained one', TIMEOUT, async (t) => {
  const python = torchPython(t);
  if (!python) return;
  const dir = tempOut(t, 'dl-weights-');
  const { state } = torchWeights(python, dir, '4,8', 8);
  const r = cli(['import', '--weights', state, '--timesteps', '10', '--img-size', '8', ...SMALL_RUN, '--out', path.join(dir, 'out')]);
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim();

  const sampled = cli(['sample', '--run', runDir, '--count', '3', '--seed', '1']);
  assert.equal(sampled.code, 0, sampled.stderr);
  const grid = sampled.stdout.trim();
  assert.ok(grid.startsWith(path.join(runDir, 'samples')), grid);
  assert.equal((await sharp(grid).metadata()).format, 'png');

  const evaluated = cli(['evaluate', '--run', runDir]);
  assert.equal(evaluated.code, 0, evaluated.stderr);
  assert.match(evaluated.stdout, /bits\/dim\s+\d+\.\d+/);
  assert.match(evaluated.stdout, /SWD x 1e3\s+\d+\.\d+/);
  const evals = readMetrics(runDir).filter((m) => m.kind === 'eval');
  assert.deepEqual(evals.map((m) => m.kind === 'eval' && m.metric).sort(), ['bitsPerDim', 'heldOutLoss', 'swd']);
  const env = readJson<RunConfigFile>(path.join(runDir, 'config.json')).environment;
  assert.equal(env.dataset?.name, 'toy-cars', 'config.json names the data the numbers are on');
});

test('export: a trained run loads into PyTorch (load_state_dict strict) and predicts as ours', TIMEOUT, async (t) => {
  const python = torchPython(t);
  if (!python) return;
  const dir = tempOut(t, 'dl-weights-');
  const trained = cli(['train', '--channels', '4,8', '--img-size', '8', '--timesteps', '10', '--epochs', '1',
    '--sample-every', '0', '--ema-decay', '0.9', ...SMALL_RUN, '--out', path.join(dir, 'out')]);
  assert.equal(trained.code, 0, trained.stderr);
  const runDir = trained.stdout.trim();

  const file = path.join(dir, 'model.safetensors');
  const exported = cli(['export', '--run', runDir, '--out', file]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trim(), file);
  assert.match(exported.stderr, /weight average/, 'the run keeps an EMA: that is what it samples from, and the default');

  const x = { dtype: 'F32' as const, shape: [4, 3, 8, 8], data: Float32Array.from({ length: 4 * 3 * 64 }, (_, i) => Math.sin(i * 0.37) * 1.5) };
  const tIn = { dtype: 'F32' as const, shape: [4], data: Float32Array.of(0, 3, 6, 9) };
  writeFileSync(path.join(dir, 'input.safetensors'), encodeSafetensors({ x, t: tIn }));
  const py = spawnSync(python, [path.join(FIXTURES, 'torch_eval.py'), file, path.join(dir, 'input.safetensors'), path.join(dir, 'torch_out.safetensors')], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '4,8 batch plain');
  const torchOut = decodeSafetensors(readFileSync(path.join(dir, 'torch_out.safetensors'))).tensors;
  const ours = await runModelOutputs(runDir, x, tIn);
  assertAllClose(ours.eval, toFloat32(torchOut.get('out_eval')!), 1e-4, 'eval-mode noise prediction');
  assertAllClose(ours.train, toFloat32(torchOut.get('out_train')!), 1e-4, 'train-mode noise prediction');

  // --weights raw: the trained weights themselves, not the average.
  const raw = cli(['export', '--run', runDir, '--out', path.join(dir, 'raw.safetensors'), '--weights', 'raw']);
  assert.equal(raw.code, 0, raw.stderr);
  const a = decodeSafetensors(readFileSync(file));
  const b = decodeSafetensors(readFileSync(path.join(dir, 'raw.safetensors')));
  assert.equal(a.metadata.weights, 'ema');
  assert.equal(b.metadata.weights, 'raw');
  assert.notDeepEqual(toFloat32(a.tensors.get('conv0.weight')!), toFloat32(b.tensors.get('conv0.weight')!));
});

/** The torch-saved state_dict with one change. */
function alteredCopy(state: string, to: string, change: (tensors: Map<string, SafeTensor>) => void): string {
  const tensors = new Map(decodeSafetensors(readFileSync(state)).tensors);
  change(tensors);
  writeFileSync(to, encodeSafetensors(tensors, { format: 'pt' }));
  return to;
}

test('import refuses another architecture (renamed tensor, wrong shape), naming the tensor, and writes no run', TIMEOUT, async (t) => {
  const python = torchPython(t);
  if (!python) return;
  const dir = tempOut(t, 'dl-weights-');
  const { state } = torchWeights(python, dir, '4,8,16', 16);
  const renamed = alteredCopy(state, path.join(dir, 'renamed.safetensors'), (m) => {
    m.set('ups.0.attention.weight', m.get('ups.0.conv2.weight')!);
    m.delete('ups.0.conv2.weight');
  });
  const reshaped = alteredCopy(state, path.join(dir, 'reshaped.safetensors'), (m) => {
    m.set('downs.1.conv2.weight', { dtype: 'F32', shape: [16, 16, 1, 1], data: new Float32Array(256) });
  });
  const noConv0 = alteredCopy(state, path.join(dir, 'no-conv0.safetensors'), (m) => m.delete('conv0.weight'));
  const cases: Array<[string, RegExp]> = [
    [renamed, /tensor ups\.0\.conv2\.weight is missing; the file has ups\.0\.attention\.weight/],
    [reshaped, /tensor downs\.1\.conv2\.weight has shape \[16, 16, 1, 1\], SimpleUnet\(channels \[4, 8, 16\].* needs \[16, 16, 3, 3\]/],
    [noConv0, /conv0\.weight is missing/],
    [path.join(dir, 'absent.safetensors'), /absent\.safetensors: cannot read \(ENOENT\)/],
  ];
  for (const [file, message] of cases) {
    const out = path.join(dir, `out-${path.basename(file)}`);
    const r = cli(['import', '--weights', file, '--img-size', '16', '--out', out]);
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(r.stderr.includes(file), `the message names ${file}: ${r.stderr}`);
    const runs = path.join(out, 'runs');
    assert.deepEqual(existsSync(runs) ? readdirSync(runs) : [], [], 'no run directory');
  }
  // A flag the file contradicts, and an image size the depth cannot halve: also nothing written.
  for (const args of [['--channels', '4,8'], ['--img-size', '10']]) {
    const out = path.join(dir, 'out-flags');
    const r = cli(['import', '--weights', state, ...args, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, args[0] === '--channels' ? /--channels: \[4,8\] contradicts/ : /imgSize 10 is not divisible by 2\^2/);
    assert.deepEqual(existsSync(path.join(out, 'runs')) ? readdirSync(path.join(out, 'runs')) : [], []);
  }
});

test('export --weights ema of a run without a weight average is refused (exit 2)', TIMEOUT, async (t) => {
  const python = torchPython(t);
  if (!python) return;
  const dir = tempOut(t, 'dl-weights-');
  const { state } = torchWeights(python, dir, '4,8', 8);
  const imported = cli(['import', '--weights', state, '--img-size', '8', ...SMALL_RUN, '--out', path.join(dir, 'out')]);
  assert.equal(imported.code, 0, imported.stderr);
  const file = path.join(dir, 'again.safetensors');
  const r = cli(['export', '--run', imported.stdout.trim(), '--out', file, '--weights', 'ema']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /keeps no weight average/);
  assert.ok(!existsSync(file));
  // The default round-trips the imported file's tensors exactly.
  assert.equal(cli(['export', '--run', imported.stdout.trim(), '--out', file]).code, 0);
  const back = decodeSafetensors(readFileSync(file)).tensors;
  for (const [name, tensor] of decodeSafetensors(readFileSync(state)).tensors) {
    assert.deepEqual(back.get(name)?.data, tensor.data, name);
  }
});

test('import, export and evaluate name what is missing or wrong in how they were called (exit 2)', TIMEOUT, (t) => {
  const dir = tempOut(t, 'dl-weights-');
  const notSafetensors = path.join(dir, 'notes.txt');
  writeFileSync(notSafetensors, 'hi');
  const cases: Array<[string[], RegExp]> = [
    [['import'], /import needs --weights FILE\.safetensors/],
    [['import', '--weights', notSafetensors, '--out', path.join(dir, 'out')], /notes\.txt: not a safetensors file/],
    [['export', '--run', path.join(dir, 'missing'), '--out', path.join(dir, 'm.safetensors')], /missing[/\\]config\.json: cannot read \(ENOENT\)/],
    [['export', '--run', dir], /export needs --out FILE\.safetensors/],
    [['export', '--run', dir, '--out', path.join(dir, 'm.safetensors'), '--weights', 'best'], /--weights: unknown "best" \(valid: raw, ema\)/],
    [['evaluate', '--run', path.join(dir, 'missing')], /missing[/\\]config\.json: cannot read \(ENOENT\)/],
  ];
  for (const [args, message] of cases) {
    const r = cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(path.join(dir, 'out', 'runs')) || readdirSync(path.join(dir, 'out', 'runs')).length === 0);
});
