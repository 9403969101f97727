// A results panel that comes back as it was left, in Chromium behind the fake host: every
// option a person sets (tab, smoothing, x axis, log scale, selected runs, the Samples epoch and
// the Noise steps t) is in the state the page keeps with setState, and a page loaded again with
// that state (as VS Code's serializer does after Reload Window) shows all of them again. A new
// panel, with no state of its own, starts with the smoothing chosen last.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { HostToPanelMessage, PanelToHostMessage, PanelViewState } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
type Init = Extract<HostToPanelMessage, { type: 'init' }>;

describe('results panel: the view comes back after a reload', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  const [first, ...points] = demoMessages() as [Init, ...HostToPanelMessage[]];
  // Strips after epochs 1, 2 and 3 (the fixture's one strip again), so that the Samples slider has a middle.
  const init: Init = { ...first, runs: first.runs.map((r) => ({ ...r, samples: [1, 2, 3].map((epoch) => ({ ...r.samples[0]!, epoch })) })) };
  const [dropped, ...kept] = init.runs.map((r) => r.runId);

  before(async () => {
    host = await openFakeHost({ width: 1100, height: 900 });
  });
  after(() => host?.close());

  const viewStates = async () => (await host.sent()).filter((m): m is Extract<PanelToHostMessage, { type: 'view-state' }> => m.type === 'view-state').map((m) => m.state);
  const lastViewState = async () => (await viewStates()).at(-1)!;
  const savedState = () => host.page.evaluate(() => JSON.parse(sessionStorage.getItem('state') ?? 'null') as PanelViewState | null);

  /** What the page shows, read from its controls tab by tab (each tab draws only while open). */
  async function shown() {
    const tab = (await host.page.locator('vscode-panel-tab[aria-selected="true"]').getAttribute('id'))!.replace(/^tab-/, '');
    await host.page.click('#tab-loss');
    await host.page.waitForSelector('dl-loss-view input.smoothing');
    const loss = await host.page.evaluate(() => ({
      smoothing: (document.querySelector('input.smoothing') as HTMLInputElement).value,
      xAxis: (document.querySelector('vscode-dropdown.x-axis') as HTMLElement & { value: string }).value,
      logY: (document.querySelector('vscode-checkbox.log-y') as HTMLElement & { checked: boolean }).checked,
      legend: [...document.querySelectorAll('dl-loss-chart .legend li:not(.legend-x) .legend-label')].map((l) => l.getAttribute('title')),
    }));
    await host.page.click('#tab-noise');
    const t = await host.page.locator('dl-noise-view input.t-slider + output').textContent();
    await host.page.click('#tab-samples');
    const epoch = await host.page.locator('dl-samples-view input.epoch-slider + output').textContent();
    await host.page.click('#tab-compare');
    const chosen = await host.page.locator('table.compare tbody tr.chosen').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    await host.page.click(`#tab-${tab}`);
    return { tab, ...loss, t, epoch, chosen };
  }

  it('a new panel starts with the smoothing chosen last in another one', async () => {
    await host.send([{ ...init, lastSmoothing: 0.25 }, ...points]);
    await host.page.waitForSelector('dl-loss-chart canvas');
    assert.equal(await host.page.locator('input.smoothing').inputValue(), '0.25');
    assert.equal(await host.page.locator('input.smoothing + output').textContent(), '0.250');
    assert.equal((await lastViewState()).smoothing, 0.25, 'and tells the host, which keeps it as this panel\'s own');
  });

  it('keeps every option the person sets in its state', async () => {
    await host.page.locator('input.smoothing').fill('0.9');
    await host.page.click('vscode-dropdown.x-axis');
    await host.page.click('vscode-dropdown.x-axis vscode-option[value="epoch"]');
    await host.page.click('vscode-checkbox.log-y');
    await host.page.click('#tab-compare');
    await host.page.locator(`tr[data-run="${dropped}"] input[type=checkbox]`).uncheck();
    await host.page.click('#tab-noise');
    await host.page.locator('input.t-slider').fill('123');
    await host.page.click('#tab-samples');
    await host.page.locator('input.epoch-slider').fill('1'); // the middle of epochs 1, 2, 3
    assert.equal(await host.page.locator('input.epoch-slider + output').textContent(), '2');
    const expected = { target: init.target, tab: 'samples', selectedRuns: kept, smoothing: 0.9, xAxis: 'epoch', logY: true, sampleEpoch: 2, noiseT: 123 };
    assert.deepEqual(await lastViewState(), expected, 'the host is told');
    assert.deepEqual(await savedState(), expected, 'setState: what VS Code hands the serializer');
  });

  it('a page loaded with that state shows it all again, whatever the host kept or chose last', async () => {
    const before = await savedState();
    await host.reload();
    // The host's memento and last smoothing lag behind (or are another panel's): the page's own state wins.
    await host.send([{ ...init, viewState: { ...before!, tab: 'loss', smoothing: 0.5, logY: false }, lastSmoothing: 0.1 }, ...points]);
    await host.page.waitForSelector('dl-samples-view input.epoch-slider');
    assert.deepEqual(await shown(), {
      tab: 'samples', smoothing: '0.9', xAxis: 'epoch', logY: true, legend: kept, t: '123', epoch: '2', chosen: kept,
    });
    assert.deepEqual((await viewStates())[0], before, 'the restored page tells the host the same state');
  });

  it('the Samples slider at its right end follows new epochs (no epoch kept)', async () => {
    await host.page.locator('input.epoch-slider').fill('2');
    assert.equal((await lastViewState()).sampleEpoch, undefined);
    await host.send([{ type: 'runs', runs: init.runs.map((r) => ({ ...r, samples: [1, 2, 3, 4].map((epoch) => ({ ...r.samples[0]!, epoch })) })) }]);
    await host.until(() => document.querySelector('dl-samples-view input.epoch-slider + output')?.textContent === '4', null);
    await host.reload();
    await host.send([init]);
    await host.page.waitForSelector('dl-samples-view input.epoch-slider');
    assert.equal(await host.page.locator('input.epoch-slider + output').textContent(), '3', 'the latest epoch of what the host sent');
  });

  it('a panel with no state of its own in the page takes the host\'s kept state, else the last smoothing', async () => {
    await host.page.evaluate(() => sessionStorage.clear());
    await host.reload();
    const kept = { target: init.target, tab: 'noise' as const, selectedRuns: [dropped!], smoothing: 0.7, xAxis: 'wall' as const, logY: false, noiseT: 40 };
    await host.send([{ ...init, viewState: kept, lastSmoothing: 0.2 }, ...points]);
    await host.page.waitForSelector('dl-noise-view input.t-slider');
    const view = await shown();
    assert.deepEqual([view.tab, view.smoothing, view.xAxis, view.t, view.chosen], ['noise', '0.7', 'wall', '40', [dropped]]);

    await host.page.evaluate(() => sessionStorage.clear());
    await host.reload();
    const run = { kind: 'run' as const, runDir: '/fixture/.diffusion/runs/T300-0198' };
    await host.send([{ ...init, target: run, runs: init.runs.slice(1, 2), lastSmoothing: 0.2 }, ...points]);
    await host.page.waitForSelector('dl-loss-chart canvas');
    const fresh = await shown();
    assert.deepEqual([fresh.tab, fresh.smoothing, fresh.xAxis, fresh.logY, fresh.epoch], ['loss', '0.2', 'step', false, '3']);
  });

  it('logs no error', () => {
    assert.deepEqual(host.errors(), []);
  });
});
