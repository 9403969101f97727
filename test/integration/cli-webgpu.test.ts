// The CLI on the webgpu backend, as a person with a GPU uses it, on SwiftShader here: train
// and sample, auto passing the software adapter over, a run moving between webgpu and wasm
// through its checkpoint, and the errors a person sees when there is no adapter or too
// small a one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { RunStatus } from '../../src/shared/runDirectory';
import { cli as runCli, readJson, readMetrics, tempOut as makeTempOut, trainUntilStep } from '../helpers/cli';
import { softwareGpuEnv } from '../helpers/softwareGpu';

const GPU_ENV = { ...process.env, ...softwareGpuEnv() };
const TINY = ['--preset', 'small', '--channels', '8,16', '--img-size', '8', '--batch-size', '8', '--toy-cars-count', '40',
  '--held-out-count', '8', '--held-out-fraction', '0.25', '--timesteps', '20', '--sample-count', '4', '--eval-images', '8', '--eval-timesteps', '4', '--seed', '4'];

const cli = (args: string[], env: NodeJS.ProcessEnv = GPU_ENV) => runCli(args, env);
const tempOut = (t: { after: (fn: () => void) => void }) => makeTempOut(t, 'dl-webgpu-');
const stepLosses = (runDir: string): number[] => readMetrics(runDir).filter((m) => m.kind === 'step').map((m) => (m as { loss: number }).loss);

test('train --backend webgpu trains, samples and evaluates, and config.json names the software adapter', { timeout: 240_000 }, (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--backend', 'webgpu', '--max-steps', '4', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend webgpu \(SwiftShader driver [\d.]+ \(software adapter: slow, for tests only\)\)/);
  const runDir = r.stdout.trim();
  const { environment } = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  assert.equal(environment.backend, 'webgpu');
  assert.equal(environment.gpuAdapter?.architecture, 'swiftshader');
  assert.equal(environment.gpuAdapter?.software, true);
  assert.ok((environment.gpuAdapter?.maxStorageBufferBindingSize ?? 0) > 0);
  assert.match(environment.backendDetail ?? '', /^webgpu on SwiftShader/);
  assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).state, 'done');
  assert.ok(existsSync(path.join(runDir, 'samples', 'grid-final.png')));
  const evaluated = readMetrics(runDir).filter((m) => m.kind === 'eval').map((m) => (m as { metric: string }).metric);
  for (const metric of ['heldOutLoss', 'bitsPerDim', 'swd']) assert.ok(evaluated.includes(metric), `${metric} in ${evaluated.join(', ')}`);
  assert.equal(stepLosses(runDir).length, 4);
});

test('--backend auto passes SwiftShader over and trains on wasm', { timeout: 120_000 }, (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--backend', 'auto', '--max-steps', '1', '--eval-images', '0', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const { environment } = readJson<RunConfigFile>(path.join(r.stdout.trim(), 'config.json'));
  assert.equal(environment.backend, 'wasm');
  assert.match(environment.backendDetail ?? '', /skipped: .*backend 'webgpu' is unavailable: only a software adapter/);
});

/** Starts a 3-epoch run on `backend`, stops it with SIGINT after step 3; returns the run directory. */
async function interruptedRun(out: string, backend: string): Promise<string> {
  const r = await trainUntilStep(['train', ...TINY, '--epochs', '3', '--sample-every', '0', '--eval-images', '0', '--backend', backend], out, 3, GPU_ENV);
  assert.equal(r.code, 130, r.stderr);
  return r.stdout.trim();
}

for (const [from, to] of [['webgpu', 'wasm'], ['wasm', 'webgpu']] as const) {
  test(`a run trained on ${from} resumes on ${to} from its checkpoint, as if it had never stopped`, { timeout: 300_000 }, async (t) => {
    const out = tempOut(t);
    const uninterrupted = cli(['train', ...TINY, '--epochs', '3', '--sample-every', '0', '--eval-images', '0', '--backend', 'wasm', '--out', path.join(out, 'full')]);
    assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
    const runDir = await interruptedRun(path.join(out, 'split'), from);
    const stoppedAt = readJson<RunStatus>(path.join(runDir, 'status.json'));
    assert.equal(stoppedAt.state, 'cancelled');

    const resumed = cli(['resume', '--run', runDir, '--backend', to]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readJson<RunStatus>(path.join(runDir, 'status.json')).state, 'done');
    assert.equal(readJson<RunConfigFile>(path.join(runDir, 'config.json')).environment.backend, to);
    const expected = stepLosses(uninterrupted.stdout.trim());
    const actual = stepLosses(runDir);
    assert.equal(actual.length, expected.length, 'each step recorded once');
    actual.forEach((loss, i) => assert.ok(Math.abs(loss - expected[i]!) < 1e-4 * expected[i]!, `step ${i + 1}: ${loss} vs ${expected[i]} uninterrupted`));
    assert.ok(stoppedAt.step < expected.length, `stopped at step ${stoppedAt.step} of ${expected.length}`);
  });
}

test('--backend webgpu without an adapter exits 2 with one line naming what was tried, and writes no run', { timeout: 60_000 }, (t) => {
  const out = tempOut(t);
  const r = cli(['train', ...TINY, '--backend', 'webgpu', '--out', out], { ...GPU_ENV, VK_ICD_FILENAMES: path.join(out, 'no-such-driver.json') });
  assert.equal(r.code, 2, r.stderr);
  const ours = r.stderr.split('\n').filter((l) => l.startsWith('diffusion-lab'));
  assert.deepEqual(ours.length, 1, r.stderr);
  assert.match(ours[0]!, /^diffusion-lab train: backend 'webgpu' is unavailable: no Vulkan adapter: install the Vulkan loader/);
  assert.deepEqual(existsSync(path.join(out, 'runs')) ? readdirSync(path.join(out, 'runs')) : [], []);
});

test('a sweep naming webgpu where there is no adapter exits 2 before it writes anything', { timeout: 60_000 }, (t) => {
  const out = tempOut(t);
  const file = path.join(out, 'gpu.sweep.json');
  writeFileSync(file, JSON.stringify({ name: 'gpu', base: { preset: 'small', imgSize: 8, backend: 'webgpu', maxSteps: 2 }, axes: { timesteps: [20, 30] } }));
  const r = cli(['sweep', file, '--out', path.join(out, 'runs-here')], { ...GPU_ENV, VK_ICD_FILENAMES: path.join(out, 'no-such-driver.json') });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^diffusion-lab sweep: .*gpu\.sweep\.json: backend 'webgpu' is unavailable: no Vulkan adapter/m);
  assert.equal(existsSync(path.join(out, 'runs-here', 'sweeps')), false);
});

test('a batch whose largest tensor is over the adapter\'s binding limit is refused before any step, naming the limit', { timeout: 60_000 }, (t) => {
  const out = tempOut(t);
  // 512 images at 128 px through 64 -> 128 channels: 4 GiB in one activation, SwiftShader binds 1 GiB.
  const r = cli(['train', '--preset', 'small', '--channels', '64,128', '--img-size', '128', '--batch-size', '512', '--backend', 'webgpu', '--out', out]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /batch 512 at 128 px needs a \d+ MiB tensor, over this GPU's maxStorageBufferBindingSize of \d+ MiB/);
  const status = readJson<RunStatus>(path.join(r.stdout.trim(), 'status.json'));
  assert.equal(status.state, 'failed');
  assert.equal(status.step, 0);
});
