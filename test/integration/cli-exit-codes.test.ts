// Exit codes as the README states them, for every subcommand: 0 done, 1 the run failed,
// 2 bad input (the message names the flag, field or file at fault).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '../../dist/cli.js');
const dir = mkdtempSync(path.join(tmpdir(), 'dl-exit-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const notJson = path.join(dir, 'broken');
writeFileSync(path.join(dir, 'bad.sweep.json'), '{ "name": "x", ');
const aFile = path.join(dir, 'a-file');
writeFileSync(aFile, 'not a folder');

const TINY = ['--channels', '4,8', '--img-size', '16', '--batch-size', '8', '--toy-cars-count', '32', '--held-out-count', '0', '--timesteps', '20', '--sample-count', '4', '--backend', 'wasm'];

/** [arguments, exit code, what stderr must say]. */
const CASES: [string[], number, RegExp][] = [
  [['--help'], 0, /^$/],
  [['--version'], 0, /^$/],
  [[], 2, /^$/],
  [['bogus'], 2, /unknown command "bogus" \(valid: train, resume/],
  [['train', '--img-size', '15'], 2, /imgSize 15 is not divisible by 2\^4 = 16/],
  [['train', '--activaton', 'relu'], 2, /Unknown option '--activaton'/],
  [['train', '--backend', 'webgl'], 2, /backend "webgl" is not known \(valid: auto, tensorflow, webgpu, wasm, cpu\)/],
  [['train', '--config', path.join(dir, 'missing.json')], 2, /missing\.json/],
  [['train', ...TINY, '--lr', '1e30', '--epochs', '50', '--out', dir], 1, /run failed: loss became NaN at step \d+/],
  [['train', '--eval-timesteps', '1'], 2, /evalTimesteps must be an integer of 2 or more, got 1/],
  [['resume'], 2, /resume needs --run DIR/],
  [['resume', '--run', path.join(dir, 'missing')], 2, /missing[/\\]status\.json: cannot read \(ENOENT\); is .* a run directory\?/],
  [['resume', '--run', dir, '--backend', 'webgl'], 2, /backend "webgl" is not known/],
  [['sample', '--run', path.join(dir, 'missing')], 2, /missing[/\\]config\.json: cannot read \(ENOENT\)/],
  [['sample', '--run', dir, '--count', '0'], 2, /--count must be positive, got 0/],
  [['info', '--img-size', '15'], 2, /imgSize 15 is not divisible/],
  [['schedule', '--timesteps', '1'], 2, /timesteps must be an integer of 2 or more, got 1/],
  [['env', '--bogus'], 2, /Unknown option '--bogus'/],
  [['demo', '--out', path.join(aFile, 'out')], 2, /--out .*a-file[/\\]out: cannot write there \(ENOTDIR\)/],
  [['sweep', path.join(dir, 'missing.sweep.json')], 2, /missing\.sweep\.json: cannot read \(ENOENT\)/],
  [['sweep', path.join(dir, 'bad.sweep.json')], 2, /bad\.sweep\.json/],
  [['report', '--sweep', notJson], 2, /broken is not a sweep directory/],
];

for (const [args, code, stderr] of CASES) {
  test(`diffusion-lab ${args.join(' ').replaceAll(dir, 'TMP') || '(no command)'} exits ${code}`, { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: dir, timeout: 110_000 });
    assert.equal(r.status, code, r.stderr);
    assert.match(r.stderr, stderr);
  });
}
