// The results panel's host-side pieces that need no VS Code: tailing metrics.jsonl, loss
// points with wall time over resumed sessions, notes saved with conflict detection, and
// the webview's debiased smoothing.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { LossSeries } from '../../src/extension/panel/lossSeries';
import { MetricsTail } from '../../src/shared/runReading/metricsTail';
import { NotesFile, versionOf } from '../../src/extension/panel/notesFile';
import { targetOfNotesFile } from '../../src/extension/panel/panelSources';
import type { MetricRecord } from '../../src/shared/runDirectory';
import { emaSmooth } from '../../src/shared/smoothing';

const dir = mkdtempSync(path.join(tmpdir(), 'dl-panel-host-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const step = (s: number, loss: number, wallMs: number): MetricRecord => ({ kind: 'step', step: s, epoch: 0, loss, ms: 1, imagesPerSec: 1, wallMs });

describe('MetricsTail', () => {
  it('reads only what was appended, holding back a line still being written', async () => {
    const file = path.join(dir, 'metrics.jsonl');
    writeFileSync(file, JSON.stringify(step(1, 0.9, 10)) + '\n' + '{"kind":"step","st');
    const tail = new MetricsTail(file);
    const first = await tail.read();
    assert.deepEqual(first.records.map((r) => (r as { step: number }).step), [1]);
    appendFileSync(file, 'ep":2,"epoch":0,"loss":0.8,"ms":1,"imagesPerSec":1,"wallMs":20}\n');
    const second = await tail.read();
    assert.equal(second.reset, false);
    assert.deepEqual(second.records.map((r) => (r as { step: number }).step), [2]);
    assert.deepEqual((await tail.read()).records, []);
  });

  it('starts over when the file is replaced by a shorter one', async () => {
    const file = path.join(dir, 'replaced.jsonl');
    writeFileSync(file, [step(1, 1, 1), step(2, 1, 2)].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const tail = new MetricsTail(file);
    await tail.read();
    writeFileSync(file, JSON.stringify(step(1, 0.5, 1)) + '\n');
    const again = await tail.read();
    assert.equal(again.reset, true);
    assert.equal(again.records.length, 1);
  });

  it('reads no file as no records, and throws for one it cannot read rather than show none', async () => {
    assert.deepEqual(await new MetricsTail(path.join(dir, 'absent.jsonl')).read(), { records: [], reset: false, problems: [] });
    writeFileSync(path.join(dir, 'not-a-run'), '');
    await assert.rejects(new MetricsTail(path.join(dir, 'not-a-run', 'metrics.jsonl')).read(), /ENOTDIR/);
  });
});

describe('LossSeries', () => {
  it('adds up wall time over the sessions of a resumed run and sends only new points', () => {
    const s = new LossSeries('r');
    s.add([step(1, 0.9, 1000), step(2, 0.8, 2000)], false);
    assert.deepEqual(s.take(), { runId: 'r', reset: true, step: [1, 2], wallSec: [1, 2], loss: [0.9, 0.8] });
    // Resumed: wallMs starts again at 0.
    s.add([step(3, 0.7, 500)], false);
    assert.deepEqual(s.take(), { runId: 'r', reset: false, step: [3], wallSec: [2.5], loss: [0.7] });
    assert.equal(s.take(), undefined);
    s.resend();
    assert.deepEqual(s.take()?.step, [1, 2, 3]);
  });
});

describe('NotesFile', () => {
  it('saves atomically, and refuses when the file changed on disk since the version edited', async () => {
    const file = path.join(dir, 'runs', 'r1', 'notes.md');
    const notes = new NotesFile(file);
    const empty = await notes.read();
    assert.equal(empty.text, '');
    const saved = await notes.save('# mine\n', empty.version);
    assert.deepEqual(saved, { kind: 'saved', version: versionOf('# mine\n') });
    assert.equal(readFileSync(file, 'utf8'), '# mine\n');
    writeFileSync(file, '# edited in a text editor\n');
    const refused = await notes.save('# mine, more\n', saved.version);
    assert.deepEqual(refused, { kind: 'conflict', text: '# edited in a text editor\n', version: versionOf('# edited in a text editor\n') });
    assert.equal(readFileSync(file, 'utf8'), '# edited in a text editor\n');
    assert.equal((await notes.save('# mine, more\n', saved.version, true)).kind, 'saved');
    assert.equal(readFileSync(file, 'utf8'), '# mine, more\n');
  });

  it('takes a notes.md it cannot read for neither empty nor saves over it', async () => {
    const file = path.join(dir, 'runs', 'r2', 'notes.md');
    mkdirSync(file, { recursive: true }); // a folder where the file goes: unreadable as a file, whoever runs the test
    const notes = new NotesFile(file);
    await assert.rejects(notes.read(), /EISDIR/);
    await assert.rejects(notes.save('# mine\n', versionOf('')), /EISDIR/);
    assert.ok(statSync(file).isDirectory());
  });

  it('knows whose notes a notes.md is', () => {
    assert.deepEqual(targetOfNotesFile('/w/.diffusion/runs/T300-ab/notes.md'), { kind: 'run', runDir: '/w/.diffusion/runs/T300-ab' });
    assert.deepEqual(targetOfNotesFile('/w/.diffusion/sweeps/demo/notes.md'), { kind: 'sweep', sweepDir: '/w/.diffusion/sweeps/demo' });
    assert.equal(targetOfNotesFile('/w/docs/notes.md'), undefined);
    assert.equal(targetOfNotesFile('/w/.diffusion/runs/T300-ab/README.md'), undefined);
  });
});

describe('emaSmooth (TensorBoard)', () => {
  it('is debiased: the first value is kept, later ones move towards the data', () => {
    const out = new Float64Array(3);
    emaSmooth([1, 0, 0], 0.5, out);
    assert.equal(out[0], 1);
    // last = 0.25 after two steps, debias 1 - 0.25 = 0.75.
    assert.ok(Math.abs(out[1]! - (0.25 / 0.75)) < 1e-12);
    const none = new Float64Array(3);
    emaSmooth([3, 1, 2], 0, none);
    assert.deepEqual([...none], [3, 1, 2]);
  });

  it('continues from its state: appending gives the same line as smoothing all at once', () => {
    const values = Array.from({ length: 50 }, (_, i) => Math.sin(i) + i / 10);
    const whole = new Float64Array(50);
    emaSmooth(values, 0.9, whole);
    const parts = new Float64Array(50);
    const state = emaSmooth(values.slice(0, 20), 0.9, parts);
    emaSmooth(values, 0.9, parts, 20, state);
    assert.deepEqual([...parts], [...whole]);
  });
});
