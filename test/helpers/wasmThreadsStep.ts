// Child process of test/unit/backend-wasm-threads.test.ts: starts the wasm backend (thread count
// from argv[2] when given and not "-", else from the environment; the threaded module's
// JavaScript from the directory argv[3] when given), computes the gradients of a tiny
// U-Net's loss on a fixed 16 px batch, takes three training steps, and prints one line
// of JSON. A fresh process per thread count: the wasm module starts once per process.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { startWasmBackend } from '../../src/trainer/backend/wasm/wasmBackend';
import { SimpleUnet } from '../../src/trainer/model/simpleUnet';
import { Random } from '../../src/trainer/random';
import { Adam } from '../../src/trainer/training/adam';
import { lossByName } from '../../src/trainer/training/losses';
import { readScalar, trainStep } from '../../src/trainer/training/trainStep';

const SHAPE: [number, number, number, number] = [4, 16, 16, 3];

async function main(): Promise<void> {
  const [threadsArg, loaderDir] = process.argv.slice(2);
  const started = await startWasmBackend({
    ...(threadsArg !== undefined && threadsArg !== '-' ? { threads: Number(threadsArg) } : {}),
    ...(loaderDir !== undefined ? { threadedLoaderDirs: [loaderDir] } : {}),
  });
  const rng = Random.derive(7, 'wasm-threads');
  const n = SHAPE.reduce((a, b) => a * b);
  const x = tf.tensor4d(rng.normals(n), SHAPE);
  const noise = tf.tensor4d(rng.normals(n), SHAPE);
  const t = tf.tensor1d(Array.from({ length: SHAPE[0] }, () => rng.int(300)), 'int32');
  const model = SimpleUnet.create({ channels: [8, 16, 32], activation: 'silu' }, 5);
  const params = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => lossByName('l2')(noise, model.forwardTrain(x, t).output, { huberDelta: 1 }), [...params.values()]);
  const gradients = Object.fromEntries([...params].map(([name, v]) => [name, Array.from(grads[v.name]!.dataSync())]));
  const loss0 = value.dataSync()[0]!;
  tf.dispose([value, ...Object.values(grads)]);
  const adam = new Adam(params, { lr: 1e-3 });
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) losses.push(await readScalar(trainStep(model, adam, x, t, noise, 'l2', { huberDelta: 1 })));
  // After a failed threaded start, no global Worker may be left behind.
  const worker = typeof (globalThis as { Worker?: unknown }).Worker;
  process.stdout.write(JSON.stringify({ detail: started.detail, threads: started.threads, loss0, losses, gradients, worker }) + '\n');
  // No process.exit: the test checks that the pthread workers let the process end by itself.
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
