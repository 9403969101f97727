// The Get Started walkthrough (package.json contributes.walkthroughs): every step has its
// media file, and every button's command is contributed and registered by the extension
// (or is VS Code's own). test/vscode/vsix.test.ts clicks the buttons in code-server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: {
    commands: Array<{ command: string }>;
    walkthroughs: Array<{ id: string; steps: Array<{ id: string; title: string; description: string; media: { markdown?: string; image?: string } }> }>;
  };
};
const BUILT_IN = new Set(['vscode.openFolder']);

/** The extension's source, where each command id is registered (as a literal in a registerCommand call or an id table). */
const extensionSource = readdirSync(path.join(ROOT, 'src/extension'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(path.join(ROOT, 'src/extension', f), 'utf8'))
  .join('\n');

test('the walkthrough covers the study: folder and dataset, demo sweep, panel, note, notebook, GPU', () => {
  const [walkthrough] = manifest.contributes.walkthroughs;
  assert.ok(walkthrough);
  assert.deepEqual(walkthrough.steps.map((s) => s.id), ['workspace', 'runDemo', 'openPanel', 'writeNote', 'exportNotebook', 'gpu']);
});

test('each step has its media and each button a command that exists', () => {
  const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
  for (const step of manifest.contributes.walkthroughs.flatMap((w) => w.steps)) {
    const media = step.media.markdown ?? step.media.image;
    assert.ok(media && existsSync(path.join(ROOT, media)), `${step.id}: media ${media}`);
    const commands = [...step.description.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
    assert.ok(commands.length > 0, `${step.id} has a button`);
    for (const id of commands) {
      if (BUILT_IN.has(id)) continue;
      assert.ok(contributed.has(id), `${step.id}: ${id} is in contributes.commands`);
      assert.ok(extensionSource.includes(`'${id}'`), `${step.id}: ${id} is registered in src/extension`);
    }
  }
});
