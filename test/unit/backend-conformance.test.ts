// One scenario on every backend that loads here, each compared with the cpu backend: this
// file is where a backend proves itself, so a new backend is one entry in BACKENDS.
// The scenario: a narrow U-Net at 8 px, forward in train and eval BatchNorm mode, every
// gradient, every loss by name, two Adam steps, one DDPM and one DDIM sampling pass, a
// checkpoint round trip, and no tensor left behind after steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { LOSSES, type BackendName } from '../../src/shared/options';
import { selectBackend } from '../../src/trainer/backend/selectBackend';
import { qSample } from '../../src/trainer/diffusion/forwardProcess';
import { ddimSample, ddpmSample, type EpsModel } from '../../src/trainer/diffusion/samplers';
import { makeNoiseSchedule } from '../../src/shared/noiseSchedules';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { encodeTorchSafetensors, importTorchStateDict } from '../../src/trainer/model/torchStateDict';
import { decodeSafetensors } from '../../src/trainer/model/safetensors';
import { Random } from '../../src/trainer/random';
import { Adam } from '../../src/trainer/training/adam';
import { lossByName } from '../../src/trainer/training/losses';
import { readScalar, trainStep } from '../../src/trainer/training/trainStep';
import { useSoftwareGpu } from '../helpers/softwareGpu';
import { assertAllClose } from '../helpers/tensors';

/**
 * Relative tolerances against cpu (assertAllClose: the error over |value| + mean|value|).
 * Forward passes and samples: float32 arithmetic in another order. Gradients sum over the
 * batch and the pixels, Adam divides by sqrt(v), so both carry more rounding.
 */
interface Tolerances {
  forward: number;
  gradient: number;
  adam: number;
  sampling: number;
}
const FLOAT32_REORDERED: Tolerances = { forward: 1e-5, gradient: 1e-4, adam: 1e-4, sampling: 1e-5 };

interface BackendEntry {
  tolerances: Tolerances;
  /** Run before the backend starts (environment for Dawn). */
  prepare?: () => void;
  /** Where the backend cannot load on a machine like CI's, why (the test says so and skips). */
  optional?: string;
}

const BACKENDS: Record<Exclude<BackendName, 'cpu'>, BackendEntry> = {
  wasm: { tolerances: FLOAT32_REORDERED },
  // SwiftShader, a software Vulkan: the same shaders a GPU runs, at test sizes only.
  webgpu: { tolerances: FLOAT32_REORDERED, prepare: useSoftwareGpu },
  tensorflow: { tolerances: FLOAT32_REORDERED, optional: 'libtensorflow (tfjs-node-gpu or tfjs-node) cannot be downloaded on these machines' },
};

const CHANNELS = [8, 16, 32];
const IMG = 8;
const BATCH = 4;
const T = 50;

type Outcome = Map<string, Float32Array>;

async function values(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as Float32Array);
}

/** The whole scenario on the active backend; every number it produces, by name. */
async function scenario(): Promise<Outcome> {
  const out: Outcome = new Map();
  const rng = Random.derive(11, 'conformance');
  const schedule = makeNoiseSchedule('linear', T, 1e-4, 0.02);
  const shape: [number, number, number, number] = [BATCH, IMG, IMG, 3];
  const n = BATCH * IMG * IMG * 3;
  const x0Values = rng.uniforms(n, -1, 1);
  const noiseValues = rng.normals(n);
  const tValues = Int32Array.from({ length: BATCH }, () => rng.int(T));
  const x0 = tf.tensor4d(x0Values, shape);
  const noise = tf.tensor4d(noiseValues, shape);
  const xt = qSample(schedule, x0, tValues, noise);
  const t = tf.tensor1d(Float32Array.from(tValues));
  out.set('q_sample', await values(xt));

  const model = SimpleUnet.create({ channels: CHANNELS, activation: 'silu' }, 5);
  const train = model.forwardTrain(xt, t);
  out.set('forward, train BatchNorm', await values(train.output));
  for (const [i, s] of train.batchStats.entries()) out.set(`batch mean ${i}`, await values(s.mean));
  for (const name of LOSSES) out.set(`loss ${name}`, Float32Array.of(await readScalar(lossByName(name)(noise, train.output, { huberDelta: 0.5 }))));
  tf.dispose([train.output, ...train.batchStats.flatMap((s) => [s.mean, s.variance])]);
  const evalOut = model.predict(xt, t, 'eval');
  out.set('forward, eval BatchNorm', await values(evalOut));
  evalOut.dispose();

  const params = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => lossByName('l1')(noise, model.forwardTrain(xt, t).output, { huberDelta: 1 }), [...params.values()]);
  value.dispose();
  for (const [name, v] of params) out.set(`gradient ${name}`, await values(grads[v.name]!));
  tf.dispose(grads);

  const adam = new Adam(params, { lr: 1e-3 });
  for (const step of [1, 2]) out.set(`Adam step ${step} loss`, Float32Array.of(await readScalar(trainStep(model, adam, xt, t, noise, 'l1', { huberDelta: 1 }))));
  for (const [name, v] of params) out.set(`after Adam ${name}`, await values(v));
  const state = await adam.getState();
  out.set('Adam second moment downs.0.conv1.weight', state.moments['downs.0.conv1.weight']!.secondMoment);

  // A checkpoint holds torch-layout values, the same whichever backend wrote it.
  const copy = SimpleUnet.create({ channels: CHANNELS, activation: 'silu' }, 6);
  importTorchStateDict(copy, decodeSafetensors(await encodeTorchSafetensors(model)).tensors);
  const copied = copy.predict(xt, t, 'eval');
  out.set('forward after checkpoint round trip', await values(copied));
  copied.dispose();
  copy.dispose();

  const eps = (mode: 'train' | 'eval'): EpsModel => (x, ts) => model.predict(x, ts, mode);
  const short = makeNoiseSchedule('linear', 2, 1e-4, 0.02);
  const ddpm = await ddpmSample(eps('train'), short, { count: 2, imgSize: IMG, rng: Random.derive(3, 'ddpm'), clamp: 'x_t', snapshots: 1 });
  out.set('DDPM (T=2, x_t clamp, train BatchNorm)', await values(ddpm.images));
  const ddim = await ddimSample(eps('eval'), schedule, { count: 2, imgSize: IMG, rng: Random.derive(3, 'ddim'), clamp: 'x0', steps: 1, eta: 0.5, snapshots: 1 });
  out.set('DDIM (1 step, eta 0.5, x0 clamp, eval BatchNorm)', await values(ddim.images));
  tf.dispose([ddpm.images, ddpm.snapshots, ddim.images, ddim.snapshots, x0, noise, xt, t]);
  adam.dispose();
  model.dispose();
  return out;
}

