// annotations.json (a run's display name, star and labels): a good file is read; every kind of
// nonsense is ignored with a problem naming the file and what is wrong, and the run still reads;
// edits go through one rule; the display name wins over the generated label wherever one shows.
import { marked } from 'marked';
import { markdownCode } from '../../src/shared/formatting';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { annotateRun } from '../../src/shared/annotateRun';
import { applyAnnotationEdit, parseRunAnnotations, splitLabels } from '../../src/shared/runAnnotations';
import { shownRunLabel } from '../../src/shared/runLabels';
import { readRun } from '../../src/shared/runReading/readRun';
import { loadStudy } from '../../src/shared/runReading/loadStudy';
import { comparisonMarkdown, runLabel } from '../../src/shared/comparisonTable';
import { resolveRunConfig } from '../../src/shared/runConfig';
import { annotationMarks, readExperiments, runName } from '../../src/extension/experimentsModel';
import { runTooltipMarkdown } from '../../src/extension/runTooltip';
import { formatSummaryTable, summarizeRun } from '../../src/trainer/sweep/sweepSummary';

const FILE = '/w/.diffusion/runs/T250-ab12/annotations.json';

function runDir(t: { after: (fn: () => void) => void }, files: Record<string, string> = {}): string {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-annotations-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const dir = path.join(out, 'runs', 'T250-ab12');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify({ formatVersion: 1, state: 'done', createdAt: '2026-01-01T00:00:00Z', step: 3, epoch: 1, totalSteps: 3 }));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

test('a good annotations.json is read as written; unknown fields of version 1 are ignored', () => {
  const r = parseRunAnnotations(JSON.stringify({ version: 1, name: ' tiny T ', starred: true, labels: ['baseline', 'Baseline', ' keep '], comment: 'mine' }), FILE);
  assert.deepEqual(r, { ok: true, annotations: { version: 1, name: 'tiny T', starred: true, labels: ['baseline', 'keep'] } });
  assert.deepEqual(parseRunAnnotations('{"version":1}', FILE), { ok: true, annotations: { version: 1 } });
});

test('each kind of nonsense names the file and what is wrong', () => {
  const cases: Array<[string, string]> = [
    ['{"version":1,"name":', 'not valid JSON'],
    ['[1, 2]', 'not an object (got a list)'],
    ['{"name":"x"}', '"version" is missing'],
    ['{"version":2,"name":"x"}', '"version" is 2, this Diffusion Lab reads version 1'],
    ['{"version":1,"name":3}', '"name" must be a string, got 3'],
    ['{"version":1,"name":"two\\nlines"}', '"name" must be one line'],
    ['{"version":1,"starred":"yes"}', '"starred" must be true or false, got "yes"'],
    ['{"version":1,"labels":"a,b"}', '"labels" must be a list of strings, got "a,b"'],
    ['{"version":1,"labels":["a",7]}', '"labels"[1] must be a string, got 7'],
    ['{"version":1,"labels":["a,b"]}', '"labels"[0] "a,b" holds a comma'],
    ['{"version":1,"labels":[" "]}', '"labels"[0] is empty'],
  ];
  for (const [text, what] of cases) {
    const r = parseRunAnnotations(text, FILE);
    assert.equal(r.ok, false, text);
    if (r.ok) continue;
    assert.ok(r.problem.startsWith(`${FILE}: `), r.problem);
    assert.ok(r.problem.includes(what), `${text}: ${r.problem}`);
    assert.ok(r.problem.endsWith('; ignored'), r.problem);
  }
});

test('edits: rename and back, star and unstar, labels added, removed and deduplicated', () => {
  let a = applyAnnotationEdit(undefined, { name: 'short T', starred: true, addLabels: splitLabels('baseline, keep ,, baseline') });
  assert.deepEqual(a, { version: 1, name: 'short T', starred: true, labels: ['baseline', 'keep'] });
  a = applyAnnotationEdit(a, { name: '  ', starred: false, removeLabels: ['KEEP'] });
  assert.deepEqual(a, { version: 1, labels: ['baseline'] });
  a = applyAnnotationEdit(a, { name: null, labels: [] });
  assert.deepEqual(a, { version: 1 });
  assert.throws(() => applyAnnotationEdit(a, { addLabels: ['a,b'] }), /the label "a,b" holds a comma/);
  assert.throws(() => applyAnnotationEdit(a, { name: 'x'.repeat(81) }), /at most 80/);
});

