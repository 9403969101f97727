// Runs test/vscode/suite (mocha) inside code-server's extension host, with this checkout
// as the extension under development, and reports its result here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import { openWorkbench, ROOT } from './codeServer';
import { makeWorkspace } from './workspace';

test('extension-host tests pass in code-server', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const outdir = path.join(ROOT, '.vscode-test/build/suite');
  await esbuild.build({
    entryPoints: { index: path.join(ROOT, 'test/vscode/suite/index.ts') }, outdir, bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning',
  });
  const workspace = makeWorkspace();
  const { server, page } = await openWorkbench(t, workspace);
  const log: string[] = [];
  const exitCode = new Promise<number>((resolve) => {
    void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
  });
  // The host forwards console calls as (type, [format, ...args]).
  await page.exposeFunction('codeAutomationLog', (_type: string, args: unknown[]) => {
    const line = format(...(args as [unknown, ...unknown[]]));
    log.push(line);
    process.stdout.write(`  [ext host] ${line}\n`);
  });
  await page.goto(server.url([
    ['extensionDevelopmentPath', server.remote(ROOT)],
    ['extensionTestsPath', server.remote(path.join(outdir, 'index'))],
  ]));
  const code = await exitCode;
  assert.equal(code, 0, `extension-host tests failed:\n${log.join('\n')}`);
});
