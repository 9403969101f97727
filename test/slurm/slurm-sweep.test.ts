// `diffusion-lab sweep --scheduler slurm`, `status --sweep` and `stop --sweep` against a real
// one-node Slurm cluster (start-cluster.sh): tiny 8 px runs of toy cars on wasm, a few steps
// each, except where a run must still be training when Slurm stops it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, readJson } from '../helpers/cli';
import { startSlurmCluster, type SlurmCluster } from './cluster';
import type { RunStatus } from '../../src/shared/runDirectory';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';
import { slurmLogFile, type SweepStatusReport } from '../../src/shared/slurmJob';

const TINY = {
  channels: [4, 8], imgSize: 8, batchSize: 4, toyCarsCount: 16, heldOutCount: 4, heldOutFraction: 0.25, timesteps: 10,
  epochs: 2, sampleEvery: 0, sampleCount: 2, evalImages: 0, backend: 'wasm',
};
/** Runs that train far longer than any test waits: they end only when Slurm stops them. */
const ENDLESS = { ...TINY, epochs: 100_000, maxSteps: 100_000 };

let cluster: SlurmCluster;
const stops: Array<() => void> = [];
before(async () => {
  cluster = await startSlurmCluster({ after: (fn) => stops.push(fn) });
});
after(() => {
  for (const stop of stops) stop();
});

function setUp(t: { after: (fn: () => void) => void }, name: string, spec: object) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-slurm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, `${name}.sweep.json`);
  writeFileSync(file, JSON.stringify({ name, ...spec }, null, 2));
  const out = path.join(dir, 'out');
  const sweepDir = path.join(out, 'sweeps', name);
  return {
    dir, file, out, sweepDir,
    submit: (...flags: string[]) => cli(['sweep', file, '--out', out, '--scheduler', 'slurm', ...flags], cluster.env),
    status: () => readJson<SweepStatusReport>(jsonOut(cli(['status', '--sweep', sweepDir, '--json'], cluster.env))),
    stop: () => cli(['stop', '--sweep', sweepDir], cluster.env),
    sweep: () => readJson<ResolvedSweepFile>(path.join(sweepDir, 'sweep.json')),
    run: (id: string) => readJson<RunStatus>(path.join(out, 'runs', id, 'status.json')),
    steps: (id: string) => stepsOf(path.join(out, 'runs', id)),
    log: (id: string) => readFileSync(slurmLogFile(sweepDir, id), 'utf8'),
  };
}

/** stdout of a command that must succeed, written to a file for readJson. */
function jsonOut(r: { code: number | null; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dl-status-')), 'status.json');
  writeFileSync(file, r.stdout);
  return file;
}

/** The step numbers in metrics.jsonl, in order; a torn last line is not read. */
function stepsOf(runDir: string): number[] {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string; step: number }).filter((m) => m.kind === 'step').map((m) => m.step);
}

