// Group by and Export CSV (issue 17) in code-server through Chromium, on a tiny sweep trained
// by the CLI beforehand (8 px, 2 epochs; T 10 and T 12, each with two seeds: repeats 2). The
// Compare tab grouped by T: a row per T with n 2 and mean ± std of what the run directories'
// metrics.jsonl give (computed here in plain float64), the plot's points at the means with
// ± std bars; the Loss tab's mean ± std band; Export CSV through the save dialog, which starts
// in the sweep's folder, and pandas reading the file with no options: a row per T.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { COMPARE_MEASURES } from '../../src/shared/compareMeasures';
import { cli, readJson, readMetrics } from '../helpers/cli';
import { pythonOrSkip } from '../helpers/python';
import { readCsvInPython } from '../helpers/pythonCsv';
import { openWorkbench, ROOT, screenshotter } from './codeServer';
import { clickPick, openDiffusionLabView, runCommand, until, waitForRows, webviewFrame } from './workbench';

const SWEEP = {
  name: 'groups',
  base: {
    preset: 'small', channels: [4, 8], dataset: 'toy-cars', toyCarsCount: 16, heldOutCount: 4, heldOutFraction: 0.25, imgSize: 8, batchSize: 4,
    epochs: 2, sampleEvery: 2, sampleCount: 2, previewCount: 2, evalImages: 4, evalTimesteps: 4, backend: 'cpu',
  },
  axes: { timesteps: [10, 12] },
  repeats: 2,
};

/** The measures checked, as the Compare tab's cells and the CSV's columns name them. */
const CHECKED = ['finalLoss', 'bestLoss', 'bitsPerDim', 'swd'] as const;
type Checked = typeof CHECKED[number];

/** A run as its directory says, without the code under test: step losses per epoch and the eval records. */
interface RunOnDisk {
  runId: string;
  timesteps: number;
  state: string;
  /** Loss of each step, by step number. */
  stepLoss: Map<number, number>;
  measures: Record<Checked, number>;
}

