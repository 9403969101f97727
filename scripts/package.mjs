// npm run package [-- --target TARGET] [--out FILE.vsix]
//
// Builds the VSIX for one platform with @vscode/vsce 3 (the last line that runs on Node 20).
// The extension ships sharp, which is native: a VSIX carries the sharp binary and libvips
// of one platform, so each platform gets its own VSIX (vsce --target). The checkout's
// node_modules hold only this machine's sharp, so the package is assembled in a staging
// folder, out/vsix/<target>/:
//   dist/          minified bundles (esbuild.mjs --production) and tfjs's wasm binaries
//   node_modules/  sharp for the target, installed there with npm --os/--cpu/--libc
//   package.json   the manifest without scripts and dev or optional dependencies
//   + README, CHANGELOG, LICENSE, media, docs images, schemas, sweep templates
// and .vscodeignore (a whitelist) decides what vsce takes from it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '..');
const MAX_BYTES = 60 * 1024 * 1024;

/** vsce target -> what npm needs to pick sharp's prebuilt packages for it. */
const TARGETS = {
  'linux-x64': { os: 'linux', cpu: 'x64', libc: 'glibc' },
  'linux-arm64': { os: 'linux', cpu: 'arm64', libc: 'glibc' },
  'linux-armhf': { os: 'linux', cpu: 'arm', libc: 'glibc' },
  'alpine-x64': { os: 'linux', cpu: 'x64', libc: 'musl' },
  'alpine-arm64': { os: 'linux', cpu: 'arm64', libc: 'musl' },
  'darwin-x64': { os: 'darwin', cpu: 'x64' },
  'darwin-arm64': { os: 'darwin', cpu: 'arm64' },
  'win32-x64': { os: 'win32', cpu: 'x64' },
  'win32-arm64': { os: 'win32', cpu: 'arm64' },
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
// The sharp this checkout was tested with, from its node_modules.
const sharpVersion = JSON.parse(readFileSync(createRequire(path.join(ROOT, 'package.json')).resolve('sharp/package.json'), 'utf8')).version;
const stage = path.join(ROOT, 'out', 'vsix', target);
const out = path.resolve(args.out ?? path.join(ROOT, `${manifest.name}-${manifest.version}-${target}.vsix`));
const started = Date.now();

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });

run(process.execPath, ['esbuild.mjs', '--production', `--outdir=${path.join(stage, 'dist')}`], ROOT);

const staged = {
  ...manifest,
  dependencies: { sharp: sharpVersion },
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
// machine. --ignore-scripts: sharp's install script only checks the binary of the host.
run('npm', ['install', '--no-save', '--no-package-lock', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline',
  `--os=${platform.os}`, `--cpu=${platform.cpu}`, ...(platform.libc ? [`--libc=${platform.libc}`] : [])], stage);

const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
// --no-rewrite-relative-links: the README's images are in the VSIX (docs/), and there is no repository URL to point them to.
run(process.execPath, [vsce, 'package', '--target', target, '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out], stage);

const bytes = statSync(out).size;
console.log(`${path.relative(process.cwd(), out)}: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${target}, built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
if (bytes > MAX_BYTES) {
  console.error(`the VSIX is over ${MAX_BYTES / 1024 / 1024} MB`);
  process.exit(1);
}
