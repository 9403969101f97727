// npm run package [-- --target TARGET] [--out FILE.vsix]
//
// Builds the VSIX for one platform with @vscode/vsce 3 (the last line that runs on Node 20).
// The extension ships sharp, which is native: a VSIX carries the sharp binary and libvips
// of one platform, so each platform gets its own VSIX (vsce --target). The checkout's
// node_modules hold only this machine's sharp, so the package is assembled in a staging
// folder, out/vsix/<target>/:
//   dist/          minified bundles (esbuild.mjs --production) and tfjs's wasm binaries
//   node_modules/  sharp for the target, installed there with npm --os/--cpu/--libc, and
//                  webgpu (Dawn's Node bindings, loaded at run time, not bundled) with the
//                  prebuilt dawn.node of the target only; targets Dawn has no build for
//                  (linux-armhf, alpine-*) ship without it and train on wasm
//   package.json   the manifest without scripts and dev or optional dependencies
//   + README, CHANGELOG, LICENSE, media, docs images, schemas, sweep templates
// and .vscodeignore (a whitelist) decides what vsce takes from it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_BYTES = 60 * 1024 * 1024;

/**
 * vsce target -> what npm needs to pick sharp's prebuilt packages for it, and `dawn`: the
 * folder of webgpu's dist/ that holds the target's dawn.node (one universal build for macOS;
 * Windows' folder also has the d3dcompiler and dxcompiler dlls dawn.node loads). webgpu's
 * index.js picks the folder the same way (src/trainer/backend/webgpuBackend.ts DAWN_PLATFORMS).
 */
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc', dawn: 'linux-x64' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc', dawn: 'linux-arm64' },
  'linux-armhf': { os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64', dawn: 'darwin-universal' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64', dawn: 'darwin-universal' },
  'win32-x64': { os: 'win32', cpu: 'x64', dawn: 'win32-x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64', dawn: 'win32-arm64' },
};

function hostTarget() {
  const musl = process.platform === 'linux' && !process.report.getReport().header.glibcVersionRuntime;
  const os = musl ? 'alpine' : process.platform;
  return `${os}-${process.arch === 'arm' ? 'armhf' : process.arch}`;
}

const { values: args } = parseArgs({ options: { target: { type: 'string', default: hostTarget() }, out: { type: 'string' } } });
const target = args.target;
const platform = TARGETS[target];
if (!platform) {
  console.error(`unknown target ${target}; one of: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}

function run(command, argv, cwd) {
  console.log(`$ ${[command, ...argv].join(' ')}${cwd === ROOT ? '' : `   (in ${path.relative(ROOT, cwd)})`}`);
  const r = spawnSync(command, argv, { cwd, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`failed: ${command} ${argv.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
// The sharp and webgpu this checkout was tested with, from its node_modules.
const installedVersion = (name) => JSON.parse(readFileSync(createRequire(path.join(ROOT, 'package.json')).resolve(`${name}/package.json`), 'utf8')).version;
const sharpVersion = installedVersion('sharp');
const webgpuVersion = platform.dawn ? installedVersion('webgpu') : undefined;
const stage = path.join(ROOT, 'out', 'vsix', target);
const out = path.resolve(args.out ?? path.join(ROOT, `${manifest.name}-${manifest.version}-${target}.vsix`));
const started = Date.now();

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

run(process.execPath, ['esbuild.mjs', '--production', `--outdir=${path.join(stage, 'dist')}`], ROOT);

const staged = {
  ...manifest,
  dependencies: { sharp: sharpVersion, ...(webgpuVersion ? { webgpu: webgpuVersion } : {}) },
  scripts: undefined,
  devDependencies: undefined,
  // tfjs-node-gpu is installed by Diffusion: Install GPU Backend, never shipped.
  optionalDependencies: undefined,
  bin: undefined,
  private: undefined,
};
writeFileSync(path.join(stage, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore']) copyFileSync(path.join(ROOT, file), path.join(stage, file));
for (const dir of ['media', 'docs', 'schemas', 'sweeps']) {
  if (existsSync(path.join(ROOT, dir))) cpSync(path.join(ROOT, dir), path.join(stage, dir), { recursive: true });
}

// sharp and the prebuilt @img/sharp-<platform> + libvips packages for the target, not this
// machine, and webgpu. --ignore-scripts: sharp's install script only checks the binary of the
// host, webgpu's only clears macOS's quarantine flag on an install from npm.
run('npm', ['install', '--no-save', '--no-package-lock', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline',
  `--os=${platform.os}`, `--cpu=${platform.cpu}`, ...(platform.libc ? [`--libc=${platform.libc}`] : [])], stage);

// webgpu's npm package carries dawn.node for every platform (about 130 MB): keep the target's.
// .vscodeignore then takes index.js, package.json, the license and that one folder.
if (platform.dawn) {
  const dawnDist = path.join(stage, 'node_modules', 'webgpu', 'dist');
  for (const dir of readdirSync(dawnDist)) if (dir !== platform.dawn) rmSync(path.join(dawnDist, dir), { recursive: true, force: true });
  if (!existsSync(path.join(dawnDist, platform.dawn, 'dawn.node'))) {
    console.error(`webgpu ${webgpuVersion} has no dist/${platform.dawn}/dawn.node for ${target}`);
    process.exit(1);
  }
}

const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

// What .vscodeignore lets in of webgpu: its entry, manifest and license and the target's
// dawn.node, or nothing at all for a target without one.
const listed = spawnSync(process.execPath, [vsce, 'ls'], { cwd: stage, encoding: 'utf8' });
if (listed.status !== 0) {
  console.error(`vsce ls failed (exit ${listed.status ?? listed.signal}):\n${listed.stderr}`);
  process.exit(1);
}
const webgpuFiles = listed.stdout.split(/\r?\n/).map((f) => f.replaceAll('\\', '/')).filter((f) => f.startsWith('node_modules/webgpu/'));
const missing = platform.dawn
  ? ['index.js', 'package.json', `dist/${platform.dawn}/dawn.node`].filter((f) => !webgpuFiles.includes(`node_modules/webgpu/${f}`))
  : [];
const stray = webgpuFiles.filter((f) => !platform.dawn || !/^node_modules\/webgpu\/(index\.js|package\.json|LICENSE[^/]*|dist\/[^/]+\/[^/]+)$/.test(f) ||
  (f.includes('/dist/') && !f.startsWith(`node_modules/webgpu/dist/${platform.dawn}/`)));
if (missing.length > 0 || stray.length > 0) {
  console.error(`webgpu in the ${target} VSIX: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && stray.length ? '; ' : ''}${stray.length ? `not wanted ${stray.join(', ')}` : ''} (see .vscodeignore)`);
  process.exit(1);
}
console.log(platform.dawn ? `webgpu ${webgpuVersion}: ${webgpuFiles.map((f) => f.slice('node_modules/webgpu/'.length)).join(', ')}` : `webgpu: none (Dawn has no prebuilt dawn.node for ${target})`);

// --no-rewrite-relative-links: the README's images are in the VSIX (docs/), and there is no repository URL to point them to.
run(process.execPath, [vsce, 'package', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], stage);

const bytes = statSync(out).size;
console.log(`${path.relative(process.cwd(), out)}: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${target}, built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (bytes > MAX_BYTES) {
  console.error(`the VSIX is over ${MAX_BYTES / 1024 / 1024} MB`);
  process.exit(1);
}
