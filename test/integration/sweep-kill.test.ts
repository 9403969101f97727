// The kill test: a sweep killed at random moments (SIGKILL of its whole process group, as an
// OOM kill or a closed terminal would) leaves run directories that always parse, and the same
// command run straight afterwards finishes every run, each step trained once. Also a
// scheduler's SIGTERM, and a sweep that finds a run's previous owner still stopping.
// Tiny runs (widths 4,8, 16 px, 32 toy cars) through the built CLI, two at a time in child
// processes, as `maxParallelRuns` starts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunLockFile, RunStatus } from '../../src/shared/runDirectory';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';
import { processStart } from '../../src/shared/runReading/processIdentity';
import { runLockPath } from '../../src/trainer/sweep/runOwner';
import { seeded } from '../helpers/seededRandom';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
/** 4 steps an epoch; 160 steps a run. */
const TINY = {
  channels: [4, 8], imgSize: 16, batchSize: 8, toyCarsCount: 32, heldOutCount: 0, timesteps: 20, sampleCount: 4,
  backend: 'wasm', epochs: 40, sampleEvery: 0, evalImages: 0,
};
const SPEC = { name: 'kill', maxParallelRuns: 2, base: TINY, axes: { lr: [1e-3, 2e-3, 3e-3] } };

interface Sweep {
  child: ChildProcess;
  stderr: () => string;
  /** Resolves once `n` lines have come on stderr (or the sweep has ended). */
  lines: (n: number) => Promise<void>;
  /** Resolves when stderr matches (rejects if the sweep ends first). */
  waitFor: (re: RegExp) => Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** `diffusion-lab sweep FILE --out OUT` in its own process group, as a shell would start it. */
function startSweep(file: string, out: string, ...extra: string[]): Sweep {
  const child = spawn(process.execPath, [CLI, 'sweep', file, '--out', out, ...extra], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let lineCount = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const s = d.toString();
    stderr += s;
    lineCount += s.split('\n').length - 1;
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      wake();
      resolve({ code, signal, stdout, stderr });
    });
  });
  const until = (done: () => boolean, onEnd: () => void) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (done()) {
        waiters.delete(check);
        resolve();
      } else if (ended) {
        waiters.delete(check);
        try {
          onEnd();
          resolve();
        } catch (err) {
          reject(err as Error);
        }
      }
    };
    waiters.add(check);
    check();
  });
  return {
    child, stderr: () => stderr, exited,
    lines: (n) => until(() => lineCount >= n, () => {}),
    waitFor: (re) => until(() => re.test(stderr), () => {
      throw new Error(`the sweep ended before its stderr matched ${re}:\n${stderr}`);
    }),
  };
}

function setUp(t: { after: (fn: () => void) => void }, spec: object): { file: string; out: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dl-kill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'kill.sweep.json');
  writeFileSync(file, JSON.stringify(spec, null, 2));
  return { file, out: path.join(dir, 'out') };
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    try {
      return statSync(p).isDirectory() ? filesUnder(p) : [p];
    } catch {
      return []; // a temp file renamed away in between
    }
  });
}

/** Every JSON file (and lock) parses; every metrics.jsonl line does, except a torn last one. */
function checkFiles(out: string, when: string): void {
  for (const file of filesUnder(out)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // replaced or released in between
    }
    if (file.endsWith('.json') || file.endsWith('.lock')) {
      assert.doesNotThrow(() => JSON.parse(text), `${when}: ${file} does not parse: ${JSON.stringify(text.slice(0, 200))}`);
    } else if (file.endsWith('.jsonl')) {
      const lines = text.split('\n');
      const last = text.endsWith('\n') ? lines.length - 1 : lines.length - 2; // the torn one, if any, may not parse
      for (let i = 0; i < last; i++) {
        assert.doesNotThrow(() => JSON.parse(lines[i]!), `${when}: ${file} line ${i + 1} does not parse: ${lines[i]}`);
      }
    }
  }
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const runIds = (out: string) => readJson<ResolvedSweepFile>(path.join(out, 'sweeps', 'kill', 'sweep.json')).runs.map((r) => r.runId);
const status = (out: string, id: string) => readJson<RunStatus>(path.join(out, 'runs', id, 'status.json'));
const stepLosses = (out: string, id: string) => readFileSync(path.join(out, 'runs', id, 'metrics.jsonl'), 'utf8').trim().split('\n')
  .map((l) => JSON.parse(l) as { kind: string; step: number }).filter((m) => m.kind === 'step').map((m) => m.step);