function toleranceFor(name: string, tol: Tolerances): number {
  if (name.startsWith('gradient')) return tol.gradient;
  if (name.startsWith('after Adam') || name.startsWith('Adam')) return tol.adam;
  if (name.startsWith('DDPM') || name.startsWith('DDIM')) return tol.sampling;
  return tol.forward;
}

let reference: Outcome | undefined;
async function cpuOutcome(): Promise<Outcome> {
  if (!reference) {
    await selectBackend('cpu');
    reference = await scenario();
  }
  return reference;
}

for (const [backend, entry] of Object.entries(BACKENDS) as [Exclude<BackendName, 'cpu'>, BackendEntry][]) {
  test(`conformance: ${backend} matches cpu on the whole scenario`, { timeout: 180_000 }, async (t) => {
    const expected = await cpuOutcome();
    entry.prepare?.();
    try {
      await selectBackend(backend);
    } catch (err) {
      if (!entry.optional) throw err;
      t.skip(`${backend} does not load here (${entry.optional}): ${(err as Error).message.slice(0, 160)}`);
      return;
    }
    assert.equal(tf.getBackend(), backend);
    const actual = await scenario();
    assert.deepEqual([...actual.keys()], [...expected.keys()]);
    for (const [name, want] of expected) assertAllClose(actual.get(name)!, want, toleranceFor(name, entry.tolerances), `${backend}: ${name}`);
  });

  test(`conformance: ${backend} leaves no tensor and no byte behind over training steps`, { timeout: 180_000 }, async (t) => {
    entry.prepare?.();
    try {
      await selectBackend(backend);
    } catch (err) {
      if (!entry.optional) throw err;
      t.skip(`${backend} does not load here (${entry.optional})`);
      return;
    }
    const model = SimpleUnet.create({ channels: CHANNELS, activation: 'relu' }, 1);
    const adam = new Adam(model.trainableVariables(), { lr: 1e-3 });
    const rng = Random.derive(2, 'memory');
    const shape: [number, number, number, number] = [BATCH, IMG, IMG, 3];
    const memoryAt: tf.MemoryInfo[] = [];
    for (let step = 1; step <= 25; step++) {
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(rng.uniforms(BATCH * IMG * IMG * 3, -1, 1), shape);
        const noise = tf.tensor4d(rng.normals(BATCH * IMG * IMG * 3), shape);
        const ts = tf.tensor1d(Float32Array.from({ length: BATCH }, () => rng.int(T)));
        return trainStep(model, adam, x, ts, noise, 'l1', { huberDelta: 1, gradClipNorm: 1 });
      });
      assert.ok(Number.isFinite(await readScalar(loss)));
      if (step === 5 || step === 25) memoryAt.push(tf.memory());
    }
    const [early, late] = memoryAt as [tf.MemoryInfo, tf.MemoryInfo];
    assert.equal(late.numTensors, early.numTensors, 'tensors');
    assert.equal(late.numBytes, early.numBytes, 'bytes');
    // The GPU backend also counts its device buffers.
    const gpuBytes = (m: tf.MemoryInfo) => (m as { numBytesInGPU?: number }).numBytesInGPU;
    assert.equal(gpuBytes(late), gpuBytes(early), 'bytes on the GPU');
    adam.dispose();
    model.dispose();
  });
}
