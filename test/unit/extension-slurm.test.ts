// The extension's side of Slurm sweeps without VS Code: which diffusion.slurm.* settings become
// flags (the sweep file's own `slurm` block wins), what the Experiments tree reads of a submitted
// sweep (the job id of each task, its log, what is still pending), and the polling that runs
// only while something is pending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readExperiments, type Experiments } from '../../src/extension/experimentsModel';
import { SlurmPolling } from '../../src/extension/slurmPolling';
import { hasPendingSlurmRuns, offersSlurmLog, pendingSlurmRuns, slurmTaskLabel } from '../../src/extension/slurmRuns';
import { slurmDefaultFlags, slurmSubmitArgs } from '../../src/extension/slurmSubmitArgs';
import type { RunStatus } from '../../src/shared/runDirectory';
import { slurmLogFile } from '../../src/shared/slurmJob';

test('settings become flags only where the sweep file\'s slurm block leaves the field unset', { timeout: 10_000 }, () => {
  const settings = { partition: 'gpu', time: '2:00:00', gres: 'gpu:1', cpusPerTask: 4, mem: '8G', account: 'course', extraDirectives: ['--qos=short', '--nice=10'], setup: 'module load nodejs', requeue: true };
  // Without a block every setting is a flag, in the CLI's spelling.
  // --flag=value, so that a value beginning with a dash is not taken for a flag.
  assert.deepEqual(slurmDefaultFlags(settings, undefined), [
    '--partition=gpu', '--time=2:00:00', '--gres=gpu:1', '--cpus-per-task=4', '--mem=8G', '--account=course',
    '--sbatch=--qos=short', '--sbatch=--nice=10', '--setup=module load nodejs', '--requeue',
  ]);
  // The block's fields win, even set to false or to an empty list; the rest come from the settings.
  assert.deepEqual(slurmDefaultFlags(settings, { partition: 'debug', time: '10', requeue: false, extraDirectives: [] }), [
    '--gres=gpu:1', '--cpus-per-task=4', '--mem=8G', '--account=course', '--setup=module load nodejs',
  ]);
  // requeue off in the settings is no flag: the block or Slurm decides.
  assert.deepEqual(slurmDefaultFlags({ requeue: false }, undefined), []);
  assert.deepEqual(slurmDefaultFlags({}, { partition: 'debug' }), []);
  assert.deepEqual(slurmSubmitArgs({ file: '/w/a.sweep.json', outDir: '/w/.diffusion', settings: { partition: 'gpu' }, block: { time: '5' } }),
    ['sweep', '/w/a.sweep.json', '--scheduler', 'slurm', '--out', '/w/.diffusion', '--partition=gpu']);
});

const status = (state: RunStatus['state'], jobId?: string): RunStatus =>
  ({ formatVersion: 1, state, createdAt: '2025-01-01T00:00:00Z', step: 0, epoch: 0, totalSteps: 4, ...(jobId ? { slurm: { jobId } } : {}) });

/** A sweep of three runs submitted as job 42 (tasks 0 and 1; the third was done before), and a sweep never submitted. */
function writeOutDir(t: { after: (fn: () => void) => void }): { out: string; sweepDir: string; setStatus: (runId: string, s: RunStatus) => void } {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-slurm-model-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const sweepDir = path.join(out, 'sweeps', 'cluster');
  mkdirSync(path.join(sweepDir, 'slurm'), { recursive: true });
  const runs = ['T50-aaaa', 'T60-bbbb', 'T70-cccc'];
  writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({
    formatVersion: 1, sweepId: 'cluster', name: 'cluster', source: '/w/cluster.sweep.json', variedFields: ['timesteps'],
    runs: runs.map((runId, i) => ({ runId, varied: { timesteps: 50 + 10 * i } })),
    slurm: { jobId: '42', submittedAt: '2025-01-01T00:00:00Z', runIds: ['T50-aaaa', 'T60-bbbb'], maxParallel: 1 },
  }));
  mkdirSync(path.join(out, 'sweeps', 'local'), { recursive: true });
  writeFileSync(path.join(out, 'sweeps', 'local', 'sweep.json'), JSON.stringify({
    formatVersion: 1, sweepId: 'local', name: 'local', source: '/w/local.sweep.json', variedFields: [], runs: [{ runId: 'L-dddd', varied: {} }],
  }));
  const setStatus = (runId: string, s: RunStatus) => {
    mkdirSync(path.join(out, 'runs', runId), { recursive: true });
    writeFileSync(path.join(out, 'runs', runId, 'status.json'), JSON.stringify(s));
  };
  setStatus('T50-aaaa', status('queued', '42_0'));
  setStatus('T60-bbbb', status('queued', '42_1'));
  setStatus('T70-cccc', status('done'));
  setStatus('L-dddd', status('queued'));
  return { out, sweepDir, setStatus };
}

