// The packaged VSIX trains on WebGPU in code-server: with the user setting diffusion.backend
// set to webgpu, Create Sweep from Template writes the demo sweep with that backend; the
// file is cut down to a tiny run (8 px, widths 8 and 16, 6 steps: all SwiftShader can do in
// seconds) as a person would edit it, and Run Sweep trains it to done in the installed
// extension's trainer, on the dawn.node the VSIX carries. The run's config.json names the
// webgpu backend and the SwiftShader adapter.
//
// There is no GPU here: the server gets softwareGpuEnv() (Dawn on SwiftShader's Vulkan
// driver, from Debian's chromium package), which its extension host and the trainer inherit.
// Why a template and not Train Single Run or a hand-written sweep file: the setting applies
// to those two (src/extension/commands/trainingCommands.ts), a sweep file without a backend trains on auto
// (wasm here), and Train Single Run's smallest choice (16 px, batch 64, the small preset)
// takes minutes per step on SwiftShader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { RunConfigFile } from '../../src/shared/runConfig';
import type { RunStatus } from '../../src/shared/runDirectory';
import { softwareGpuEnv } from '../helpers/softwareGpu';
import { openWorkbench, SCREENSHOTS, screenshotter, type CodeServer } from './codeServer';
import { packagedVsix } from './packagedVsix';
import { clickPick, runCommand, waitForRows, until } from './workbench';

/** The CLI's tiny webgpu run (about 20 s on SwiftShader): toy cars, 8 px, widths 8,16, 6 steps, T 20. */
const TINY_WEBGPU_BASE = {
  preset: 'small', channels: [8, 16], dataset: 'toy-cars', toyCarsCount: 64, imgSize: 8, batchSize: 8, epochs: 1, maxSteps: 6,
  sampleEvery: 0, sampleCount: 4, evalImages: 8, evalTimesteps: 4,
};


function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined; // not there yet, or being replaced
  }
}

/** Pids of the processes in the server's process group running `script`. */
function processesRunning(serverPgid: number, script: string): number[] {
  return execFileSync('ps', ['-eo', 'pgid=,pid=,args='], { encoding: 'utf8' }).split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([pgid, , ...args]) => Number(pgid) === serverPgid && args.join(' ').includes(script))
    .map(([, pid]) => Number(pid));
}

/** The files a process has mapped (its shared libraries and .node addons). */
function mappedFiles(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/).slice(5).join(' ')).filter((f) => f.startsWith('/'));
  } catch {
    return []; // it has exited
  }
}

