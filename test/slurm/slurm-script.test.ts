// The pieces of `sweep --scheduler slurm` that need no cluster: the job array's script text
// (checked by bash itself), the time limits, the squeue/sacct parsers (on output as those
// tools print it) and the sweep file's `slurm` block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SLURM_BLOCK_FIELDS, slurmLogFile, slurmTaskId } from '../../src/shared/slurmJob';
import { SweepError } from '../../src/shared/sweepChecks/sweepProblem';
import { validateSweepSpec } from '../../src/shared/sweepChecks/validateSweepSpec';
import { SWEEP_SCHEMA } from '../../src/shared/sweepSchema';
import { buildArrayScript, signalLeadSeconds, slurmTimeSeconds, type ArrayScriptInput } from '../../src/trainer/sweep/slurm/arrayScript';
import { isTaskActive, parseSacct, parseSqueue } from '../../src/trainer/sweep/slurm/slurmState';
import { slurmOptionsFrom } from '../../src/trainer/sweep/slurm/submitArray';
import { slurmJobOfProcess } from '../../src/trainer/sweep/slurm/slurmTaskOfProcess';

const INPUT: ArrayScriptInput = {
  sweepName: 'tiny', sweepId: 'tiny', sweepFile: '/work/my sweeps/tiny.sweep.json', outDir: '/scratch/out', cliPath: '/opt/dl/dist/cli.js',
  slurmDir: '/scratch/out/sweeps/tiny/slurm', runIdList: '/scratch/out/sweeps/tiny/slurm/run-ids.txt', taskCount: 3, maxParallel: 2, options: {},
};
const directives = (script: string) => script.split('\n').filter((l) => l.startsWith('#SBATCH ')).map((l) => l.slice('#SBATCH '.length));

test('the default script: one task per run, %P from maxParallelRuns, TERM 120 s ahead to the batch shell, per-task logs', { timeout: 10_000 }, () => {
  const script = buildArrayScript(INPUT);
  assert.deepEqual(directives(script), [
    '--job-name=diffusion-lab:tiny', '--array=0-2%2', '--output=/scratch/out/sweeps/tiny/slurm/.task-%a.log', '--open-mode=append',
    '--chdir=/scratch/out', '--signal=B:TERM@120', '--no-requeue',
  ]);
  assert.ok(script.startsWith('#!/bin/bash\n'));
  assert.match(script, /^node \/opt\/dl\/dist\/cli\.js sweep '\/work\/my sweeps\/tiny\.sweep\.json' --out \/scratch\/out --run "\$run_id" --yes &$/m, 'a path with a space is one word');
  assert.match(script, /^trap .*kill -TERM "\$trainer".* TERM$/m, 'forwards TERM to the trainer');
  const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  assert.equal(syntax.status, 0, `bash -n: ${syntax.stderr}`);
});

test('the slurm block and its flags become sbatch options; setup runs before `set -u`', { timeout: 10_000 }, () => {
  const options = slurmOptionsFrom(
    { partition: 'gpu', time: '2:00:00', gres: 'gpu:1', cpusPerTask: 4, mem: '8G', account: 'course', extraDirectives: ['--qos=short'], setup: 'module load nodejs cuda' },
    { partition: 'debug', time: '1', sbatch: ['#SBATCH --mail-type=END'], requeue: true },
  );
  assert.deepEqual(options, {
    partition: 'debug', time: '1', gres: 'gpu:1', cpusPerTask: 4, mem: '8G', account: 'course',
    extraDirectives: ['--qos=short', '#SBATCH --mail-type=END'], setup: 'module load nodejs cuda', requeue: true,
  });
  const script = buildArrayScript({ ...INPUT, options });
  assert.deepEqual(directives(script).slice(5), [
    '--signal=B:TERM@15', '--partition=debug', '--time=1', '--gres=gpu:1', '--cpus-per-task=4', '--mem=8G', '--account=course',
    '--requeue', '--qos=short', '--mail-type=END',
  ]);
  const lines = script.split('\n');
  const trap = lines.findIndex((l) => l.startsWith('trap '));
  assert.ok(trap < lines.indexOf('module load nodejs cuda'), 'a TERM during setup is caught');
  assert.ok(lines.indexOf('module load nodejs cuda') < lines.indexOf('set -u'), 'module scripts read unset variables');
});

test('malformed flags name the flag and the value', { timeout: 10_000 }, () => {
  assert.throws(() => slurmOptionsFrom({}, { time: '2h' }), /--time: "2h" is not a Slurm time limit/);
  assert.throws(() => slurmOptionsFrom({}, { 'cpus-per-task': '0' }), /--cpus-per-task: "0" is not a positive whole number/);
  assert.throws(() => slurmOptionsFrom({}, { mem: '8 GB' }), /--mem: "8 GB" is not a Slurm memory size/);
});

