import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkSweepText } from '../../src/shared/sweepChecks/checkSweepText';
import { spanOfSweepProblem } from '../../src/extension/sweepProblemLocation';

/** Each problem with the text it underlines. */
function check(text: string, options = {}) {
  return checkSweepText(text, '/w/x.sweep.json', options).problems.map((p) => {
    const span = spanOfSweepProblem(text, p);
    return { ...p, underlined: text.slice(span.offset, span.offset + span.length), exact: span.exact };
  });
}

test('a misspelt field: an error with the likely name, its key underlined, a rename as the fix', { timeout: 10_000 }, () => {
  const [p, ...rest] = check('{\n  "base": { "imgSize": 16, "activaton": "silu" }\n}\n');
  assert.equal(rest.length, 0);
  assert.match(p!.message, /^base: unknown field "activaton" \(did you mean "activation"\?\)/);
  assert.deepEqual(p!.path, ['base', 'activaton']);
  assert.equal(p!.underlined, '"activaton"');
  assert.deepEqual(p!.fix, { kind: 'rename', name: 'activation' });
});

test('an image size the U-Net cannot halve: the value underlined, the nearest valid size as the fix', { timeout: 10_000 }, () => {
  const [p, ...rest] = check('{ "base": { "imgSize": 15 } }');
  assert.equal(rest.length, 0);
  assert.equal(p!.message, 'run (base): imgSize 15 is not divisible by 2^4 = 16 (the U-Net halves the image 4 times)');
  assert.equal(p!.underlined, '15');
  assert.deepEqual(p!.fix, { kind: 'replace', value: 16 });

  const axis = check('{ "base": { "preset": "small" }, "axes": { "imgSize": [16, 20, 32] } }');
  assert.equal(axis.length, 1);
  assert.deepEqual(axis[0]!.path, ['axes', 'imgSize', 1]);
  assert.equal(axis[0]!.underlined, '20');
  assert.ok(axis[0]!.fix?.kind === 'replace' && (axis[0]!.fix.value as number) % 8 === 0, JSON.stringify(axis[0]!.fix));
});

test('a problem in base is reported once, not once per run', { timeout: 10_000 }, () => {
  const problems = check('{ "base": { "imgSize": 15 }, "axes": { "timesteps": [100, 200, 300] } }');
  assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
  assert.equal(problems[0]!.underlined, '15');
});

test('a cross-field rule points at the field to change, in the run that breaks it', { timeout: 10_000 }, () => {
  const text = '{ "base": { "sampler": "ddim", "ddimSteps": 100 }, "axes": { "timesteps": [50, 300] } }';
  const [p, ...rest] = check(text);
  assert.equal(rest.length, 0);
  assert.match(p!.message, /^run \(timesteps=50\): ddimSteps must be at most timesteps \(50\)/);
  assert.equal(p!.underlined, '100');
  assert.deepEqual(p!.fix, { kind: 'replace', value: 50 });
  // The schema cannot say "not both": the field varied twice is underlined in axes.
  const both = check('{ "axes": { "imgSize": [16, 32] }, "grid": { "imgSize": [64] } }');
  assert.equal(both.length, 1);
  assert.match(both[0]!.message, /^axes\.imgSize: imgSize is also in grid/);
  assert.equal(both[0]!.underlined, '[16, 32]');
});

test('a misspelt value gets a suggestion; a far-off one does not', { timeout: 10_000 }, () => {
  const [close] = check('{ "axes": { "activation": ["silu", "gelu", "sillu"] } }');
  assert.match(close!.message, /^axes\.activation\[2\]: "sillu" \(a string\) is not allowed \(did you mean "silu"\?\)/);
  assert.equal(close!.underlined, '"sillu"');
  assert.deepEqual(close!.fix, { kind: 'replace', value: 'silu' });
  const [far] = check('{ "base": { "activation": "swish" } }');
  assert.equal(far!.fix, undefined);
});

test('a dataset folder that does not exist, relative to where the trainer reads it', { timeout: 10_000 }, (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'dl-check-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(path.join(root, 'cars'));
  const text = '{ "base": { "imgSize": 16 }, "axes": { "dataset": ["cars", "trucks"] } }';
  const problems = check(text, { datasetRoot: root });
  assert.deepEqual(problems.map((p) => p.message), [`dataset: the folder "trucks" does not exist (relative paths are read from ${root})`]);
  assert.equal(problems[0]!.underlined, '"trucks"');
  assert.deepEqual(check(text), [], 'without a folder to read from, folders are not checked');
  // The editor watches these, found or not, to check the file again when one appears or goes.
  assert.deepEqual(checkSweepText(text, 'x.sweep.json', { datasetRoot: root }).datasetFolders, [path.join(root, 'cars'), path.join(root, 'trucks')]);
  assert.deepEqual(checkSweepText('{ "base": { "imgSize": 16 } }', 'x.sweep.json', { datasetRoot: root }).datasetFolders, [], 'the toy cars are no folder');
});

test('not JSON: the line and column, underlined where parsing stopped', { timeout: 10_000 }, () => {
  const text = '{\n  "name": "x",\n}\n';
  const [p] = check(text);
  assert.match(p!.message, /^not valid JSON: .* at line 3, column 1$/);
  assert.equal(p!.underlined, '}');
});

test('a good file has no problems and resolves its runs', { timeout: 10_000 }, () => {
  const result = checkSweepText('{ "base": { "preset": "small", "imgSize": 16 }, "axes": { "loss": ["l1", "l2"] } }', '/w/two.sweep.json');
  assert.deepEqual(result.problems, []);
  assert.equal(result.sweep?.runs.length, 2);
  assert.equal(result.sweep?.name, 'two');
});

test('a misspelt field does not hide the next problem: the rest is checked as if it were spelt right', { timeout: 10_000 }, () => {
  const text = '{ "base": { "imgSize": 15, "activaton": "silu" } }';
  assert.deepEqual(check(text).map((p) => p.underlined), ['"activaton"', '15']);
  // Its value is checked under the suggested name.
  assert.match(check('{ "base": { "activaton": "swish" } }').map((p) => p.message).join('\n'), /^base: unknown field "activaton"[^\n]*$/);
  const wrongValue = check('{ "base": { "imgSize": 15, "activaton": 3 } }');
  assert.equal(wrongValue.length, 1, 'a renamed field the schema rejects: only the spelling is reported');
});
