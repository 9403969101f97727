import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RUN_CONFIG, resolveRunConfig } from '../../src/shared/runConfig';
import { RUN_CONFIG_FIELDS, RUN_CONFIG_TABLE } from '../../src/shared/runConfigSchema';
import { CONFIG_FLAGS, configFromFlags, flagName, runFlagsHelp } from '../../src/trainer/cliArgs';

test('every run-config field has its flag, the field name in kebab case', () => {
  assert.deepEqual(RUN_CONFIG_FIELDS.filter((f) => !RUN_CONFIG_TABLE[f].flag), [], 'no field is config-file only today');
  assert.deepEqual(Object.values(CONFIG_FLAGS).map((f) => f.field), RUN_CONFIG_FIELDS);
  for (const [flag, { field }] of Object.entries(CONFIG_FLAGS)) {
    assert.match(flag, /^[a-z0-9]+(-[a-z0-9_]+)*$/, flag);
    assert.equal(flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), field);
  }
  assert.equal(flagName('samplingBatchNorm'), 'sampling-batch-norm');
  assert.equal(flagName('lr'), 'lr');
});

test('each flag reads its field\'s type: every default given as text comes back as itself', () => {
  const text = Object.fromEntries(Object.entries(CONFIG_FLAGS).map(([flag, { field }]) => {
    const v = DEFAULT_RUN_CONFIG[field];
    return [flag, Array.isArray(v) ? v.join(',') : String(v)];
  }));
  assert.deepEqual(resolveRunConfig(configFromFlags(text)), DEFAULT_RUN_CONFIG);
});

test('--help lists every run flag with what it takes and its default', () => {
  const help = runFlagsHelp();
  const entries = help.split(/\n(?=  --)/);
  assert.equal(entries.length, RUN_CONFIG_FIELDS.length);
  for (const [i, [flag, { field }]] of Object.entries(CONFIG_FLAGS).entries()) {
    const entry = entries[i]!.replace(/\s+/g, ' ');
    const spec = RUN_CONFIG_TABLE[field];
    assert.ok(entry.startsWith(` --${flag} `), entry);
    const shown = 'default' in spec ? String(spec.default) : 'the preset\'s';
    assert.ok(entry.endsWith(`; default ${shown}]`), `${flag}: ${entry}`);
    if ('enum' in spec) assert.ok(entry.includes(`one of ${spec.enum.join(', ')}`), entry);
  }
  assert.match(help.replace(/\s+/g, ' '), /--timesteps N T: number of diffusion steps, .* \[an integer of 2 or more; default 300\]/);
  for (const line of help.split('\n')) assert.ok(line.length <= 100, line);
});