test('Slurm time limits in seconds (sbatch --time forms), and the TERM lead they leave', { timeout: 10_000 }, () => {
  const cases: Array<[string, number | null]> = [
    ['1', 60], ['90', 5400], ['1:30', 90], ['01:00:00', 3600], ['2-0', 172_800], ['1-2:3', 93_780], ['1-2:3:4', 93_784], ['UNLIMITED', null],
  ];
  for (const [time, seconds] of cases) assert.equal(slurmTimeSeconds(time), seconds, time);
  assert.equal(signalLeadSeconds(undefined), 120);
  assert.equal(signalLeadSeconds('1'), 15, 'a quarter of a one-minute limit');
  assert.equal(signalLeadSeconds('3'), 45);
  assert.equal(signalLeadSeconds('8'), 120);
  assert.equal(signalLeadSeconds('1-00:00:00'), 120);
  assert.equal(signalLeadSeconds('INFINITE'), 120);
});

test('squeue --array --format=%i|%T|%r, as it prints a held, a throttled and a running task', { timeout: 10_000 }, () => {
  const tasks = parseSqueue('1_0|PENDING|JobHeldUser\n1_1|PENDING|JobArrayTaskLimit\n1_2|RUNNING|None\n\n');
  assert.deepEqual([...tasks.values()], [
    { jobId: '1_0', state: 'PENDING', reason: 'JobHeldUser' },
    { jobId: '1_1', state: 'PENDING', reason: 'JobArrayTaskLimit' },
    { jobId: '1_2', state: 'RUNNING' },
  ]);
  assert.deepEqual([...tasks.values()].map(isTaskActive), [true, true, true]);
});

test('sacct --parsable2 JobID,State,ExitCode,Reason: tasks kept, steps and pending ranges left out, "CANCELLED by" trimmed', { timeout: 10_000 }, () => {
  const text = [
    '42_0|COMPLETED|0:0|None', '42_0.batch|COMPLETED|0:0|', '42_0.extern|COMPLETED|0:0|',
    '42_1|CANCELLED by 0|0:15|None', '42_2|TIMEOUT|0:0|None', '42_3|OUT_OF_MEMORY|0:125|None',
    '42_[4-5%2]|PENDING|0:0|JobArrayTaskLimit',
  ].join('\n');
  const tasks = parseSacct(text);
  assert.deepEqual([...tasks.values()], [
    { jobId: '42_0', state: 'COMPLETED', exitCode: '0:0' },
    { jobId: '42_1', state: 'CANCELLED', exitCode: '0:15' },
    { jobId: '42_2', state: 'TIMEOUT', exitCode: '0:0' },
    { jobId: '42_3', state: 'OUT_OF_MEMORY', exitCode: '0:125' },
  ]);
  assert.deepEqual([...tasks.values()].map(isTaskActive), [false, false, false, false]);
});

test('the trainer names its Slurm task from the variables slurmd sets', { timeout: 10_000 }, () => {
  assert.equal(slurmJobOfProcess({ SLURM_ARRAY_JOB_ID: '42', SLURM_ARRAY_TASK_ID: '3', SLURM_JOB_ID: '45' }), slurmTaskId('42', 3));
  assert.equal(slurmJobOfProcess({ SLURM_JOB_ID: '45' }), '45');
  assert.equal(slurmJobOfProcess({}), undefined);
  assert.equal(slurmLogFile('/out/sweeps/tiny', 'T10-ab12'), '/out/sweeps/tiny/slurm/T10-ab12.log');
});

test('the sweep file\'s slurm block: completed by the schema, an unknown field or a malformed time named', { timeout: 10_000 }, () => {
  assert.deepEqual(Object.keys(SWEEP_SCHEMA.properties.slurm.properties), SLURM_BLOCK_FIELDS);
  const messages = (slurm: unknown) => {
    try {
      validateSweepSpec({ base: {}, slurm }, 'x.sweep.json');
    } catch (err) {
      assert.ok(err instanceof SweepError);
      return err.problems;
    }
    return assert.fail('accepted');
  };
  assert.deepEqual(messages({ partiton: 'gpu' }), [`slurm: unknown field "partiton" (did you mean "partition"?); allowed: ${SLURM_BLOCK_FIELDS.join(', ')}`]);
  assert.deepEqual(messages({ time: '2 hours' }), [
    'slurm.time: "2 hours" (a string) is not in the expected form; Time limit of each run\'s task (sbatch --time): minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.',
  ]);
  assert.deepEqual(messages({ cpusPerTask: 0 }), ['slurm.cpusPerTask: must be >= 1, got 0 (a number)']);
  assert.doesNotThrow(() => validateSweepSpec({ base: {}, slurm: { time: '1-12:00:00', mem: '8G', requeue: true } }, 'x.sweep.json'));
});
