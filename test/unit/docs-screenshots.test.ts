// The README's pictures are the screenshot script's output: each image it shows is one the
// script writes, and docs/ holds no picture the script does not make (so none is copied by hand).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DOCS_SCREENSHOTS } from '../vscode/docs-screenshots';

const ROOT = path.resolve(__dirname, '../..');
const shown = (file: string) => [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/\(docs\/([\w.-]+\.png)\)/g)].map((m) => m[1]!);
const written = DOCS_SCREENSHOTS.map((s) => s.file);

test('every docs/*.png the README shows is written by npm run docs:screenshots', { timeout: 10_000 }, () => {
  const inReadme = shown('README.md');
  assert.ok(inReadme.length >= 4, `the README shows ${inReadme.length} pictures`);
  for (const f of inReadme) assert.ok(written.includes(f), `README.md shows docs/${f}, which test/vscode/docs-screenshots.ts does not write`);
});

test('docs/ holds exactly the screenshots the script writes, and the README shows each', { timeout: 10_000 }, () => {
  const inDocs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.png')).sort();
  assert.deepEqual(inDocs, [...written].sort());
  for (const f of written) {
    assert.ok(existsSync(path.join(ROOT, 'docs', f)), `docs/${f} is missing: npm run docs:screenshots`);
    assert.ok(shown('README.md').includes(f), `docs/${f} is written but the README does not show it`);
  }
});
