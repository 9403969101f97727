// Run Sweep with diffusion.scheduler = slurm in code-server, against a real one-node Slurm
// cluster (test/slurm/start-cluster.sh): the sweep is submitted as a job array that waits in
// the queue (the settings add `--begin=now+600`; the test then moves its start to now), so its
// runs are seen queued with their Slurm tasks for sure; the sweep file's `slurm` block wins over the settings (Slurm reports its time limit);
// Open Slurm Log says there is no log yet; released, both runs go to done and Open Slurm Log
// opens a task's log. A second sweep, also waiting, is cancelled by Stop Sweep; a third, for a
// partition the cluster does not have, is refused with sbatch's message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';
import { slurmLogFile } from '../../src/shared/slurmJob';
import { startSlurmCluster } from '../slurm/cluster';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, runContextMenuItem, until, waitForRows } from './workbench';
import { sweepFile } from './workspace';

test('Run Sweep on Slurm: queued with the job id, then done in the tree; Open Slurm Log; Stop Sweep cancels the job', { timeout: 8 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/cli.js')), 'dist/ missing: npm run build');
  const cluster = await startSlurmCluster(t);
  const slurm = (...args: string[]) => {
    const r = spawnSync(args[0]!, args.slice(1), { env: { ...process.env, ...cluster.env }, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-slurm-workspace-'));
  // Two runs of a few steps at 8 px, both at once; the file's time limit, 15 minutes, beats the setting's 10.
  const tinySweep = (name: string, timesteps: number[]) => {
    const sweep = sweepFile(name, 3, timesteps) as { base: Record<string, unknown> };
    Object.assign(sweep.base, { imgSize: 8 });
    return { ...sweep, maxParallelRuns: 2, slurm: { time: '15' } };
  };
  writeFileSync(path.join(workspace, 'cluster.sweep.json'), JSON.stringify(tinySweep('cluster', [50, 60]), null, 2));
  const { server, page } = await openWorkbench(t, workspace, {
    'diffusion.scheduler': 'slurm', 'diffusion.slurm.time': '10', 'diffusion.slurm.extraDirectives': ['--begin=now+600'],
  }, { env: { SLURM_CONF: cluster.env.SLURM_CONF! } });
  const shot = screenshotter(page, 'slurm-sweep-');
  const toast = (text: string | RegExp) => page.locator('.notifications-toasts .notification-list-item', { hasText: text }).first();
  /** The job id Run Sweep's message names; its error message, if it shows one instead, fails the test. */
  const submittedJob = (name: string) => until(`the submission of ${name}`, async () => {
    const refused = await toast('Slurm did not take').innerText({ timeout: 200 }).catch(() => '');
    if (refused) throw new Error(refused);
    const text = await toast(`Sweep ${name} submitted to Slurm`).innerText({ timeout: 1_000 }).catch(() => '');
    return /as job (\d+): /.exec(text)?.[1];
  }, 60_000, page);
  try {
    await openDiffusionLabView(page, server);
    await page.locator('.welcome-view-content', { hasText: 'No experiments yet' }).waitFor({ timeout: 90_000 });
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'cluster.sweep.json');
    const jobId = await submittedJob('cluster');
    assert.match(await toast('Sweep cluster submitted').innerText(), new RegExp(`as job ${jobId}: 2 runs, at most 2 at a time`));
    const out = path.join(workspace, '.diffusion');
    const resolved = JSON.parse(readFileSync(path.join(out, 'sweeps/cluster/sweep.json'), 'utf8')) as ResolvedSweepFile;
    assert.equal(resolved.slurm?.jobId, jobId, 'the message names the job sweep.json records');

    // Waiting for their begin time: both runs queued, each row naming its task.
    await waitForRows(page, 'both runs queued with their tasks', (rows) =>
      rows.includes(`T=50 queued · Slurm job ${jobId}_0`) && rows.includes(`T=60 queued · Slurm job ${jobId}_1`)
      && rows.includes(`cluster 2 runs · 2 queued · Slurm job ${jobId}`), 30_000);
    const job = slurm('scontrol', 'show', 'job', jobId);
    const time = (field: string) => Date.parse(new RegExp(`${field}=(\\S+)`).exec(job)?.[1] ?? '');
    assert.ok(time('EligibleTime') - time('SubmitTime') >= 590_000, `diffusion.slurm.extraDirectives (--begin=now+600) reached sbatch (the block has none):\n${job}`);
    assert.match(job, /TimeLimit=00:15:00/, 'the sweep file\'s time limit, not the setting\'s');
    await shot('queued');

    const runRow = (label: string) => page.locator('.part.sidebar .monaco-list-row', { hasText: new RegExp(`^${label}`) }).first();
    await runContextMenuItem(page, runRow('T=50'), 'Open Slurm Log');
    await toast('no log yet: the task has not started').waitFor({ timeout: 15_000 });

    slurm('scontrol', 'update', `JobId=${jobId}`, 'StartTime=now');
    await waitForRows(page, 'both runs done', (rows) => rows.includes('cluster 2 runs · 2 done')
      && rows.some((r) => /^T=50 final loss [\d.]+/.test(r)) && rows.some((r) => /^T=60 final loss [\d.]+/.test(r)), 4 * 60_000);
    await shot('done');

    const runId = resolved.runs.find((r) => r.varied.timesteps === 50)!.runId;
    const log = slurmLogFile(path.join(out, 'sweeps/cluster'), runId);
    assert.ok(existsSync(log), `${log} written by the task`);
    await runContextMenuItem(page, runRow('T=50'), 'Open Slurm Log');
    await page.locator('.tabs-container .tab', { hasText: `${runId}.log` }).waitFor({ timeout: 15_000 });
    await shot('log');

    // A second sweep, waiting in the queue: Stop Sweep on its row cancels the job.
    writeFileSync(path.join(workspace, 'waiting.sweep.json'), JSON.stringify(tinySweep('waiting', [70]), null, 2));
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'waiting.sweep.json');
    const waitingJob = await submittedJob('waiting');
    await waitForRows(page, 'the waiting sweep queued', (rows) => rows.includes(`waiting 1 runs · 1 queued · Slurm job ${waitingJob}`), 30_000);
    await runContextMenuItem(page, runRow('waiting'), 'Stop Sweep');
    await toast(`Cancelled Slurm job ${waitingJob} of sweep waiting`).waitFor({ timeout: 30_000 });
    // No task of it left pending or running (squeue lists only those).
    await until('the waiting job gone from the queue', () => !slurm('squeue', '--noheader', '--array', '--format=%i').split('\n').some((id) => id.startsWith(`${waitingJob}_`) || id === waitingJob), 30_000, page);
    await shot('stopped');

    // A partition Slurm does not have: sbatch's own words, and nothing submitted.
    writeFileSync(path.join(workspace, 'nowhere.sweep.json'), JSON.stringify({ ...tinySweep('nowhere', [80]), slurm: { partition: 'nosuch' } }, null, 2));
    await runCommand(page, 'Diffusion: Run Sweep');
    await clickPick(page, 'nowhere.sweep.json');
    const refused = await toast('Slurm did not take sweep nowhere').innerText({ timeout: 60_000 });
    assert.match(refused, /invalid partition.*nosuch/i, refused);
    assert.equal(slurm('squeue', '--noheader', '--array', '--format=%i').trim(), '', 'no job in the queue');
    assert.ok(!existsSync(path.join(out, 'sweeps/nowhere/sweep.json')) || !(JSON.parse(readFileSync(path.join(out, 'sweeps/nowhere/sweep.json'), 'utf8')) as ResolvedSweepFile).slurm,
      'no submission recorded');
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});
