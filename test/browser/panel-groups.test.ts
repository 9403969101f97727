// Group by in Chromium behind the fake host: two settings of T trained with seeds, grouped in
// the Compare tab (mean ± std and n per row), the metric plot's points at the groups' means with
// ± std bars, the Loss tab's mean curve with its band, the choices in the view state, and Export
// CSV posting what to export (no CSV text), which the host accepts and builds the CSV from.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { csvExportFile } from '../../src/extension/panel/csvExport';
import { isPanelToHostMessage, type HostToPanelMessage, type PanelToHostMessage, type RunSummary } from '../../src/shared/panelMessages';
import { CHROMIUM, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

const summary = (runId: string, timesteps: number, seed: number, finalLoss: number | undefined, state = 'done'): RunSummary => ({
  runId, label: `T=${timesteps}, seed=${seed}`, colorIndex: timesteps === 250 ? 0 : 1, state,
  varied: { timesteps, seed }, config: { timesteps, seed, imgSize: 16 }, stepsPerEpoch: 2,
  measures: { ...(finalLoss !== undefined ? { finalLoss } : {}), msPerEpoch: 1000 + seed * 100 }, samples: [],
});
const RUNS = [
  summary('T250-s0', 250, 0, 0.30), summary('T250-s1', 250, 1, 0.34),
  summary('T300-s0', 300, 0, 0.20), summary('T300-s1', 300, 1, 0.26), summary('T300-s2', 300, 2, 0.9, 'running'),
];
const TARGET = { kind: 'sweep', sweepDir: '/tmp/study/sweeps/seeds' } as const;
const INIT: HostToPanelMessage = { type: 'init', target: TARGET, title: 'seeds', variedFields: ['timesteps', 'seed'], runs: RUNS, notes: null, tab: 'compare' };
// Loss per step of each run: the T 300 run still training has two steps so far.
const LOSS: Record<string, number[]> = { 'T250-s0': [1, 2, 3, 4], 'T250-s1': [3, 4, 5, 6], 'T300-s0': [2, 2, 2, 2], 'T300-s1': [4, 4, 4, 4], 'T300-s2': [6, 6] };
const POINTS: HostToPanelMessage = {
  type: 'points',
  series: Object.entries(LOSS).map(([runId, loss]) => ({ runId, reset: true, step: loss.map((_, i) => i + 1), wallSec: loss.map((_, i) => i + 1), loss })),
};

describe('results panel: runs grouped by a varied field', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  before(async () => {
    host = await openFakeHost({ width: 1100, height: 900 });
    await host.send([INIT, POINTS]);
    await host.page.waitForSelector('dl-compare-view vscode-dropdown.group-by');
  });
  after(() => host?.close());

  const lastViewState = async () => (await host.sent()).filter((m): m is Extract<PanelToHostMessage, { type: 'view-state' }> => m.type === 'view-state').at(-1)!.state;

  it('Group by "all but the seed": a row per T with n and mean ± std; the plot has a point per group with ± std bars', async () => {
    await host.page.click('vscode-dropdown.group-by');
    await host.page.click('vscode-dropdown.group-by vscode-option[value="all"]');
    await host.page.waitForSelector('table.compare.grouped');
    const rows = await host.page.locator('table.grouped tbody tr').evaluateAll((trs) => trs.map((tr) => ({
      value: tr.querySelector('th')!.textContent!.trim(),
      n: tr.querySelector('td.n')!.textContent!.trim(),
      finalLoss: tr.querySelector('td[data-measure="finalLoss"]')!.textContent!.trim(),
    })));
    // 0.30, 0.34: mean 0.32, sample std 0.02828; 0.20, 0.26 (the running run is left out): 0.23 ± 0.04243.
    assert.deepEqual(rows, [{ value: '250', n: '2', finalLoss: '0.32 ± 0.02828' }, { value: '300', n: '2 of 3', finalLoss: '0.23 ± 0.04243' }]);
    assert.deepEqual((await lastViewState()).groupBy, 'all', 'the choice is in the view state');

    // The plot (final loss against T): a point at each mean, its bar from mean - std to mean + std on the y scale.
    const plot = await host.page.evaluate(() => {
      const svg = document.querySelector('svg.scatter')!;
      const grid = [...svg.querySelectorAll('line.grid')].map((l) => ({ v: Number(l.getAttribute('data-value')), y: Number(l.getAttribute('y1')) }));
      return {
        grid,
        circles: [...svg.querySelectorAll('circle')].map((c) => Number(c.getAttribute('cy'))),
        bars: [...svg.querySelectorAll('g.error-bar.group-bar')].map((g) => { const l = g.querySelector('line')!; return [Number(l.getAttribute('y1')), Number(l.getAttribute('y2'))]; }),
        caption: document.querySelector('.scatter-figure figcaption')?.textContent ?? '',
      };
    });
    const [a, b] = [plot.grid[0]!, plot.grid[plot.grid.length - 1]!];
    const py = (v: number) => a.y + ((v - a.v) * (b.y - a.y)) / (b.v - a.v);
    const expected = [[0.32, Math.SQRT2 * 0.02], [0.23, Math.SQRT2 * 0.03]];
    assert.equal(plot.circles.length, 2);
    assert.equal(plot.bars.length, 2);
    expected.forEach(([mean, std], i) => {
      assert.ok(Math.abs(plot.circles[i]! - py(mean!)) < 0.01, `point ${i} at the mean`);
      assert.ok(Math.abs(plot.bars[i]![0]! - py(mean! + std!)) < 0.01 && Math.abs(plot.bars[i]![1]! - py(mean! - std!)) < 0.01, `bar ${i}: ± std`);
    });
    assert.match(plot.caption, /standard deviation/);
  });

  it('Export CSV posts the listed runs and the grouping, which the host accepts and builds the CSV from', async () => {
    const before = (await host.sent()).length;
    await host.page.click('dl-compare-view vscode-button.export-csv');
    await host.until((n) => (window as unknown as { __sent: Array<{ type: string }> }).__sent.slice(n).some((m) => m.type === 'export-csv'), before, 10_000);
    const m = (await host.sent()).slice(before).find((x) => x.type === 'export-csv') as Extract<PanelToHostMessage, { type: 'export-csv' }>;
    assert.deepEqual(m, { type: 'export-csv', runIds: RUNS.map((r) => r.runId), groupBy: 'all' }, 'what to export, not the CSV');
    assert.ok(isPanelToHostMessage(m));
    const file = csvExportFile(m, RUNS, ['timesteps', 'seed']);
    assert.equal(file.name, 'comparison-grouped.csv');
    const lines = file.text.split('\r\n');
    const header = lines[0]!.split(',');
    const row = lines[1]!.split(',');
    assert.deepEqual([row[0], row[1], row[2]], ['250', '2', '2']);
    assert.equal(Number(row[header.indexOf('final loss mean')]), (0.30 + 0.34) / 2);
  });

  it('the Loss tab draws each group as its mean with a ± std or min-max band', async () => {
    await host.page.click('#tab-loss');
    await host.page.waitForSelector('dl-loss-view vscode-dropdown.loss-groups');
    await host.page.click('vscode-dropdown.loss-groups');
    await host.page.click('vscode-dropdown.loss-groups vscode-option[value="mean-std"]');
    await host.page.locator('input.smoothing').fill('0');
    const plotted = () => host.page.evaluate(() => (document.querySelector('dl-loss-chart') as HTMLElement & { plotted: Array<Array<number | null>> }).plotted);
    // The smoothing and the band reach the chart, and it has drawn with them (a draw waits for an animation frame).
    await host.until(() => {
      const chart = document.querySelector('dl-loss-chart') as HTMLElement & { plotted: unknown[][]; smoothing: number; band: string; settled: boolean };
      return chart.smoothing === 0 && chart.band === 'std' && chart.settled && chart.plotted.length === 7 && chart.plotted[0]!.length > 0;
    }, undefined, 10_000);
    let t = await plotted();
    // x; T 250: mean of (1,3), (2,4), ... = 2, 3, 4, 5 ± sqrt(2); T 300: the runs stop at step 2, where the running one ends.
    assert.deepEqual(t[0], [1, 2, 3, 4]);
    assert.deepEqual(t[1], [2, 3, 4, 5]);
    t[2]!.forEach((v, i) => assert.ok(Math.abs(v! - (t[1]![i]! - Math.SQRT2)) < 1e-12));
    assert.deepEqual(t[4], [4, 4, null, null], 'the mean of 2, 4 and 6, up to the last step all three have');
    assert.ok(Math.abs(t[6]![0]! - 6) < 1e-12, 'sample std of 2, 4, 6 is 2');
    const legend = await host.page.locator('dl-loss-chart .legend li.legend-group').allTextContents();
    assert.equal(legend.length, 2);
    assert.match(legend[1]!, /mean 4 of 3 runs/);

    await host.page.click('vscode-dropdown.loss-groups');
    await host.page.click('vscode-dropdown.loss-groups vscode-option[value="mean-range"]');
    await host.until(() => (document.querySelector('dl-loss-chart') as HTMLElement & { plotted: Array<Array<number | null>> }).plotted[2]![0] === 1, undefined, 10_000);
    t = await plotted();
    assert.deepEqual([t[2], t[3]], [[1, 2, 3, 4], [3, 4, 5, 6]], 'min-max of the T 250 runs');
    const state = await lastViewState();
    assert.deepEqual([state.groupBy, state.lossGroups], ['all', 'mean-range']);
    assert.deepEqual(host.errors(), []);
  });
});