/** Polls until `ready` holds; fails naming `what` (and the last value seen) after `ms`. */
async function waitFor<T>(what: string, ms: number, probe: () => T, ready: (v: T) => boolean): Promise<T> {
  const end = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = probe();
      last = value;
      if (ready(value)) return value;
    } catch (err) {
      last = (err as Error).message; // not written yet
    }
    if (performance.now() > end) assert.fail(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const jobIdOf = (stdout: string) => /submitted Slurm job (\d+): /.exec(stdout)?.[1] ?? assert.fail(`no job id in ${JSON.stringify(stdout)}`);
const hasCheckpoint = (out: string, id: string) => readdirSync(path.join(out, 'runs', id, 'checkpoint')).some((f) => !f.startsWith('.'));

test('bad input submits nothing: no sbatch, an unknown partition, a bad slurm block; a dry run writes nothing', { timeout: 60_000 }, (t) => {
  const s = setUp(t, 'bad', { base: TINY, axes: { timesteps: [10, 12] } });
  const noSlurm = cli(['sweep', s.file, '--out', s.out, '--scheduler', 'slurm'], { ...cluster.env, PATH: s.dir });
  assert.equal(noSlurm.code, 2);
  assert.match(noSlurm.stderr, new RegExp(`${s.file.replace(/[.]/g, '\\.')}: --scheduler slurm needs sbatch, which is not on the PATH`));
  assert.ok(!existsSync(s.out), 'nothing written');

  const dry = s.submit('--dry-run', '--time', '5:00');
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^#!\/bin\/bash\n/);
  assert.match(dry.stdout, /^#SBATCH --array=0-1%1$/m);
  assert.match(dry.stdout, /^#SBATCH --time=5:00$/m);
  assert.match(dry.stderr, /dry run: sweep bad would be submitted as a Slurm job array of 2 tasks, at most 1 at a time .*nothing was written or submitted/);
  assert.ok(!existsSync(s.out), 'a dry run writes nothing');

  const partition = s.submit('--partition', 'nosuchpartition');
  assert.equal(partition.code, 2);
  assert.match(partition.stderr, /sweep bad: sbatch refused the job array, so nothing was submitted:\nsbatch: error: .*[Pp]artition/);
  assert.ok(!existsSync(path.join(s.out, 'runs')), 'no run marked queued');
  const queue = cli(['status', '--sweep', s.sweepDir, '--json'], cluster.env);
  assert.equal(queue.code, 0, queue.stderr);
  assert.ok(!('slurm' in JSON.parse(queue.stdout)), 'no submission recorded');

  const typo = setUp(t, 'typo', { base: TINY, slurm: { partiton: 'debug' } });
  const unknown = typo.submit();
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /typo\.sweep\.json: slurm: unknown field "partiton" \(did you mean "partition"\?\)/);
  const badTime = setUp(t, 'time', { base: TINY, slurm: { time: '2 hours' } });
  const time = badTime.submit();
  assert.equal(time.code, 2);
  assert.match(time.stderr, /time\.sweep\.json: slurm\.time: "2 hours" \(a string\) is not in the expected form; Time limit/);
  assert.ok(!existsSync(typo.out) && !existsSync(badTime.out));

  const stop = s.stop();
  assert.equal(stop.code, 2);
  assert.match(stop.stderr, /records no Slurm job; only a sweep submitted with --scheduler slurm can be stopped this way/);
});

test('a sweep submitted as a job array: runs queued with their task, then done, logs per run, the job in sweep.json and status', { timeout: 120_000 }, async (t) => {
  const s = setUp(t, 'array', { base: TINY, axes: { timesteps: [10, 12, 14] }, maxParallelRuns: 2 });
  const r = s.submit();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^submitted Slurm job \\d+: 3 runs, at most 2 at a time; logs in ${s.sweepDir}/slurm/$`, 'm'));
  const jobId = jobIdOf(r.stdout);
  const sweep = s.sweep();
  const ids = sweep.runs.map((run) => run.runId);
  assert.deepEqual({ ...sweep.slurm, submittedAt: undefined }, { jobId, runIds: ids, maxParallel: 2, submittedAt: undefined });
  assert.ok(!Number.isNaN(Date.parse(sweep.slurm!.submittedAt)));

  const report = await waitFor('Slurm to report every task COMPLETED', 90_000, s.status,
    (rep) => rep.runs.every((run) => run.slurm?.state === 'COMPLETED'));
  assert.deepEqual(report.runs.map((run) => [run.runId, run.state, run.slurm?.jobId]), ids.map((id, i) => [id, 'done', `${jobId}_${i}`]));
  assert.equal(report.slurm?.jobId, jobId);
  for (const [i, id] of ids.entries()) {
    assert.equal(s.run(id).slurm?.jobId, `${jobId}_${i}`, 'the done status keeps its task');
    const log = s.log(id);
    assert.match(log, new RegExp(`diffusion-lab: Slurm task ${jobId}_${i} trains run ${id} on `));
    // What the task found: the run its submitter had marked queued.
    assert.match(log, /training from the start \(the earlier attempt, queued, left nothing to keep\)/);
    assert.match(log, new RegExp(`run ${id} done`));
  }
  const table = cli(['status', '--sweep', s.sweepDir], cluster.env);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`^${ids[2]}  done   ${jobId}_2 +COMPLETED$`, 'm'));

  const again = s.submit();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, 'sweep array: nothing to submit (3 of 3 runs done)\n');
  assert.equal(s.sweep().slurm?.jobId, jobId, 'no new job');
});

test('a task waiting in the queue: its run is queued with its task id, status says PENDING and why', { timeout: 60_000 }, async (t) => {
  const s = setUp(t, 'later', { base: TINY, axes: { timesteps: [10, 12] } });
  const r = s.submit('--sbatch=--begin=now+3600');
  assert.equal(r.code, 0, r.stderr);
  const jobId = jobIdOf(r.stdout);
  const ids = s.sweep().runs.map((run) => run.runId);
  assert.deepEqual(ids.map((id) => [s.run(id).state, s.run(id).slurm?.jobId]), [['queued', `${jobId}_0`], ['queued', `${jobId}_1`]]);
  const report = await waitFor('squeue to give the reason', 30_000, s.status, (rep) => rep.runs.every((run) => run.slurm?.reason === 'BeginTime'));
  assert.deepEqual(report.runs.map((run) => [run.state, run.slurm?.state]), [['queued', 'PENDING'], ['queued', 'PENDING']]);
  const again = s.submit();
  assert.equal(again.code, 2, 'its tasks would train the same runs twice');
  assert.match(again.stderr, new RegExp(`sweep later: its Slurm job ${jobId} still has 2 tasks pending or running`));
  assert.equal(s.stop().code, 0);
  const report2 = s.status();
  assert.deepEqual(report2.runs.map((run) => [run.state, run.slurm?.state]), [['cancelled', 'CANCELLED'], ['cancelled', 'CANCELLED']],
    'never started: cancelled with the job, not left waiting for a task that is gone');
  assert.deepEqual(ids.map((id) => [s.run(id).state, s.run(id).slurm?.jobId]), [['cancelled', `${jobId}_0`], ['cancelled', `${jobId}_1`]]);
});

test('stop --sweep cancels a running task: its run ends cancelled with a checkpoint; submitting again trains only it, resumed', { timeout: 150_000 }, async (t) => {
  const s = setUp(t, 'stop', { base: { ...TINY, epochs: 1000 }, axes: { maxSteps: [6, 300] }, maxParallelRuns: 2 });
  const first = s.submit();
  assert.equal(first.code, 0, first.stderr);
  const jobId = jobIdOf(first.stdout);
  const [short, long] = s.sweep().runs.map((run) => run.runId) as [string, string];
  await waitFor('the short run done and the long one at step 10', 90_000, () => [s.run(short).state, s.steps(long).length] as const,
    ([state, steps]) => state === 'done' && steps >= 10);
  const stop = s.stop();
  assert.equal(stop.code, 0);
  assert.equal(stop.stdout, `cancelled Slurm job ${jobId} of sweep stop; running tasks checkpoint and end cancelled\n`);
  const cancelled = await waitFor('the long run cancelled', 60_000, () => s.run(long), (st) => st.state === 'cancelled');
  assert.ok(hasCheckpoint(s.out, long), 'a checkpoint to resume from');
  assert.equal(cancelled.slurm?.jobId, `${jobId}_1`);
  const report = await waitFor('Slurm to say CANCELLED', 30_000, s.status, (rep) => rep.runs[1]?.slurm?.state === 'CANCELLED');
  assert.deepEqual(report.runs.map((run) => run.state), ['done', 'cancelled']);

  const second = s.submit();
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^submitted Slurm job \d+: 1 run, at most 1 at a time;/);
  const secondId = jobIdOf(second.stdout);
  assert.notEqual(secondId, jobId);
  assert.deepEqual(s.sweep().slurm?.runIds, [long], 'only the run not done');
  const done = await waitFor('the long run done', 90_000, () => s.run(long), (st) => st.state === 'done');
  assert.equal(done.slurm?.jobId, `${secondId}_0`);
  assert.equal(done.createdAt, cancelled.createdAt, 'the same run directory, not a new one');
  assert.match(s.log(long), new RegExp(`resuming the queued run from its last checkpoint \\(it had reached step ${cancelled.step}\\)`));
  assert.deepEqual(s.steps(long), Array.from({ length: 300 }, (_, i) => i + 1), 'each step once: continued, not restarted');
  assert.ok(cancelled.step >= 10 && cancelled.step < 300);
});

test('a task past its --time ends cancelled with a checkpoint, and the next submission resumes it', { timeout: 180_000 }, async (t) => {
  const s = setUp(t, 'limit', { base: ENDLESS });
  const first = s.submit('--time', '1');
  assert.equal(first.code, 0, first.stderr);
  const script = readFileSync(path.join(s.sweepDir, 'slurm', 'array.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --time=1$/m);
  assert.match(script, /^#SBATCH --signal=B:TERM@15$/m, 'a quarter of the one-minute limit, not 120 s');
  const [id] = s.sweep().runs.map((run) => run.runId) as [string];
  // Slurm signals within a minute; the run would train for hours.
  const cancelled = await waitFor('the run cancelled by its time limit', 150_000, () => s.run(id), (st) => st.state === 'cancelled');
  assert.ok(hasCheckpoint(s.out, id));
  assert.match(s.log(id), /diffusion-lab: SIGTERM: the run checkpoints and stops/);
  const ended = await waitFor('Slurm to say how the task ended', 60_000, s.status, (rep) => ['FAILED', 'TIMEOUT'].includes(rep.runs[0]?.slurm?.state ?? ''));
  assert.equal(ended.runs[0]?.state, 'cancelled');

  const second = s.submit('--time', '1');
  assert.equal(second.code, 0, second.stderr);
  await waitFor('the run training past its checkpoint', 60_000, () => s.steps(id), (steps) => steps.length > cancelled.step);
  assert.match(s.log(id), new RegExp(`resuming the queued run from its last checkpoint \\(it had reached step ${cancelled.step}\\)`));
  assert.deepEqual(s.steps(id).slice(0, cancelled.step + 1), Array.from({ length: cancelled.step + 1 }, (_, i) => i + 1), 'continued after its last step');
  assert.equal(s.stop().code, 0);
  await waitFor('the resumed run cancelled', 60_000, () => s.run(id), (st) => st.state === 'cancelled');
});
