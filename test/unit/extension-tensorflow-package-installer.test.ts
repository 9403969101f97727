// Install GPU Backend's npm side (src/extension/tensorflowPackageInstaller.ts), for real: npm
// installs a stand-in @tensorflow/tfjs-node-gpu from a tarball into a directory, and the
// built trainer (dist/cli.js env --json), given that directory as DIFFUSION_LAB_BACKEND_DIR,
// loads it and reports a GPU. And the real @tensorflow/tfjs-node-gpu@4.22.0 from the
// registry, where its install script cannot download libtensorflow (no network to
// storage.googleapis.com): the failure is named as a download failure and what was
// installed before stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { choosePackage, classifyFailure, findNpmCli, installNativeBackend, type InstallRequest } from '../../src/extension/tensorflowPackageInstaller';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const scratch = mkdtempSync(path.join(tmpdir(), 'dl-backend-install-'));
test.after(() => rmSync(scratch, { recursive: true, force: true }));

const npmCli = findNpmCli(process.execPath);

function request(dir: string, extra: Partial<InstallRequest>): InstallRequest {
  return { dir, pkg: '@tensorflow/tfjs-node-gpu', npmCli: npmCli!, nodePath: process.execPath, ...extra };
}

/** A stand-in for tfjs-node-gpu: registers 'tensorflow' (a cpu backend underneath) that says it uses a GPU, packed as npm would download it. */
function standInTarball(version: string): string {
  const here = createRequire(__filename);
  const dir = path.join(scratch, `stand-in-${version}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version, main: 'index.js' }));
  writeFileSync(path.join(dir, 'index.js'), `
const tf = require(${JSON.stringify(here.resolve('@tensorflow/tfjs-core'))});
const { MathBackendCPU } = require(${JSON.stringify(here.resolve('@tensorflow/tfjs-backend-cpu'))});
tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), { isUsingGpuDevice: true }), 3);
`);
  const file = execFileSync(process.execPath, [npmCli!, 'pack', '--silent', '--pack-destination', scratch], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop()!;
  return path.join(scratch, file);
}

function trainerProbe(backendDir: string): { name: string; loads: boolean; gpu?: string; detail?: string; reason?: string } {
  const out = execFileSync(process.execPath, [CLI, 'env', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DIFFUSION_LAB_BACKEND_DIR: backendDir } });
  return (JSON.parse(out) as Array<{ name: string; loads: boolean }>).find((p) => p.name === '@tensorflow/tfjs-node-gpu')!;
}

test('the package: tfjs-node-gpu on Linux x64 with an NVIDIA GPU, tfjs-node otherwise', () => {
  assert.equal(choosePackage({ platform: 'linux', arch: 'x64', nvidiaGpus: ['NVIDIA A100'] }).pkg, '@tensorflow/tfjs-node-gpu');
  assert.match(choosePackage({ platform: 'linux', arch: 'x64', nvidiaGpus: ['NVIDIA A100'] }).why, /CUDA 11\.2 and cuDNN 8\.1/);
  assert.equal(choosePackage({ platform: 'linux', arch: 'x64', nvidiaGpus: [] }).pkg, '@tensorflow/tfjs-node');
  const mac = choosePackage({ platform: 'darwin', arch: 'arm64', nvidiaGpus: [] });
  assert.equal(mac.pkg, '@tensorflow/tfjs-node');
  assert.match(mac.why, /Linux x64 only, not darwin arm64/);
});

test('failures are told apart from the log: libtensorflow download, registry, platform, other', () => {
  const script = 'https://storage.googleapis.com/tensorflow/libtensorflow/libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz\nError: getaddrinfo ENOTFOUND storage.googleapis.com\nnpm error command sh -c node scripts/install.js gpu download';
  const download = classifyFailure(script, '@tensorflow/tfjs-node-gpu');
  assert.equal(download.problem, 'download');
  assert.match(download.message, /could not download libtensorflow \(https:\/\/storage\.googleapis\.com\/.+\.tar\.gz\)/);
  const registry = classifyFailure('npm error code ENOTFOUND\nnpm error request to https://registry.npmjs.org/@tensorflow%2ftfjs-node failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org', '@tensorflow/tfjs-node');
  assert.equal(registry.problem, 'download');
  assert.match(registry.message, /could not reach the package registry/);
  assert.equal(classifyFailure('npm error code EBADPLATFORM\nnpm error notsup Unsupported platform', '@tensorflow/tfjs-node-gpu').problem, 'platform');
  const other = classifyFailure('npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/nope', '@tensorflow/tfjs-node');
  assert.equal(other.problem, 'npm');
  assert.match(other.message, /E404/);
});

test('a stand-in tfjs-node-gpu installed with npm is what the trainer loads from DIFFUSION_LAB_BACKEND_DIR; a failed install keeps it', { timeout: 120_000 }, async () => {
  assert.ok(npmCli, 'npm-cli.js beside this Node or on PATH');
  assert.ok(existsSync(CLI), 'dist/cli.js missing: npm run build');
  const dir = path.join(scratch, 'storage', 'backend');
  const lines: string[] = [];
  const first = await installNativeBackend(request(dir, { spec: standInTarball('4.22.0'), onLine: (l) => lines.push(l) }));
  assert.deepEqual(first, { ok: true, dir, pkg: '@tensorflow/tfjs-node-gpu', version: '4.22.0' });
  assert.match(lines[0]!, /^\$ npm install .*--foreground-scripts/);
  assert.ok(!existsSync(`${dir}.installing`), 'no staging directory left');

  const probe = trainerProbe(dir);
  assert.equal(probe.loads, true, probe.reason);
  assert.ok(probe.gpu, 'the trainer reports a GPU');
  assert.ok(probe.detail?.includes(dir), `resolved from the backend directory: ${probe.detail}`);
  // Without the variable the trainer has no tfjs-node-gpu (it is not in this checkout's node_modules).
  const without = JSON.parse(execFileSync(process.execPath, [CLI, 'env', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DIFFUSION_LAB_BACKEND_DIR: '' } })) as Array<{ name: string; loads: boolean }>;
  assert.equal(without.find((p) => p.name === '@tensorflow/tfjs-node-gpu')!.loads, false);

  const failed = await installNativeBackend(request(dir, { spec: path.join(scratch, 'no-such-package.tgz') }));
  assert.equal(failed.ok, false);
  assert.equal(JSON.parse(readFileSync(path.join(dir, 'node_modules/@tensorflow/tfjs-node-gpu/package.json'), 'utf8')).version, '4.22.0', 'the earlier install stays');
  assert.equal(trainerProbe(dir).loads, true);

  const upgraded = await installNativeBackend(request(dir, { spec: standInTarball('4.22.1') }));
  assert.ok(upgraded.ok && upgraded.version === '4.22.1');
  assert.ok(!existsSync(`${dir}.previous`));
});

test('the real tfjs-node-gpu where libtensorflow cannot be downloaded: a download failure, the directory untouched', { timeout: 600_000 }, async (t) => {
  const reachable = await lookup('storage.googleapis.com').then(() => true, () => false);
  if (reachable) {
    t.skip('storage.googleapis.com resolves here: the install would download libtensorflow (hundreds of MB)');
    return;
  }
  const dir = path.join(scratch, 'real', 'backend');
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  writeFileSync(path.join(dir, 'marker'), 'installed before');
  const lines: string[] = [];
  const started = Date.now();
  const result = await installNativeBackend(request(dir, { onLine: (l) => lines.push(l) }));
  console.log(`  npm install @tensorflow/tfjs-node-gpu@4.22.0 failed as expected in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.problem, 'download', `${result.message}\n${lines.slice(-20).join('\n')}`);
  assert.match(result.message, /^@tensorflow\/tfjs-node-gpu installed from npm, but its install script could not download libtensorflow \(https:\/\/storage\.googleapis\.com\/\S+\)/);
  assert.ok(lines.some((l) => /Downloading libtensorflow/.test(l)), 'the install script\'s own output is in the log');
  assert.equal(readFileSync(path.join(dir, 'marker'), 'utf8'), 'installed before');
  assert.ok(!existsSync(`${dir}.installing`));
});