test('the display name wins over the generated label, in the tree, the tooltip and the CLI table', async (t) => {
  assert.equal(shownRunLabel('T=250', { version: 1, name: 'short T' }), 'short T');
  assert.equal(shownRunLabel('T=250', { version: 1 }), 'T=250');
  assert.equal(shownRunLabel('T=250'), 'T=250');
  const dir = runDir(t, { 'annotations.json': JSON.stringify({ version: 1, name: 'short T', starred: true, labels: ['baseline', 'keep'] }) });
  const out = path.dirname(path.dirname(dir));
  const entry = (await readExperiments(out)).singleRuns[0]!;
  assert.equal(runName(entry), 'short T');
  assert.equal(runName({ ...entry, annotations: { version: 1 } }), 'T250-ab12', 'no name: the run id outside a sweep');
  assert.equal(runName({ generatedLabel: 'T=250' }), 'T=250', 'no name: the generated label in a sweep');
  assert.equal(runName({ generatedLabel: 'T=250', annotations: { version: 1, name: 'short T' } }), 'short T');
  assert.equal(annotationMarks(entry), '★ #baseline #keep');
  assert.match(runTooltipMarkdown(entry), /^★ \*\*short T\*\* \(T250-ab12\) — done\n\nLabels: #baseline #keep/);
  const table = formatSummaryTable([await summarizeRun({ runId: 'T250-ab12', varied: { timesteps: 250 } }, dir)], ['timesteps']);
  const [header, , row] = table.split('\n');
  assert.match(header!, /^run\s+name\s+labels\s+timesteps\s+state/);
  assert.match(row!, /^★ T250-ab12\s+short T\s+baseline, keep\s+250\s+done/);
});

test('a nonsense file: the run still reads, with a problem naming the file; editing refuses and keeps the file', async (t) => {
  const nonsense = '{"version":1,"starred":"yes"}';
  const dir = runDir(t, { 'annotations.json': nonsense });
  const reading = await readRun(dir);
  assert.equal(reading.state, 'done');
  assert.equal(reading.annotations, undefined);
  assert.equal(reading.annotationsProblem, `${path.join(dir, 'annotations.json')}: "starred" must be true or false, got "yes"; ignored`);
  assert.ok(!reading.problems.some((p) => p.includes('annotations.json')), `not a problem of the run itself: ${reading.problems.join('; ')}`);
  const entry = (await readExperiments(path.dirname(path.dirname(dir)))).singleRuns[0]!;
  assert.equal(entry.state, 'done');
  assert.equal(annotationMarks(entry), '⚠ annotations.json');
  await assert.rejects(annotateRun(dir, { starred: true }), /annotations\.json: "starred" must be true or false, got "yes": fix or delete it/);
  assert.equal(readFileSync(path.join(dir, 'annotations.json'), 'utf8'), nonsense, 'what the person typed is kept');
});

test('annotateRun writes the file whole and refuses a folder that is not a run directory', async (t) => {
  const dir = runDir(t);
  await annotateRun(dir, { name: 'mine', addLabels: ['a'] });
  await annotateRun(dir, { starred: true });
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'annotations.json'), 'utf8')), { version: 1, name: 'mine', labels: ['a'], starred: true });
  const notRun = path.dirname(dir);
  await assert.rejects(annotateRun(notRun, { starred: true }), new RegExp(`${notRun.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a run directory`));
});

test('loadStudy (the report) reads the annotations of each run; a nonsense file is a warning of its own, the run still reported', async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-annotations-study-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const config = resolveRunConfig({ channels: [4, 8], imgSize: 16, timesteps: 100 }, 'test');
  const sweepDir = path.join(out, 'sweeps', 's');
  mkdirSync(sweepDir, { recursive: true });
  writeFileSync(path.join(sweepDir, 'sweep.json'), JSON.stringify({
    sweepId: 's', name: 's', spec: { base: { channels: [4, 8], imgSize: 16, timesteps: 100 }, axes: { timesteps: [100, 200] } }, variedFields: ['timesteps'],
    runs: [
      { runId: 'named', varied: { timesteps: 100 }, axes: ['timesteps'], repeat: 0, config },
      { runId: 'garbled', varied: { timesteps: 200 }, axes: ['timesteps'], repeat: 0, config: { ...config, timesteps: 200 } },
    ],
  }));
  const status = JSON.stringify({ formatVersion: 1, state: 'done', createdAt: '2026-01-01T00:00:00Z', step: 3, epoch: 1, totalSteps: 3 });
  for (const [id, annotations] of [['named', '{"version":1,"name":"short T","starred":true,"labels":["baseline"]}'], ['garbled', '{"version": 2}']] as const) {
    mkdirSync(path.join(out, 'runs', id), { recursive: true });
    writeFileSync(path.join(out, 'runs', id, 'status.json'), status);
    writeFileSync(path.join(out, 'runs', id, 'annotations.json'), annotations);
  }
  const study = await loadStudy(sweepDir);
  const [named, garbled] = study.runs;
  assert.deepEqual(named!.annotations, { version: 1, name: 'short T', starred: true, labels: ['baseline'] });
  assert.equal(named!.annotationsProblem, undefined);
  assert.equal(garbled!.state, 'done');
  assert.equal(garbled!.annotations, undefined);
  assert.equal(garbled!.annotationsProblem, `${path.join(out, 'runs', 'garbled', 'annotations.json')}: "version" is 2, this Diffusion Lab reads version 1; ignored`);
  assert.ok(!garbled!.problems.some((p) => p.includes('annotations.json')), `not a problem of the run itself: ${garbled!.problems.join('; ')}`);
  assert.equal(runLabel(study, named!), 'short T');
  assert.equal(runLabel(study, garbled!), 'T=200');
  const table = comparisonMarkdown(study);
  assert.match(table, /^\| run \| name \| labels \| timesteps \| state \|/m);
  assert.match(table, /^\| ★ named \| short T \| baseline \| 100 \| done \|/m);
  assert.match(table, /^\| garbled \| {2}\| {2}\| 200 \| done \|/m);
});

test('a name or label holding backticks is quoted in the report as a code span that shows it as written (CommonMark, read by marked)', { timeout: 10_000 }, () => {
  const decode = (html: string) => html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const name of ['short T', 'a`b', '`quoted`', 'two `` ticks', '```', 'ends with `', '<b>not bold</b>']) {
    const html = marked.parseInline(`before ${markdownCode(name)} after`, { async: false }) as string;
    const code = /^before <code>(.*)<\/code> after$/.exec(html);
    assert.ok(code, `${name}: one code span in ${html}`);
    assert.equal(decode(code[1]!), name);
  }
});
