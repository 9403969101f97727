// `npm run demo` for real: the shipped demo sweep (faithful and improved, 16 px toy cars) to the
// end, about 4 minutes on 2 cores. What a new user is promised: both runs done, their SWD printed
// with the real-against-real floor, the improved samples within 1.5x of that floor and better than
// the faithful ones, and grids over training time on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../src/shared/runReading/readRun';
import { CLI, tempOut } from '../helpers/cli';

test('npm run demo trains faithful and improved side by side and prints each SWD with its floor', { timeout: 20 * 60_000 }, async (t) => {
  const out = tempOut(t, 'dl-demo-');
  const r = spawnSync(process.execPath, [CLI, 'demo', '--out', out], { encoding: 'utf8', timeout: 19 * 60_000 });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  assert.match(r.stdout, /SWD\s+floor/, 'the sweep table has the SWD and its floor');

  const printed = new Map<string, { swd: number; floor: number }>();
  for (const m of r.stderr.matchAll(/^ {2}recipe=(faithful|improved)(?: \(base\))?\s+SWD\s+([\d.]+)\s+floor ([\d.]+)/gm)) {
    printed.set(m[1]!, { swd: Number(m[2]), floor: Number(m[3]) });
  }
  assert.deepEqual([...printed.keys()].sort(), ['faithful', 'improved'], r.stderr.slice(-2000));
  const faithful = printed.get('faithful')!;
  const improved = printed.get('improved')!;
  assert.ok(improved.swd <= 1.5 * improved.floor, `improved SWD ${improved.swd} is more than 1.5x its floor ${improved.floor}`);
  assert.ok(faithful.swd > improved.swd, `faithful SWD ${faithful.swd} should be worse than improved ${improved.swd}`);

  const runs = readdirSync(path.join(out, 'runs')).sort();
  assert.equal(runs.length, 2);
  for (const id of runs) {
    const dir = path.join(out, 'runs', id);
    const reading = await readRun(dir);
    assert.equal(reading.state, 'done', id);
    assert.ok(existsSync(path.join(dir, 'samples', 'grid-final.png')), `${id}: final grid`);
    assert.ok(reading.measures.previews.filter((p) => p.grid && p.swd).length >= 3, `${id}: grids with their SWD over training`);
    const printedSwd = printed.get(reading.configFile!.config.recipe)!.swd;
    assert.equal(Number(reading.measures.swd!.average.toPrecision(3)), printedSwd, `${id}: the printout is the run's own figure`);
    // The improved recipe keeps a weight average: its raw weights are sampled and scored too.
    const ema = reading.configFile!.config.emaDecay > 0;
    assert.equal(existsSync(path.join(dir, 'samples', 'grid-final-raw.png')), ema, `${id}: raw-weights grid only with an EMA`);
    assert.equal(reading.measures.swdRaw !== undefined, ema);
  }
});
