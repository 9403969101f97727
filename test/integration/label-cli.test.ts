// `diffusion-lab label` through the built CLI on a real (tiny, 8 px, 2 steps) sweep: the name,
// star and labels it writes show in the sweep table and the report; bad input exits 2 naming
// what is wrong; an annotations.json edited into nonsense is ignored with a warning naming it,
// and its run is still in the table and the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ResolvedSweepFile } from '../../src/shared/sweepSpec';
import { CLI, cli, readJson, tempOut } from '../helpers/cli';

const TINY_SWEEP = {
  name: 'tiny',
  base: {
    channels: [4, 8], imgSize: 8, batchSize: 4, toyCarsCount: 16, heldOutCount: 0, timesteps: 50, epochs: 1, maxSteps: 2,
    sampleEvery: 0, sampleCount: 1, backend: 'cpu', evalImages: 0,
  },
  axes: { timesteps: [50, 60] },
};

test('label writes annotations.json; the sweep table and the report show the name, star and labels', { timeout: 3 * 60_000 }, (t) => {
  assert.ok(existsSync(CLI), 'dist/cli.js missing: npm run build');
  const dir = tempOut(t, 'dl-label-');
  const file = path.join(dir, 'tiny.sweep.json');
  writeFileSync(file, JSON.stringify(TINY_SWEEP));
  const out = path.join(dir, 'out');
  const trained = cli(['sweep', file, '--out', out, '--yes']);
  assert.equal(trained.code, 0, trained.stderr);
  const [t50, t60] = readJson<ResolvedSweepFile>(path.join(out, 'sweeps/tiny/sweep.json')).runs.map((r) => path.join(out, 'runs', r.runId));
  const annotations = (run: string) => path.join(run!, 'annotations.json');

  // No edit flag: shows what there is (nothing yet), writes nothing.
  const shown = cli(['label', '--run', t50!]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(shown.stdout, '{"version":1}\n');
  assert.equal(existsSync(annotations(t50!)), false);

  const labelled = cli(['label', '--run', t50!, '--name', ' short T ', '--star', '--add', 'baseline, keep', '--add', 'drop']);
  assert.equal(labelled.code, 0, labelled.stderr);
  const removed = cli(['label', '--run', t50!, '--remove', 'DROP']);
  assert.equal(removed.code, 0, removed.stderr);
  const expected = { version: 1, name: 'short T', starred: true, labels: ['baseline', 'keep'] };
  assert.deepEqual(JSON.parse(removed.stdout), expected);
  assert.deepEqual(readJson(annotations(t50!)), expected);

  // Bad input: exit 2, the message names what is wrong, nothing written.
  const notRun = cli(['label', '--run', path.join(out, 'runs'), '--star']);
  assert.equal(notRun.code, 2);
  assert.match(notRun.stderr, new RegExp(`${escape(path.join(out, 'runs'))}: not a run directory`));
  const both = cli(['label', '--run', t60!, '--star', '--unstar']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--star and --unstar: give one of them/);
  const long = cli(['label', '--run', t60!, '--add', 'x'.repeat(41)]);
  assert.equal(long.code, 2);
  assert.match(long.stderr, /the label "x{20}…" is 41 characters long, at most 40/);
  const newline = cli(['label', '--run', t60!, '--name', 'two\nlines']);
  assert.equal(newline.code, 2);
  assert.match(newline.stderr, /the name must be one line/);
  assert.equal(existsSync(annotations(t60!)), false);

  // T60's file edited by hand into nonsense: kept as typed, the run still shows, a warning names the file.
  const nonsense = '{"version":1,"starred":"yes"}\n';
  writeFileSync(annotations(t60!), nonsense);
  const refused = cli(['label', '--run', t60!, '--star']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, new RegExp(`${escape(annotations(t60!))}: "starred" must be true or false, got "yes": fix or delete it`));
  assert.equal(readFileSync(annotations(t60!), 'utf8'), nonsense);

  // Done runs are skipped; the table at the end shows the annotations.
  const again = cli(['sweep', file, '--out', out, '--yes']);
  assert.equal(again.code, 0, again.stderr);
  const lines = again.stdout.split('\n');
  const header = lines.find((l) => l.startsWith('run '));
  assert.match(header ?? '', /^run\s+name\s+labels\s+timesteps\s+state/, again.stdout);
  assert.match(lines.find((l) => l.includes(path.basename(t50!))) ?? '', new RegExp(`^★ ${path.basename(t50!)}\\s+short T\\s+baseline, keep\\s+50\\s+done`));
  assert.match(lines.find((l) => l.includes(path.basename(t60!))) ?? '', new RegExp(`^  ${path.basename(t60!)}\\s+60\\s+done`), 'the run with the ignored file is still listed');
  assert.match(again.stderr, new RegExp(`warning: ${escape(annotations(t60!))}: "starred" must be true or false, got "yes"; ignored`));

  const report = cli(['report', '--sweep', path.join(out, 'sweeps/tiny'), '--format', 'md']);
  assert.equal(report.code, 0, report.stderr);
  assert.match(report.stderr, new RegExp(`report: warning: ${escape(annotations(t60!))}: .*; ignored`));
  const md = readFileSync(path.join(out, 'sweeps/tiny/report.md'), 'utf8');
  // The comparison table: ★ by the run id, then its name and labels.
  assert.match(md, new RegExp(`^\\| ★ ${path.basename(t50!)} \\| short T \\| baseline, keep \\| 50 \\| done \\|`, 'm'));
  assert.match(md, new RegExp(`^\\| ${path.basename(t60!)} \\|  \\|  \\| 60 \\| done \\|`, 'm'));
  // Each run's section: the name wherever its generated label would be, the star and the labels.
  assert.match(md, /^★ `short T` · done · trained in .* · labels: `baseline` `keep`$/m);
  assert.match(md, /^`T=60` · done · trained in [^·]*$/m);
  assert.match(md, /!\[short T: final samples\]/);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
