// The extension host killed (SIGKILL) while its trainer trains a sweep, in code-server: the
// trainer notices its IPC channel close, checkpoints and ends the run cancelled, so nothing is
// left `running`; every JSON file parses and metrics.jsonl has at most a torn last line. Run
// Sweep again in the restarted extension host then finishes every run, and each step's loss is
// in the curve once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunStatus } from '../../src/shared/runDirectory';
import { parseMetricsJsonl } from '../../src/shared/runReading/metricsLines';
import { measureRun } from '../../src/shared/runReading/runMeasures';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { makeWorkspace, sweepFile } from './workspace';
import { clickPick, openDiffusionLabView, runCommand, treeRows, until, waitForRows } from './workbench';

const STEPS = 150;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name));
}

test('extension host killed mid-sweep: the run is left cancelled and resumable, and Run Sweep finishes it', { timeout: 10 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')), 'dist/extension.js missing: npm run build');
  const workspace = makeWorkspace();
  writeFileSync(path.join(workspace, 'resumable.sweep.json'), JSON.stringify(sweepFile('resumable', STEPS, [40, 45])));
  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'host-kill-');
  const out = path.join(workspace, '.diffusion');
  const status = (runId: string) => JSON.parse(readFileSync(path.join(out, 'runs', runId, 'status.json'), 'utf8')) as RunStatus;

  await openDiffusionLabView(page, server);
  await waitForRows(page, 'the tree', (rows) => rows.some((r) => r.startsWith('handmade ')), 60_000);
  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'resumable.sweep.json');
  await waitForRows(page, 'the first run training', (rows) => rows.some((r) => /^T=40 (training · )?step (1\d|[2-9]\d)\/\d+/.test(r)));

  const sweepDir = path.join(out, 'sweeps', 'resumable');
  const runIds = (JSON.parse(readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { runs: Array<{ runId: string }> }).runs.map((r) => r.runId);
  const training = runIds.find((id) => existsSync(path.join(out, 'runs', id, 'status.json')) && status(id).state === 'running')!;
  const trainer = status(training).pid!;
  const host = Number(execFileSync('ps', ['-o', 'ppid=', '-p', String(trainer)], { encoding: 'utf8' }).trim());
  const hostCommand = readFileSync(`/proc/${host}/cmdline`, 'utf8').replace(/\0/g, ' ');
  assert.match(hostCommand, /extensionHost|bootstrap-fork/, `the trainer's parent is code-server's extension host: ${hostCommand}`);
  process.kill(host, 'SIGKILL');

  await until('the trainer to end after its extension host', () => !alive(trainer), 60_000, page);
  for (const file of jsonFiles(out)) {
    if (file.includes(`${path.sep}T300-bbbb${path.sep}`)) continue; // the hand-made nonsense run
    assert.doesNotThrow(() => JSON.parse(readFileSync(file, 'utf8')), `${file} parses`);
  }
  for (const id of runIds) {
    const file = path.join(out, 'runs', id, 'metrics.jsonl');
    if (existsSync(file)) assert.deepEqual(parseMetricsJsonl(readFileSync(file, 'utf8'), file).problems, [], `${file}: at most a torn last line`);
  }
  const left = status(training);
  assert.equal(left.state, 'cancelled', 'the trainer checkpointed and ended the run cancelled when its host went');
  assert.ok(left.step > 0 && left.step < STEPS, `stopped mid-run, at step ${left.step}`);
  await shot('1-after-kill');

  // The workbench restarts its extension host (or is reloaded); the same command resumes.
  await page.reload();
  // The reloaded workbench may restore the Diffusion Lab view by itself, and a click on its
  // icon would then close it: click only while the icon is not the open one.
  const icon = page.locator('.activitybar .action-item', { has: page.locator('a[aria-label^="Diffusion Lab"]') });
  await until('the cancelled run in the reloaded tree', async () => {
    const open = await icon.evaluate((e) => e.classList.contains('checked')).catch(() => false); // not drawn yet: try again
    if (!open) await icon.click({ timeout: 1_000 }).catch(() => {}); // not drawn yet: the next round clicks
    return (await treeRows(page)).some((r) => /^T=40 cancelled/.test(r));
  }, 90_000, page);
  await runCommand(page, 'Diffusion: Run Sweep');
  await clickPick(page, 'resumable.sweep.json');
  await page.locator('.notifications-toasts .notification-list-item', { hasText: 'Sweep resumable finished: 2 of 2 runs done' }).first().waitFor({ timeout: 300_000 });
  await shot('2-resumed-done');

  for (const id of runIds) {
    assert.equal(status(id).state, 'done', `${id} done`);
    const file = path.join(out, 'runs', id, 'metrics.jsonl');
    const { records, problems } = parseMetricsJsonl(readFileSync(file, 'utf8'), file);
    assert.deepEqual(problems, []);
    const steps = records.filter((r) => r.kind === 'step').map((r) => r.step);
    assert.equal(steps.length, new Set(steps).size, `${id}: every step once in metrics.jsonl`);
    assert.deepEqual(measureRun(records).losses.map((p) => p.step), Array.from({ length: STEPS }, (_, i) => i + 1), `${id}: the curve has steps 1..${STEPS}`);
  }
});
