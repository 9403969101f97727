// The rooms and their arrows (docs/architecture.md), as `npm run depcheck` checks them with
// dependency-cruiser and .dependency-cruiser.cjs: the real tree keeps them, and a tree that
// breaks each rule once fails, naming the file and the import. The broken tree is a copy of
// the rooms in a temporary directory, never files planted in src/ or webview/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const TIMEOUT = 60_000;

test('the real tree keeps the rooms apart (npm run depcheck)', { timeout: TIMEOUT }, () => {
  const run = spawnSync('npm', ['run', '--silent', 'depcheck'], { cwd: ROOT, encoding: 'utf8', timeout: TIMEOUT });
  assert.equal(run.status, 0, `npm run depcheck failed:\n${run.stdout}${run.stderr}`);
  assert.match(run.stdout, /no dependency violations found/);
});

/** A file of the broken tree, and the violation it plants: what the check must print. */
interface Plant {
  file: string;
  source: string;
  rule?: string;
  /** The import as the report names it (the resolved file, or the module; empty for a cycle). */
  to?: string;
  /** For a rule on what is reachable, or a cycle: the modules the report lists after the first line. */
  via?: string[];
}

const PLANTS: Plant[] = [
  // What is allowed, so the check must be quiet about it.
  { file: 'src/shared/runConfig.ts', source: `export const DEFAULT_T = 300;\n` },
  { file: 'src/shared/format.ts', source: `import { DEFAULT_T } from './runConfig';\nexport const label = () => \`T=\${DEFAULT_T}\`;\n` },
  { file: 'src/extension/extension.ts', source: `import type * as vscode from 'vscode';\nimport { DEFAULT_T } from '../shared/runConfig';\nexport const activate = (_: vscode.ExtensionContext) => DEFAULT_T;\n` },
  { file: 'src/trainer/train.ts', source: `import * as tf from '@tensorflow/tfjs-core';\nimport { readFileSync } from 'node:fs';\nimport { DEFAULT_T } from '../shared/runConfig';\nexport const t = () => tf.scalar(DEFAULT_T + readFileSync.length);\n` },
  { file: 'webview/main.ts', source: `import { label } from '../src/shared/format';\nexport const title = label();\n` },
  // One break of each rule.
  { file: 'src/extension/panel/notesFile.ts', source: `import { writeAtomic } from '../../trainer/run/atomicFile';\nexport const save = writeAtomic;\n`, rule: 'extension-not-to-trainer', to: 'src/trainer/run/atomicFile.ts' },
  { file: 'src/trainer/run/atomicFile.ts', source: `export const writeAtomic = () => undefined;\n` },
  { file: 'src/trainer/progress.ts', source: `import type { Session } from '../extension/session';\nexport type S = Session;\n`, rule: 'trainer-not-to-extension', to: 'src/extension/session.ts' },
  { file: 'src/extension/session.ts', source: `export interface Session { id: string }\n` },
  { file: 'src/shared/uri.ts', source: `import type { Uri } from 'vscode';\nexport type RunUri = Uri;\n`, rule: 'vscode-only-in-extension', to: 'node_modules/@types/vscode/index.d.ts' },
  { file: 'src/shared/measures.ts', source: `import { t } from '../trainer/train';\nexport const m = t;\n`, rule: 'shared-imports-no-room', to: 'src/trainer/train.ts' },
  { file: 'src/extension/preview.ts', source: `import * as tf from '@tensorflow/tfjs-core';\nexport const zero = tf.zeros;\n`, rule: 'tfjs-only-in-trainer', to: 'node_modules/@tensorflow/tfjs-core/index.js' },
  { file: 'src/shared/notesDisk.ts', source: `import { readFileSync } from 'node:fs';\nexport const readNotes = (f: string) => readFileSync(f, 'utf8');\n` },
  { file: 'webview/notes.ts', source: `import { readNotes } from '../src/shared/notesDisk';\nexport const read = readNotes;\n`, rule: 'no-node-in-webview', to: 'fs', via: ['src/shared/notesDisk.ts →', 'fs'] },
  { file: 'webview/save.ts', source: `import { writeAtomic } from '../src/trainer/run/atomicFile';\nexport const save = writeAtomic;\n`, rule: 'webview-only-to-shared', to: 'src/trainer/run/atomicFile.ts' },
  { file: 'src/extension/bundle.ts', source: `import { title } from '../../webview/main';\nexport const t = title;\n`, rule: 'src-not-to-webview', to: 'webview/main.ts' },
  { file: 'src/trainer/cycleA.ts', source: `import { b } from './cycleB';\nexport const a = () => b;\n`, rule: 'no-circular', to: '', via: ['src/trainer/cycleB.ts →', 'src/trainer/cycleA.ts'] },
  { file: 'src/trainer/cycleB.ts', source: `import { a } from './cycleA';\nexport const b = () => a;\n` },
  // An import the check cannot resolve is one it cannot check.
  { file: 'src/trainer/data/load.ts', source: `import { cache } from './imageCache';\nexport const load = cache;\n`, rule: 'resolvable', to: './imageCache' },
];

/** The first line the err report gives a violation. */
const headline = (p: Plant) => `error ${p.rule}: ${p.file} → ${p.to}`.trim();

function plantTree(dir: string): void {
  const files: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ES2022', moduleResolution: 'Bundler', strict: true }, include: ['src', 'webview'] }),
    'node_modules/@types/vscode/package.json': JSON.stringify({ name: '@types/vscode', types: 'index.d.ts' }),
    'node_modules/@types/vscode/index.d.ts': `declare module 'vscode' { export interface Uri { path: string } export interface ExtensionContext { extensionUri: Uri } }\n`,
    'node_modules/@tensorflow/tfjs-core/package.json': JSON.stringify({ name: '@tensorflow/tfjs-core', main: 'index.js' }),
    'node_modules/@tensorflow/tfjs-core/index.js': `exports.scalar = exports.zeros = () => 0;\n`,
  };
  for (const p of PLANTS) files[p.file] = p.source;
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
}

test('a tree that breaks each rule fails, naming each file and its import', { timeout: TIMEOUT }, (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-rooms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  plantTree(dir);

  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', 'webview', '--config', CONFIG], { cwd: dir, encoding: 'utf8', timeout: TIMEOUT });
  const report = run.stdout + run.stderr;
  assert.notEqual(run.status, 0, `the check passed a broken tree:\n${report}`);

  // The err report: per violation a line `error <rule>: <file> → <import>`, then the modules on the way, indented.
  const violations = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of report.split('\n')) {
    if (/^\s*error /.test(line)) violations.set(line.trim(), (current = []));
    else if (/^\s{4,}\S/.test(line)) current.push(line.trim());
    else current = [];
  }
  const broken = PLANTS.filter((p) => p.rule);
  for (const p of broken) {
    assert.deepEqual(violations.get(headline(p)), p.via ?? [], `the report names ${headline(p)} ${(p.via ?? []).join(' ')}:\n${report}`);
  }
  // Nothing else: the allowed imports above (extension -> shared and vscode, trainer -> tfjs and node:fs, webview -> shared) pass.
  assert.deepEqual([...violations.keys()].sort(), broken.map(headline).sort(), report);
});