function readRun(runDir: string): RunOnDisk {
  const records = readMetrics(runDir) as unknown as Array<Record<string, unknown>>;
  const steps = records.filter((r) => r.kind === 'step') as Array<{ step: number; epoch: number; loss: number }>;
  const epochs = [...new Set(steps.map((s) => s.epoch))];
  const epochMean = (e: number) => mean(steps.filter((s) => s.epoch === e).map((s) => s.loss));
  const evalOf = (metric: string) => records.find((r) => r.kind === 'eval' && r.metric === metric)!;
  return {
    runId: path.basename(runDir),
    timesteps: readJson<{ config: { timesteps: number } }>(path.join(runDir, 'config.json')).config.timesteps,
    state: readJson<{ state: string }>(path.join(runDir, 'status.json')).state,
    stepLoss: new Map(steps.map((s) => [s.step, s.loss])),
    measures: {
      // Final loss: the mean step loss of the last epoch; best: the lowest epoch mean.
      finalLoss: epochMean(epochs[epochs.length - 1]!),
      bestLoss: Math.min(...epochs.map(epochMean)),
      bitsPerDim: evalOf('bitsPerDim').total as number,
      swd: evalOf('swd').average as number,
    },
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation (n - 1). */
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
/** What a cell showing `v` to 4 significant digits holds, as a number. */
const shown = (v: number) => Number(v.toPrecision(4));

test('Compare grouped by T: mean ± std rows, ± std bars, a loss band; Export CSV saves in the sweep folder and pandas reads a row per group', { timeout: 4 * 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'dist/extension.js')) && existsSync(path.join(ROOT, 'dist/cli.js')), 'dist/ missing: npm run build');
  const workspace = mkdtempSync(path.join(tmpdir(), 'dl-groups-workspace-'));
  writeFileSync(path.join(workspace, 'groups.sweep.json'), JSON.stringify(SWEEP, null, 2));
  const trained = cli(['sweep', path.join(workspace, 'groups.sweep.json'), '--out', path.join(workspace, '.diffusion'), '--yes']);
  assert.equal(trained.code, 0, trained.stderr);
  const runsDir = path.join(workspace, '.diffusion/runs');
  const runs = readdirSync(runsDir).filter((d) => !d.startsWith('.')).map((d) => readRun(path.join(runsDir, d)));
  assert.equal(runs.length, 4, 'two T, two seeds each');
  assert.ok(runs.every((r) => r.state === 'done'), 'all trained');
  const byT = new Map([10, 12].map((T) => [T, runs.filter((r) => r.timesteps === T)]));
  const expected = (T: number, m: Checked) => {
    const values = byT.get(T)!.map((r) => r.measures[m]);
    return { mean: mean(values), std: std(values) };
  };
  const sweepDir = path.join(workspace, '.diffusion/sweeps/groups');

  const { server, page } = await openWorkbench(t, workspace);
  const shot = screenshotter(page, 'groups-');
  try {
    await openDiffusionLabView(page, server);
    await waitForRows(page, 'the trained sweep', (rows) => rows.some((r) => r.startsWith('groups 4 runs · 4 done')), 90_000);
    await runCommand(page, 'Diffusion: Open Results Panel');
    await clickPick(page, 'groups');
    await page.locator('.tabs-container .tab.active', { hasText: 'Sweep groups' }).waitFor({ timeout: 90_000 });
    const view = webviewFrame(page);
    await view.locator('.app-header h1', { hasText: /^groups$/ }).waitFor({ timeout: 90_000 });

    // Compare, Group by T: a row per T, n 2, mean ± std of each checked measure.
    await view.locator('#tab-compare').click();
    await view.locator('vscode-dropdown.group-by').click();
    await view.locator('vscode-dropdown.group-by vscode-option[value="field:timesteps"]').click();
    const rows = await until('a grouped row per T with every checked measure', async () => {
      const read = await groupedRows(view);
      return read.length === 2 && read.every((r) => CHECKED.every((m) => r.cells[m]?.includes('±'))) && read;
    }, 60_000, page);
    await shot('compare-grouped');
    assert.deepEqual(rows.map((r) => [r.value, r.n]).sort(), [['10', '2'], ['12', '2']]);
    for (const row of rows) {
      for (const m of CHECKED) {
        const [shownMean, shownStd] = row.cells[m]!.split(' ± ').map(Number);
        const want = expected(Number(row.value), m);
        assert.deepEqual([shownMean, shownStd], [shown(want.mean), shown(want.std)], `T ${row.value}, ${m}: "${row.cells[m]}" vs ${want.mean} ± ${want.std}`);
      }
    }

    // The plot (final loss against T): a point at each group's mean, its bar from mean - std to mean + std.
    const plot = await view.locator('svg.scatter').evaluate((svg) => ({
      grid: [...svg.querySelectorAll('line.grid')].map((l) => ({ v: Number(l.getAttribute('data-value')), y: Number(l.getAttribute('y1')) })),
      xTicks: Object.fromEntries([...svg.querySelectorAll('text.x-tick')].map((x) => [x.textContent!, Number(x.getAttribute('x'))])),
      circles: [...svg.querySelectorAll('circle')].map((c) => ({ x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')) })),
      bars: [...svg.querySelectorAll('g.error-bar.group-bar')].map((g) => { const l = g.querySelector('line')!; return { x: Number(l.getAttribute('x1')), top: Number(l.getAttribute('y1')), bottom: Number(l.getAttribute('y2')) }; }),
    }));
    assert.deepEqual(Object.keys(plot.xTicks).sort(), ['10', '12']);
    assert.equal(plot.circles.length, 2, 'a point per group');
    assert.equal(plot.bars.length, 2, 'an error bar per group');
    const [a, b] = [plot.grid[0]!, plot.grid[plot.grid.length - 1]!];
    const py = (v: number) => a.y + ((v - a.v) * (b.y - a.y)) / (b.v - a.v);
    for (const T of [10, 12]) {
      const { mean: m, std: s } = expected(T, 'finalLoss');
      const point = plot.circles.find((c) => c.x === plot.xTicks[String(T)]);
      const bar = plot.bars.find((c) => c.x === plot.xTicks[String(T)]);
      assert.ok(point && Math.abs(point.y - py(m)) < 0.01, `T ${T}: the point at the mean`);
      assert.ok(bar && Math.abs(bar.top - py(m + s)) < 0.01 && Math.abs(bar.bottom - py(m - s)) < 0.01, `T ${T}: the bar ± std`);
    }

    // Loss, groups as mean ± std, no smoothing: per T the mean of its runs' step losses with a band of ± their std.
    await view.locator('#tab-loss').click();
    await view.locator('input.smoothing').fill('0');
    await view.locator('vscode-dropdown.loss-groups').click();
    await view.locator('vscode-dropdown.loss-groups vscode-option[value="mean-std"]').click();
    const chart = view.locator('dl-loss-chart');
    const allSteps = [...byT.get(10)![0]!.stepLoss.keys()];
    const plotted = await until('the two groups drawn as mean and band, at every step', async () => {
      const table = await chart.evaluate((c) => (c as unknown as { plotted: Array<Array<number | null>> }).plotted);
      return table.length === 1 + 3 * 2 && table[0]!.length === allSteps.length && table;
    }, 30_000, page);
    const legend = await chart.locator('.legend li.legend-group').allTextContents();
    assert.equal(legend.length, 2);
    for (const item of legend) assert.match(item.replace(/\s+/g, ' '), /mean \S+ of 2 runs · ± std \S+ – \S+/);
    const steps = plotted[0] as number[];
    assert.deepEqual(steps, allSteps, 'every step the runs have');
    // Which column block is which T: the legend's order, that of the rows.
    const groupOrder = await chart.locator('.legend li.legend-group .legend-label').evaluateAll((ls) => ls.map((l) => l.getAttribute('title')!));
    groupOrder.forEach((ids, g) => {
      const group = runs.filter((r) => ids.split(', ').includes(r.runId));
      assert.equal(group.length, 2, `group ${g} names its two runs`);
      steps.forEach((step, i) => {
        const losses = group.map((r) => r.stepLoss.get(step)!);
        const [m, lo, hi] = [plotted[1 + 3 * g]![i]!, plotted[2 + 3 * g]![i]!, plotted[3 + 3 * g]![i]!];
        assert.ok(Math.abs(m - mean(losses)) < 1e-12, `group ${g} step ${step}: mean`);
        assert.ok(Math.abs(hi - m - std(losses)) < 1e-12 && Math.abs(m - lo - std(losses)) < 1e-12, `group ${g} step ${step}: ± std`);
      });
      assert.ok(steps.some((_, i) => plotted[3 + 3 * g]![i]! > plotted[2 + 3 * g]![i]!), `group ${g}: the band has a width`);
    });
    await shot('loss-band');

    // Export CSV of the groups: the save dialog starts in the sweep's folder; Enter saves there.
    await view.locator('#tab-compare').click();
    await view.locator('vscode-button.export-csv').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Export the comparison as CSV' }).waitFor({ timeout: 30_000 });
    const csvFile = path.join(sweepDir, 'comparison-by-timesteps.csv');
    const input = page.locator('.quick-input-widget input');
    await until('the save dialog\'s default file', async () => (await input.inputValue()) === csvFile, 10_000, page);
    await input.press('Enter');
    // Written through a temporary file and renamed: once it is there, it is whole.
    await until('the CSV on disk', () => existsSync(csvFile), 30_000, page);
    await page.locator('.notifications-toasts .notification-list-item', { hasText: `saved ${csvFile} (2 rows)` }).waitFor({ timeout: 30_000 });
    assert.deepEqual(readdirSync(sweepDir).filter((f) => f.endsWith('.tmp')), []);

    await t.test('pandas.read_csv reads the CSV with no options: a row per T, its n and mean ± std', { timeout: 60_000 }, async (st) => {
      const python = pythonOrSkip(st, ['pandas'], 'python3-pandas', ['/usr/bin/python3']);
      if (!python) return;
      const read = readCsvInPython(python, [csvFile])[csvFile]!;
      assert.deepEqual(read.columns, ['timesteps', 'runs', 'finished runs', ...COMPARE_MEASURES.flatMap((m) => ['mean', 'std', 'min', 'max', 'n'].map((s) => `${m.csvHeader} ${s}`))]);
      assert.deepEqual(read.records.map((g) => [g.timesteps, g.runs, g['finished runs']]).sort(), [[10, 2, 2], [12, 2, 2]]);
      for (const g of read.records) {
        for (const m of CHECKED) {
          const header = COMPARE_MEASURES.find((c) => c.id === m)!.csvHeader;
          const want = expected(g.timesteps as number, m);
          // Unrounded; pandas' default float parser may differ in the last bit.
          assert.ok(Math.abs((g[`${header} mean`] as number) - want.mean) <= 1e-12 * Math.abs(want.mean), `T ${String(g.timesteps)} ${header} mean: ${String(g[`${header} mean`])} vs ${want.mean}`);
          assert.ok(Math.abs((g[`${header} std`] as number) - want.std) <= 1e-9 * want.std, `T ${String(g.timesteps)} ${header} std: ${String(g[`${header} std`])} vs ${want.std}`);
          assert.equal(g[`${header} n`], 2);
        }
      }
    });
  } catch (err) {
    await shot('failure').catch(() => {});
    throw err;
  }
});

/** The grouped table's rows: the T cell, n and each measure's cell text by its id. */
async function groupedRows(view: FrameLocator): Promise<Array<{ value: string; n: string; cells: Partial<Record<string, string>> }>> {
  return view.locator('table.compare.grouped tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    value: tr.querySelector('th')!.textContent!.trim(),
    n: tr.querySelector('td.n')!.textContent!.trim(),
    cells: Object.fromEntries([...tr.querySelectorAll('td[data-measure]')].map((td) => [td.getAttribute('data-measure')!, td.textContent!.trim()])),
  })));
}