const row = (stdout: string, id: string) => stdout.split('\n').find((l) => l.startsWith(id + ' ')) ?? '';

/** After the final command: every run done, each of its steps in metrics.jsonl once, in order. */
function checkFinished(out: string, stdout: string): void {
  for (const id of runIds(out)) {
    const s = status(out, id);
    assert.equal(s.state, 'done', `${id}: ${JSON.stringify(s)}`);
    assert.match(row(stdout, id), / done /);
    assert.deepEqual(stepLosses(out, id), Array.from({ length: s.totalSteps }, (_, i) => i + 1), `${id}: every step's loss once`);
    assert.ok(!existsSync(runLockPath(path.join(out, 'runs', id))), `${id}: its lock is released`);
  }
}

test('SIGKILL of the sweep\'s process group at 12 random moments; the same command then finishes every run', { timeout: 170_000 }, async (t) => {
  assert.ok(existsSync(CLI), `${CLI} missing: run npm run build`);
  const { file, out } = setUp(t, SPEC);
  const random = seeded(14);
  const kills = 12;
  let killed = 0;
  const logs: string[] = [];
  for (let i = 0; i < kills; i++) {
    const sweep = startSweep(file, out);
    t.after(() => sweep.child.kill('SIGKILL'));
    // A random moment: after a random number of stderr lines (0 is at once, children still
    // starting; the sweep logs a line a run and the children one per epoch), then a random
    // part of a step.
    await sweep.lines(Math.floor(random() * 30));
    await new Promise((r) => setTimeout(r, Math.floor(random() * 60)));
    try {
      process.kill(-sweep.child.pid!, 'SIGKILL');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // ended by itself
    }
    const end = await sweep.exited;
    logs.push(`--- kill ${i + 1}: ${end.signal ?? end.code}\n${end.stderr}`);
    if (end.signal === 'SIGKILL') killed++;
    // The children still run (their own process groups): what they leave, at any moment, parses.
    checkFiles(out, `after kill ${i + 1}`);
  }
  assert.ok(killed >= 10, `the sweep ended by itself before most kills (${killed} of ${kills} killed):\n${logs.join('\n')}`);

  const last = startSweep(file, out);
  const end = await last.exited;
  assert.equal(end.code, 0, `${logs.join('\n')}\n--- the same command after the last kill:\n${end.stderr}`);
  checkFiles(out, 'at the end');
  checkFinished(out, end.stdout);
  const waits = [...logs, end.stderr].join('\n').match(/waiting for process \d+, which trained this run/g)?.length ?? 0;
  t.diagnostic(`${killed} of ${kills} kills hit a running sweep; ${waits} times a sweep waited for a run's stopping owner`);
});

