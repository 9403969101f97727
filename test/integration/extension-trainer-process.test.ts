// TrainerProcess against a trainer that misbehaves: junk on stdout, malformed IPC messages,
// a crash with a long stderr. The extension must log and drop what it cannot read, keep
// listening, and report the crash with the trainer's last words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TrainerProcess } from '../../src/extension/trainerProcess';
import type { TrainerMessage } from '../../src/shared/messages';

function fakeTrainer(t: { after: (fn: () => void) => void }, body: string): { script: string; cwd: string } {
  const cwd = mkdtempSync(path.join(tmpdir(), 'dl-fake-trainer-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  const script = path.join(cwd, 'trainer.js');
  writeFileSync(script, body);
  return { script, cwd };
}

function listen(launch: { script: string; cwd: string }) {
  const messages: TrainerMessage[] = [];
  const bad: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const trainer = new TrainerProcess(launch, {
    onMessage: (m) => messages.push(m),
    onBadMessage: (reason) => bad.push(reason),
    onOutput: (line, stream) => (stream === 'stdout' ? stdout : stderr).push(line),
  });
  return { trainer, messages, bad, stdout, stderr };
}

test('junk on stdout and malformed IPC messages are logged and dropped; the valid messages around them still arrive', async (t) => {
  const heard = listen(fakeTrainer(t, `
    process.stdout.write(Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a]));
    process.stdout.write('x'.repeat(200000) + '\\n');
    process.stdout.write('no newline at the end');
    const send = (m) => new Promise((r) => process.send(m, r));
    (async () => {
      await send({ type: 'log', line: 'first' });
      await send('just a string');
      await send(null);
      await send({ type: 'telemetry', data: 1 });
      await send({ type: 'log', line: 42 });
      await send({ type: 'event', event: { type: 'step', runId: 'r', step: 'one' } });
      await send({ type: 'event', event: { type: 'no-such-event' } });
      await send({ type: 'log', line: 'last' });
      process.disconnect();
    })();
  `));
  const exit = await heard.trainer.exited;
  assert.equal(exit.code, 0);
  assert.deepEqual(heard.messages, [{ type: 'log', line: 'first' }, { type: 'log', line: 'last' }]);
  assert.equal(heard.bad.length, 6, heard.bad.join('\n'));
  assert.match(heard.bad[0]!, /not an object/);
  assert.match(heard.bad[2]!, /unknown message type/);
  assert.match(heard.bad[3]!, /line must be a string/);
  assert.match(heard.bad[4]!, /step: bad step/, 'the field at fault is named');
  assert.match(heard.bad[5]!, /unknown event type/);
  assert.equal(heard.stdout.length, 3, 'every stdout line, the last one without its newline too');
  assert.equal(heard.stdout[1]!.length, 200000);
  assert.equal(heard.stdout[2], 'no newline at the end');
});

test('a trainer that crashes is reported with its exit code and only the last lines of its stderr', async (t) => {
  const heard = listen(fakeTrainer(t, `
    for (let i = 1; i <= 40; i++) process.stderr.write('trace line ' + i + '\\n');
    process.stderr.write('Error: out of memory\\n');
    process.exitCode = 134;
  `));
  const exit = await heard.trainer.exited;
  assert.equal(exit.code, 134);
  assert.equal(exit.stopRequested, false);
  assert.equal(heard.stderr.length, 41, 'the Output channel gets every line');
  assert.ok(exit.stderrTail.length <= 12 && exit.stderrTail.length >= 5, `${exit.stderrTail.length} lines kept`);
  assert.equal(exit.stderrTail.at(-1), 'Error: out of memory');
  assert.equal(exit.stderrTail.at(-2), 'trace line 40');
});

test('a trainer that ignores stop is killed after the timeout and says so', async (t) => {
  const heard = listen(fakeTrainer(t, `
    process.on('message', () => {});
    process.on('SIGTERM', () => {});
    process.send({ type: 'log', line: 'ready' });
    setInterval(() => {}, 1000);
  `));
  while (heard.messages.length === 0) await new Promise((r) => setTimeout(r, 20));
  heard.trainer.stop(300);
  const exit = await heard.trainer.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(exit.forced, true);
  assert.equal(exit.stopRequested, true);
});