test('the packaged VSIX trains a tiny run on webgpu (SwiftShader) in code-server with diffusion.backend set to webgpu', { timeout: 8 * 60_000 }, async (t) => {
  assert.equal(`${process.platform}-${process.arch}`, 'linux-x64', 'this test installs the linux-x64 VSIX');
  const started = Date.now();
  const gpuEnv = softwareGpuEnv();
  const vsix = packagedVsix();
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-vsix-webgpu-'));
  const { server, page } = await openWorkbench(t, workspace, { 'diffusion.backend': 'webgpu' }, { installVsix: vsix, env: gpuEnv });
  const installed = readdirSync(path.join(server.runDir, 'ext')).filter((d) => d.startsWith('diffusion-lab.diffusion-lab-'));
  assert.equal(installed.length, 1, `one installed copy of the extension: ${readdirSync(path.join(server.runDir, 'ext')).join(', ')}`);
  const extensionDir = path.join(server.runDir, 'ext', installed[0]!);
  // The VSIX carries webgpu with this platform's dawn.node and no other platform's.
  assert.deepEqual(readdirSync(path.join(extensionDir, 'node_modules/webgpu/dist')), ['linux-x64']);
  const shot = screenshotter(page, 'vsix-webgpu-');
  try {
    await scenario(page, workspace, server, extensionDir);
    await page.locator('.part.sidebar').screenshot({ path: path.join(SCREENSHOTS, 'vsix-webgpu-tree.png') });
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
  console.log(`  VSIX webgpu test: ${((Date.now() - started) / 1000).toFixed(0)} s`);
});

async function scenario(page: Page, workspace: string, server: CodeServer, extensionDir: string): Promise<void> {
  await page.goto(server.url());
  const container = page.locator('.activitybar .action-item a[aria-label^="Diffusion Lab"]');
  await container.waitFor({ timeout: 90_000 });

  // Create Sweep from Template: the demo template, with the setting's backend filled in.
  await runCommand(page, 'Diffusion: Create Sweep from Template');
  await clickPick(page, 'demo');
  const sweepFile = path.join(workspace, 'demo.sweep.json');
  type SweepSpec = { name: string; base: Record<string, unknown>; axes: Record<string, unknown[]>; maxParallelRuns?: number };
  const written = await until('demo.sweep.json written from the template', () => readJson<SweepSpec>(sweepFile), 30_000, page);
  assert.equal(written.base.backend, 'webgpu', `the template took diffusion.backend: ${JSON.stringify(written.base)}`);
  await page.locator('.tabs-container .tab.active', { hasText: 'demo.sweep.json' }).waitFor({ timeout: 30_000 });

  // Cut down to one tiny run, keeping the backend the template wrote (the editor reloads the file from disk).
  const tiny: SweepSpec = { name: written.name, base: { ...TINY_WEBGPU_BASE, backend: written.base.backend }, axes: { timesteps: [20] } };
  writeFileSync(sweepFile, JSON.stringify(tiny, null, 2) + '\n');
  await page.locator('.editor-instance .monaco-editor', { hasText: '"maxSteps": 6' }).first().waitFor({ timeout: 30_000 });

  // Run Sweep on the active editor's sweep file.
  await runCommand(page, 'Diffusion: Run Sweep');
  await container.click();
  const trainerScript = path.join(extensionDir, 'dist', 'trainer.js');
  const dawnNode = path.join(extensionDir, 'node_modules/webgpu/dist/linux-x64/dawn.node');
  let loadedDawn = false;
  let sawTrainer = false;
  const runsDir = path.join(workspace, '.diffusion', 'runs');
  const runDir = await until('the run done on disk', () => {
    // While it trains: the trainer is the installed extension's and has its dawn.node loaded.
    for (const pid of processesRunning(server.pid, trainerScript)) {
      sawTrainer = true;
      loadedDawn ||= mappedFiles(pid).includes(dawnNode);
    }
    // Dot-files beside the run directories are the sweeps' run locks (runs/.<id>.lock).
    const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((d) => !d.startsWith('.')) : [];
    if (runs.length > 1) throw new Error(`one run expected: ${runs.join(', ')}`);
    const dir = runs[0] && path.join(runsDir, runs[0]);
    const status = dir ? readJson<RunStatus>(path.join(dir, 'status.json')) : undefined;
    if (status && (status.state === 'failed' || status.state === 'cancelled')) {
      throw new Error(`the run ${status.state}${status.error ? `: ${status.error.message}` : ''}`);
    }
    return status?.state === 'done' && dir;
  }, 5 * 60_000, page);
  await waitForRows(page, 'the demo sweep done in the tree', (rows) => rows.some((r) => /^demo 1 runs · 1 done$/.test(r)), 60_000);
  assert.ok(sawTrainer, `a trainer ran from the installed extension (${trainerScript})`);
  assert.ok(loadedDawn, `the trainer loaded the VSIX's ${dawnNode}`);

  const file = readJson<RunConfigFile>(path.join(runDir, 'config.json'));
  assert.ok(file, 'config.json');
  const env = file.environment;
  assert.equal(file.config.backend, 'webgpu');
  assert.equal(env.backend, 'webgpu', JSON.stringify(env));
  assert.ok(env.gpuAdapter, `config.json records the adapter: ${JSON.stringify(env)}`);
  assert.equal(env.gpuAdapter.software, true);
  assert.match(`${env.gpuAdapter.description} ${env.gpuAdapter.architecture}`, /swiftshader/i);
  assert.match(env.gpu ?? '', /swiftshader/i);
  assert.match(env.backendDetail ?? '', /Dawn linux-x64/);
  const steps = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"kind":"step"'));
  assert.equal(steps.length, 6, 'six training steps');
}