test('SIGTERM to the sweep and its children (a scheduler\'s time limit): runs checkpoint and end cancelled; the same command finishes them', { timeout: 120_000 }, async (t) => {
  const { file, out } = setUp(t, SPEC);
  const sweep = startSweep(file, out);
  t.after(() => sweep.child.kill('SIGKILL'));
  // Both children training: each status says running in its own process, with its start time.
  const ids = await (async () => {
    for (;;) {
      await sweep.waitFor(/epoch 2: mean loss[^]*epoch 2: mean loss/);
      const running = existsSync(path.join(out, 'runs')) ? runIds(out).filter((id) => existsSync(path.join(out, 'runs', id, 'status.json')) && status(out, id).state === 'running') : [];
      if (running.length === 2) return running;
      await sweep.lines(sweep.stderr().split('\n').length); // the next line
    }
  })();
  const pids = ids.map((id) => status(out, id).pid!);
  for (const [i, id] of ids.entries()) {
    assert.notEqual(pids[i], sweep.child.pid, `${id} trains in a child process`);
    assert.equal(status(out, id).pidStart, processStart(pids[i]!), `${id}: status.json records its process's start`);
  }
  // A scheduler signals every process of the job: the sweep's group and the children.
  process.kill(-sweep.child.pid!, 'SIGTERM');
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const end = await sweep.exited;
  assert.equal(end.code, 130, end.stderr);
  assert.match(end.stderr, /sweep stopped with 3 of 3 runs not done; run the same command again to continue/);
  for (const id of ids) {
    const s = status(out, id);
    assert.equal(s.state, 'cancelled', `${id}: ${JSON.stringify(s)}\n${end.stderr}`);
    assert.ok(s.step > 0 && s.step < s.totalSteps);
    assert.deepEqual(stepLosses(out, id), Array.from({ length: s.step }, (_, i) => i + 1), `${id}: checkpointed at its last step`);
    assert.ok(readdirSync(path.join(out, 'runs', id, 'checkpoint')).length > 0, `${id}: has a checkpoint`);
    assert.match(row(end.stdout, id), / cancelled .* trained -> cancelled$/);
  }
  checkFiles(out, 'after SIGTERM');

  const again = startSweep(file, out);
  const second = await again.exited;
  assert.equal(second.code, 0, second.stderr);
  for (const id of ids) assert.match(second.stderr, new RegExp(`${id} \\(lr=[\\d.]+\\): resuming the cancelled run from its last checkpoint`));
  checkFinished(out, second.stdout);
});

test('a run whose previous owner is still stopping is waited for, then trained; a run whose owner is gone shows as interrupted', { timeout: 120_000 }, async (t) => {
  const spec = { name: 'kill', base: { ...TINY, epochs: 2 }, axes: { lr: [1e-3] } };
  const { file, out } = setUp(t, spec);
  const dry = await startSweep(file, out, '--dry-run').exited;
  assert.equal(dry.code, 0, dry.stderr);
  const id = /^1 +(\S+)/m.exec(dry.stdout)![1]!;
  const runDir = path.join(out, 'runs', id);

  // An owner that is alive, whose parent (the sweep that started it) is gone.
  const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => owner.kill('SIGKILL'));
  await new Promise((r) => owner.once('spawn', r));
  const goneParent = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const goneParentPid = goneParent.pid!;
  await new Promise((r) => goneParent.once('close', r));
  const lock: RunLockFile = {
    pid: owner.pid!, start: processStart(owner.pid!)!, parent: { pid: goneParentPid, start: 'gone' }, since: new Date().toISOString(),
  };
  mkdirSync(path.dirname(runDir), { recursive: true });
  writeFileSync(runLockPath(runDir), JSON.stringify(lock));
  const sweep = startSweep(file, out);
  t.after(() => sweep.child.kill('SIGKILL'));
  await sweep.waitFor(new RegExp(`waiting for process ${owner.pid}, which trained this run for a sweep that has ended, to checkpoint and exit`));
  owner.kill('SIGKILL');
  const end = await sweep.exited;
  assert.equal(end.code, 0, end.stderr);
  checkFinished(out, end.stdout);

  // status.json says running, in a process that is gone (pid reused or not: another start).
  const s = status(out, id);
  writeFileSync(path.join(runDir, 'status.json'), JSON.stringify({ ...s, state: 'running', pid: process.pid, pidStart: 'another process' }));
  const listed = await startSweep(file, out, '--dry-run').exited;
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(`^1 +${id} +interrupted `, 'm'));
  assert.match(listed.stdout, /sweep kill \(id kill\): 1 run \(1 interrupted\)/);
});
