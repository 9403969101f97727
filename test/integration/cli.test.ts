// The CLI as a person uses it: the built dist/cli.js, tiny models, 16 px, a few steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { RunStatus } from '../../src/shared/runDirectory';
import { parameterCount } from '../../src/trainer/model/parameters';
import { CLI, cli, readJson, readMetrics, tempOut, trainUntilStep } from '../helpers/cli';
import { writeImage, writeTruncatedJpeg } from '../helpers/imageFixtures';
import { mkdirSync, writeFileSync } from 'node:fs';

const TINY = ['--channels', '4,8', '--img-size', '16', '--batch-size', '8', '--toy-cars-count', '32', '--held-out-count', '0', '--timesteps', '20', '--sample-count', '4', '--backend', 'wasm'];

test('the CLI is built', () => {
  assert.ok(existsSync(CLI), `${CLI} missing: run npm run build`);
});

test('train writes a complete run directory and prints its path', async (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--epochs', '2', '--sample-every', '1', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim();
  assert.equal(path.dirname(runDir), path.join(out, 'runs'));

  const config = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  assert.equal(config.environment.backend, 'wasm');
  assert.equal(config.environment.parameterCount, parameterCount([4, 8]));
  assert.deepEqual(config.config.channels, [4, 8]);
  assert.match(config.environment.datasetFingerprint, /^[0-9a-f]{16}$/);

  const status = readJson<RunStatus>(path.join(runDir, 'status.json'));
  assert.equal(status.state, 'done');
  assert.equal(status.step, 8, '2 epochs x 32/8 batches');
  assert.equal(status.totalSteps, 8);

  const metrics = readMetrics(runDir);
  const steps = metrics.filter((m) => m.kind === 'step');
  assert.deepEqual(steps.map((s) => s.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const s of steps) assert.ok(Number.isFinite(s.loss) && s.loss > 0 && s.ms > 0);
  assert.equal(metrics.filter((m) => m.kind === 'epoch').length, 2);
  const timings = metrics.filter((m) => m.kind === 'timing').map((m) => m.name);
  assert.deepEqual(timings.sort(), ['forwardDiffusion', 'run', 'sampling']);

  const forward = await sharp(path.join(runDir, 'forward.png')).metadata();
  assert.ok(forward.width! > forward.height! * 5, 'ten images side by side');
  const samples = readdirSync(path.join(runDir, 'samples')).sort();
  assert.deepEqual(samples, ['grid-epoch-001.png', 'grid-final.png', 'strip-epoch-001.png', 'strip-epoch-002.png']);
  const state = readJson<{ step: number; model: string }>(path.join(runDir, 'checkpoint', 'state.json'));
  assert.equal(state.step, 8);
  assert.ok(existsSync(path.join(runDir, 'checkpoint', state.model)));

  const s = cli(['sample', '--run', runDir, '--count', '2', '--seed', '5']);
  assert.equal(s.code, 0, s.stderr);
  const grid = await sharp(s.stdout.trim()).metadata();
  assert.ok(grid.width! >= 2 * 64, 'two upscaled 16 px images');
});

test('Ctrl-C checkpoints and marks the run cancelled; resume finishes it exactly as an uninterrupted run', async (t) => {
  const out = tempOut(t);
  const args = ['train', ...TINY, '--epochs', '3', '--sample-every', '0', '--seed', '3', '--ema-decay', '0.9'];
  const full = cli([...args, '--out', path.join(out, 'a')]);
  assert.equal(full.code, 0, full.stderr);

  // Interrupt once a few steps are on disk.
  const { code, stdout, stderr } = await trainUntilStep(args, path.join(out, 'b'), 3);
  assert.equal(code, 130, stderr);
  const runDir = stdout.trim();
  const cancelled = readJson<RunStatus>(path.join(runDir, 'status.json'));
  assert.equal(cancelled.state, 'cancelled');
  assert.ok(cancelled.step >= 3 && cancelled.step < 12, `stopped at step ${cancelled.step}`);

  const resumed = cli(['resume', '--run', runDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).state, 'done');
  const steps = readMetrics(runDir).filter((m) => m.kind === 'step').map((m) => m.step);
  assert.deepEqual(steps, Array.from({ length: 12 }, (_, i) => i + 1), 'each step recorded once');

  // Same seed, same backend: the interrupted-and-resumed weights equal the uninterrupted ones.
  const weights = (dir: string) => {
    const state = readJson<{ model: string; ema: string }>(path.join(dir, 'checkpoint', 'state.json'));
    return Buffer.concat([readFileSync(path.join(dir, 'checkpoint', state.model)), readFileSync(path.join(dir, 'checkpoint', state.ema))]);
  };
  const lossesOf = (dir: string) => readMetrics(dir).filter((m) => m.kind === 'step').map((m) => (m as { loss: number }).loss);
  assert.deepEqual(lossesOf(runDir), lossesOf(full.stdout.trim()));
  assert.ok(weights(runDir).equals(weights(full.stdout.trim())), 'final weights differ');
});

test('a loss that becomes NaN fails the run with its step and keeps what was written', (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--epochs', '50', '--lr', '1e30', '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  const runDir = r.stdout.trim();
  const status = readJson<RunStatus>(path.join(runDir, 'status.json'));
  assert.equal(status.state, 'failed');
  assert.match(status.error!.message, /loss became (NaN|Infinity|-Infinity) at step \d+/);
  assert.ok(status.error!.step! >= 1);
  const steps = readMetrics(runDir).filter((m) => m.kind === 'step');
  assert.equal(steps.length, status.error!.step! - 1, 'every finite step is kept');
  assert.match(r.stderr, /run failed: loss became/);
});

test('bad input: one clear line, exit 2, nothing written', (t) => {
  const out = tempOut(t);
  const cases: [string[], RegExp][] = [
    [['--activation', 'swish'], /activation "swish" is not known \(valid: relu, silu, gelu, leaky-relu, elu, mish\)/],
    [['--loss', 'nll'], /loss "nll" is not known \(valid: l1, l2, huber, smooth-l1\)/],
    [['--schedule', 'quad'], /schedule "quad" is not known/],
    [['--backend', 'webgl'], /backend "webgl" is not known \(valid: auto, tensorflow, webgpu, wasm, cpu\)/],
    [['--img-size', '24', '--preset', 'reference'], /imgSize 24 is not divisible by 2\^4 = 16/],
    [['--batch-size', '0'], /batchSize must be a positive integer, got 0/],
    [['--timesteps', '1'], /timesteps must be an integer of 2 or more, got 1/],
    [['--img-size', 'big'], /--img-size: "big" is not an integer/],
    [['--bogus', '1'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = cli(['train', ...args, '--out', out]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!existsSync(path.join(out, 'runs')), 'no run directory for rejected input');

  const blocked = path.join(out, 'file');
  spawnSync('touch', [blocked]);
  const r = cli(['train', ...TINY, '--out', path.join(blocked, 'sub')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--out .*file\/sub: cannot write there/);
});

test('info, schedule and env answer with the facts of the model and machine', () => {
  const info = cli(['info', '--json', '--backend', 'cpu']);
  assert.equal(info.code, 0, info.stderr);
  const i = JSON.parse(info.stdout) as { parameters: number; forwardGflopPerImage: number; backend: string };
  assert.equal(i.parameters, 62_438_883);
  assert.ok(Math.abs(i.forwardGflopPerImage - 2.865) < 0.001, String(i.forwardGflopPerImage));
  assert.equal(i.backend, 'cpu');

  const sched = cli(['schedule', '--timesteps', '300', '--json']);
  assert.equal(sched.code, 0, sched.stderr);
  const s = JSON.parse(sched.stdout) as { betas: number[]; sqrtAlphasCumprod: number[] };
  assert.equal(s.betas.length, 300);
  let acp = 1;
  for (let k = 0; k < 300; k++) acp *= 1 - (1e-4 + (k * (0.02 - 1e-4)) / 299);
  assert.ok(Math.abs(s.sqrtAlphasCumprod[299]! - Math.sqrt(acp)) < 1e-9);

  const env = cli(['env']);
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stdout, /wasm/);
  assert.match(env.stdout, /tfjs-node-gpu/);
});

test('train on a Stanford Cars folder: corrupt files skipped and recorded, the cache reused by the next run', async (t) => {
  const out = tempOut(t);
  const root = path.join(out, 'data', 'stanford_cars');
  mkdirSync(path.join(root, 'cars_train'), { recursive: true });
  mkdirSync(path.join(root, 'cars_test'), { recursive: true });
  for (let i = 0; i < 12; i++) await writeImage(path.join(root, i < 8 ? 'cars_train' : 'cars_test', `${String(i).padStart(5, '0')}.jpg`), 50, 30, i);
  await writeTruncatedJpeg(path.join(root, 'cars_train', '99998.jpg'));
  writeFileSync(path.join(root, 'cars_train', '99999.jpg'), 'not an image');
  const args = ['train', ...TINY, '--batch-size', '4', '--epochs', '1', '--held-out-count', '2', '--held-out-fraction', '0.5', '--dataset', path.join(out, 'data'), '--out', path.join(out, 'runs-out')];

  const first = cli(args);
  assert.equal(first.code, 0, first.stderr);
  const runDir = first.stdout.trim();
  const { config, environment } = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  assert.equal(config.dataset, path.join(out, 'data'), 'absolute dataset path recorded');
  assert.equal(environment.dataset!.images, 12);
  assert.equal(environment.dataset!.skipped, 2);
  assert.equal(environment.dataset!.heldOutImages, 2);
  assert.equal(environment.dataset!.trainImages, 10);
  const data = readMetrics(runDir).find((m) => m.kind === 'data') as { skipped: number; cache: string };
  assert.equal(data.skipped, 2);
  assert.equal(data.cache, 'written');
  assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).step, 2, '10 training images / batch 4');
  assert.match(first.stderr, /99999\.jpg/, 'a skipped file is named');

  const second = cli(args);
  assert.equal(second.code, 0, second.stderr);
  const again = readMetrics(second.stdout.trim()).find((m) => m.kind === 'data') as { cache: string };
  assert.equal(again.cache, 'hit');
  assert.equal(readJson<RunConfigFile>(path.join(second.stdout.trim(), 'config.json')).environment.datasetFingerprint, environment.datasetFingerprint);
});

test('the improved options run and are recorded; quality evaluations land in metrics.jsonl', (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--toy-cars-count', '64', '--held-out-count', '8', '--held-out-fraction', '0.5', '--epochs', '2',
    '--sample-every', '1', '--ema-decay', '0.99', '--lr-warmup-steps', '3', '--grad-clip-norm', '1', '--sampler', 'ddim',
    '--ddim-steps', '5', '--sampling-clamp', 'x0', '--sampling-batch-norm', 'eval', '--eval-images', '8', '--eval-timesteps', '4', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.trim();
  const { config } = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  assert.equal(config.sampler, 'ddim');
  assert.equal(config.samplingClamp, 'x0');
  assert.equal(config.emaDecay, 0.99);
  const metrics = readMetrics(runDir);
  const schedule = metrics.find((m) => m.kind === 'schedule') as { sqrtAlphaBarLast: number; T: number };
  assert.equal(schedule.T, 20);
  const evals = metrics.filter((m) => m.kind === 'eval').map((m) => `${(m as { metric: string }).metric}@${(m as { epoch: number }).epoch}`);
  // With an EMA the end scores the raw weights' samples too, before the average's.
  assert.deepEqual(evals, ['heldOutLoss@1', 'heldOutLoss@2', 'bitsPerDim@2', 'swd@2', 'swd@2']);
  const swd = metrics.find((m) => m.kind === 'eval' && m.metric === 'swd' && m.weights === 'ema') as { images: number; floor: number[] };
  assert.equal(swd.images, 4, 'SWD over the 4 sampled images against 4 held-out ones');
  const sampling = metrics.find((m) => m.kind === 'timing' && m.name === 'sampling') as { steps: number };
  assert.equal(sampling.steps, 5, 'DDIM steps');
  const state = readJson<{ ema?: string }>(path.join(runDir, 'checkpoint', 'state.json'));
  assert.match(state.ema ?? '', /^ema-step\d+\.safetensors$/);
});
