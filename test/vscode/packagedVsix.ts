// The VSIX `npm run package` makes, for the tests that install it. Built once per state of
// its inputs (a hash of every file that goes into it) and kept in .vscode-test/vsix, so a
// test run after an unrelated change does not repackage (a build takes about a minute).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './codeServer';

const INPUT_FILES = ['package.json', 'package-lock.json', '.vscodeignore', 'esbuild.mjs', 'scripts/package.mjs', 'README.md', 'CHANGELOG.md', 'LICENSE'];
const INPUT_DIRS = ['src', 'webview', 'media', 'docs', 'schemas', 'sweeps'];

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of [...INPUT_FILES.map((f) => path.join(ROOT, f)), ...INPUT_DIRS.flatMap((d) => filesUnder(path.join(ROOT, d)))]) {
    if (!existsSync(file)) continue;
    hash.update(path.relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Path of a VSIX built from the checkout as it is now (linux-x64, this machine's platform). */
export function packagedVsix(): string {
  const dir = path.join(ROOT, '.vscode-test', 'vsix');
  const file = path.join(dir, `diffusion-lab-${inputsHash()}.vsix`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) rmSync(path.join(dir, old), { force: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/package.mjs'), '--out', file], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(file)) throw new Error(`npm run package failed (${r.status ?? r.signal}):\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  console.log(`  packaged ${path.relative(ROOT, file)} (${(statSync(file).size / 1024 / 1024).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return file;
}
