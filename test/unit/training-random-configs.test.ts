// Every config validation accepts trains to the end: random tiny configs drawn over each
// field's range as RUN_CONFIG_TABLE declares it (enums: any value; numbers: anywhere in their
// bounds), with only the sizes capped so that a run takes about a second on cpu. A config
// that validation refuses must say which field; one it accepts must end `done`, its final
// evaluations written, never failing for a reason a config check could have caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, resolveRunConfig, type RunConfig } from '../../src/shared/runConfig';
import { RUN_CONFIG_FIELDS, RUN_CONFIG_TABLE, type FieldSpec, type RunConfigField } from '../../src/shared/runConfigSchema';
import { readMetrics } from '../../src/shared/runReading/runFiles';
import { trainNewRun } from '../../src/trainer/training/trainRun';
import { writeImage } from '../helpers/imageFixtures';
import { seeded } from '../helpers/seededRandom';

type Draw = () => number;
const int = (r: Draw, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Draw, values: readonly T[]): T => values[Math.floor(r() * values.length)]!;

/**
 * Fields whose range is capped (sizes and counts: a run must stay tiny) or that need a value
 * from outside the table (a folder). Every other field is drawn from its table entry alone, so
 * a field added to the table is covered here without a change.
 */
const TINY: Partial<Record<RunConfigField, (r: Draw, folder: string) => unknown>> = {
  channels: (r) => Array.from({ length: int(r, 2, 4) }, () => int(r, 1, 6)),
  dataset: (r, folder) => pick(r, ['toy-cars', folder]),
  toyCarsCount: (r) => int(r, 1, 24),
  heldOutCount: (r) => int(r, 0, 6),
  imgSize: (r) => pick(r, [2, 4, 8, 16]),
  batchSize: (r) => int(r, 1, 6),
  timesteps: (r) => int(r, 2, 12),
  epochs: (r) => int(r, 1, 2),
  maxSteps: (r) => int(r, 0, 3),
  sampleEvery: (r) => int(r, 0, 2),
  sampleCount: (r) => int(r, 1, 4),
  seed: (r) => int(r, 0, 1000),
  // auto would pick wasm here; webgpu on SwiftShader is covered by the conformance suite.
  backend: (r) => pick(r, ['cpu', 'wasm']),
  ddimSteps: (r) => int(r, 1, 12),
  lrWarmupSteps: (r) => int(r, 0, 4),
  evalImages: (r) => int(r, 0, 4),
  evalTimesteps: (r) => int(r, 2, 12),
};

function fromTable(spec: FieldSpec, r: Draw): unknown {
  if (spec.enum) return pick(r, spec.enum);
  const low = spec.minimum ?? spec.exclusiveMinimum ?? 0;
  if (spec.type === 'integer') return int(r, low, low + 8);
  if (spec.type === 'number') {
    // Up to but not including an exclusive maximum; unbounded fields (lr, huberDelta) over a few decades.
    const high = spec.exclusiveMaximum ?? 1;
    const v = spec.exclusiveMaximum !== undefined ? low + r() * (high - low) : 10 ** (-4 + 4 * r());
    return v === low && spec.exclusiveMinimum !== undefined ? (low + high) / 2 : v;
  }
  throw new Error(`no way to draw a ${spec.type} field: add it to TINY`);
}

function randomConfig(r: Draw, folder: string): Record<string, unknown> {
  return Object.fromEntries(RUN_CONFIG_FIELDS.map((f) => [f, TINY[f] ? TINY[f]!(r, folder) : fromTable(RUN_CONFIG_TABLE[f], r)]));
}

const CONFIGS = 60;

test(`${CONFIGS} random tiny configs: refused naming a field, or trained to the end`, { timeout: 600_000 }, async (t) => {
  const out = mkdtempSync(path.join(tmpdir(), 'dl-random-configs-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  // A folder in Stanford Cars' layout, so every datasetSplit has images; sizes vary for imageFit.
  const folder = path.join(out, 'stanford_cars');
  for (let i = 0; i < 12; i++) await writeImage(path.join(folder, i < 6 ? 'cars_train' : 'cars_test', `car-${i}.png`), 20 + i, 16, i, 'png');

  const r = seeded(20261202);
  let trained = 0;
  const refusedBy = new Map<string, number>();
  for (let i = 0; trained < CONFIGS; i++) {
    assert.ok(i < CONFIGS * 20, `only ${trained} of ${i} random configs were accepted: the generator draws too few valid ones`);
    const raw = randomConfig(r, folder);
    let config: RunConfig;
    try {
      config = resolveRunConfig(raw, `random config ${i}`);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `config ${i} threw ${String(err)}`);
      const field = RUN_CONFIG_FIELDS.find((f) => new RegExp(`: ${f}\\b|\\b${f} `).test(err.message));
      assert.ok(field, `the refusal of config ${i} names no field: ${err.message}`);
      refusedBy.set(field, (refusedBy.get(field) ?? 0) + 1);
      continue;
    }
    const outcome = await trainNewRun(config, out, {}, `r${i}`);
    // How many images a folder holds is known only once it is read: too few for one batch is
    // the data's fault, refused at setup before any step (nothing a config check can know).
    if (config.dataset === folder && outcome.state === 'failed' && /training images, fewer than one batch of/.test(outcome.error ?? '')) {
      assert.ok(!(await readMetrics(outcome.runDir)).some((m) => m.kind === 'step'), `config ${i} failed for its data before training`);
      refusedBy.set('(folder too small)', (refusedBy.get('(folder too small)') ?? 0) + 1);
      continue;
    }
    assert.equal(outcome.state, 'done', `config ${i} ${JSON.stringify(raw)} was accepted but ended ${outcome.state}: ${outcome.error}`);
    const kinds = new Set((await readMetrics(outcome.runDir)).map((m) => m.kind));
    assert.ok(kinds.has('step') && kinds.has('timing'), `config ${i} wrote its steps and timings`);
    trained++;
  }
  t.diagnostic(`trained ${trained}; refused by ${[...refusedBy].map(([f, n]) => `${f} ${n}`).join(', ')}`);
});