test('a submitted sweep: each queued run names its task, offers its log, and the sweep is pending until every task is done', { timeout: 10_000 }, async (t) => {
  const { out, sweepDir, setStatus } = writeOutDir(t);
  let x = await readExperiments(out);
  const cluster = x.sweeps.find((s) => s.sweepId === 'cluster')!;
  const local = x.sweeps.find((s) => s.sweepId === 'local')!;
  assert.equal(cluster.slurm?.jobId, '42');
  assert.equal(local.slurm, undefined);
  const [a, b, c] = cluster.runs;
  assert.deepEqual([a!.state, slurmTaskLabel(a!), slurmTaskLabel(b!), slurmTaskLabel(c!)], ['queued', 'Slurm job 42_0', 'Slurm job 42_1', undefined]);
  assert.deepEqual(a!.slurmLog, { file: slurmLogFile(sweepDir, 'T50-aaaa'), exists: false });
  assert.equal(a!.slurmLog!.file, path.join(sweepDir, 'slurm', 'T50-aaaa.log'));
  // Queued without a log yet: offered (it says "no log yet"); done before the submission, without a log: not offered.
  assert.deepEqual(cluster.runs.map(offersSlurmLog), [true, true, false]);
  assert.equal(local.runs[0]!.slurmLog, undefined);
  assert.equal(offersSlurmLog(local.runs[0]!), false);
  assert.deepEqual(pendingSlurmRuns(cluster).map((r) => r.runId), ['T50-aaaa', 'T60-bbbb']);
  assert.equal(hasPendingSlurmRuns(x), true);

  // Task 0 ran and finished, with its log; task 1 still waits.
  writeFileSync(slurmLogFile(sweepDir, 'T50-aaaa'), 'trained\n');
  setStatus('T50-aaaa', status('done', '42_0'));
  x = await readExperiments(out);
  const after = x.sweeps.find((s) => s.sweepId === 'cluster')!;
  assert.deepEqual(after.runs[0]!.slurmLog, { file: slurmLogFile(sweepDir, 'T50-aaaa'), exists: true });
  assert.deepEqual(after.runs.map(offersSlurmLog), [true, true, false]);
  assert.deepEqual(pendingSlurmRuns(after).map((r) => r.runId), ['T60-bbbb']);

  setStatus('T60-bbbb', status('cancelled', '42_1'));
  x = await readExperiments(out);
  assert.equal(hasPendingSlurmRuns(x), false, 'cancelled and done: nothing left for Slurm');
  // Cancelled before its task wrote anything: no log, nothing to open.
  assert.equal(offersSlurmLog(x.sweeps.find((s) => s.sweepId === 'cluster')!.runs[1]!), false);
});

test('a sweep.json whose slurm field is nonsense reads as never submitted', { timeout: 10_000 }, async (t) => {
  const { out, sweepDir } = writeOutDir(t);
  writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({
    formatVersion: 1, sweepId: 'cluster', name: 'cluster', variedFields: [], runs: [{ runId: 'T50-aaaa', varied: {} }], slurm: { jobId: 42 },
  }));
  const sweep = (await readExperiments(out)).sweeps.find((s) => s.sweepId === 'cluster')!;
  assert.equal(sweep.error, undefined);
  assert.equal(sweep.slurm, undefined);
  assert.equal(hasPendingSlurmRuns({ outDir: out, sweeps: [sweep], singleRuns: [] }), false);
});

test('the tree is polled while a Slurm sweep has tasks pending, and the timer goes when none is', { timeout: 10_000 }, async (t) => {
  const { out, setStatus } = writeOutDir(t);
  t.mock.timers.enable({ apis: ['setInterval'] });
  const loads = new EventEmitter();
  let refreshes = 0;
  const polling = new SlurmPolling({
    onDidLoad: (listener) => {
      loads.on('load', listener);
      return { dispose: () => loads.off('load', listener) };
    },
    scheduleRefresh: () => void refreshes++,
  }, 5_000);
  t.after(() => polling.dispose());
  const load = async () => loads.emit('load', await readExperiments(out) satisfies Experiments);

  await load();
  assert.equal(polling.polling, true);
  t.mock.timers.tick(5_000);
  t.mock.timers.tick(5_000);
  assert.equal(refreshes, 2, 'one refresh every interval');
  await load();
  t.mock.timers.tick(5_000);
  assert.equal(refreshes, 3, 'a reload while pending keeps the one timer');

  setStatus('T50-aaaa', status('done', '42_0'));
  setStatus('T60-bbbb', status('done', '42_1'));
  await load();
  assert.equal(polling.polling, false);
  t.mock.timers.tick(60_000);
  assert.equal(refreshes, 3, 'no polling once every task is done');
  polling.dispose();
  loads.emit('load', { outDir: out, sweeps: [], singleRuns: [] });
  assert.equal(loads.listenerCount('load'), 0);
});
