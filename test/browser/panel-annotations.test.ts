// Star, rename and labels in the results panel, in Chromium behind the fake host: a run's display
// name shows in the Compare table and the loss legend, its star and labels beside it; the star and
// edit buttons (by mouse and by keyboard) post annotate-run messages the host accepts; the filter
// finds runs by `is:starred`, `label:X` and name.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isPanelToHostMessage, type HostToPanelMessage, type PanelToHostMessage, type RunSummary } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

describe('results panel: star, rename, labels', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;
  const [t250, t300, t350] = init.runs as [RunSummary, RunSummary, RunSummary];
  // As the host sends it once annotations.json says so (runSummary.ts).
  const named: RunSummary = { ...t250, label: 'short T', displayName: 'short T', starred: true, labels: ['baseline', 'very good'] };

  before(async () => {
    host = await openFakeHost({ width: 1100, height: 900 });
    await host.send(messages);
    await host.send([{ type: 'runs', runs: [named], variedFields: init.variedFields }]);
    await host.page.waitForSelector('dl-loss-chart .legend-label');
  });
  after(() => host?.close());

  /** What the page posted after `action`, of type annotate-run. */
  async function posted(action: () => Promise<void>): Promise<PanelToHostMessage[]> {
    const before = (await host.sent()).length;
    await action();
    await host.until((n) => (window as unknown as { __sent: Array<{ type: string }> }).__sent.slice(n).some((m) => m.type === 'annotate-run'), before, 10_000);
    return (await host.sent()).slice(before).filter((m) => m.type === 'annotate-run');
  }

  const rows = () => host.page.locator('table.compare tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    label: tr.querySelector('.run-label')?.textContent ?? '',
    star: tr.querySelector('button.star')?.getAttribute('aria-pressed') ?? '',
    tags: [...tr.querySelectorAll('.tag')].map((t) => t.textContent ?? ''),
  })));

  it('the name is in the loss legend, starred', async () => {
    const legend = await host.page.locator('dl-loss-chart .legend-label').allTextContents();
    assert.deepEqual(legend, ['★ short T', 'T=300 (base)', 'T=350']);
  });

  it('the Compare table shows the name, the star and the labels', async () => {
    await host.page.click('#tab-compare');
    await host.page.waitForSelector('table.compare tbody tr button.star');
    assert.deepEqual(await rows(), [
      { label: 'short T', star: 'true', tags: ['baseline', 'very good'] },
      { label: 'T=300 (base)', star: 'false', tags: [] },
      { label: 'T=350', star: 'false', tags: [] },
    ]);
  });

  it('star, unstar, rename and edit labels post what the host accepts', async () => {
    const row = (runId: string) => host.page.locator('table.compare tbody tr', { has: host.page.locator(`th[title="${runId}"]`) });
    const star = await posted(() => row(t300.runId).getByRole('button', { name: 'Star T=300 (base)', exact: true }).click());
    const unstar = await posted(() => row(t250.runId).getByRole('button', { name: 'Unstar short T', exact: true }).click());
    const rename = await posted(() => row(t350.runId).getByRole('button', { name: 'Rename T=350', exact: true }).click());
    const labels = await posted(() => row(t250.runId).getByRole('button', { name: 'Edit labels of short T', exact: true }).click());
    assert.deepEqual([...star, ...unstar, ...rename, ...labels], [
      { type: 'annotate-run', runId: t300.runId, action: 'star' },
      { type: 'annotate-run', runId: t250.runId, action: 'unstar' },
      { type: 'annotate-run', runId: t350.runId, action: 'rename' },
      { type: 'annotate-run', runId: t250.runId, action: 'edit-labels' },
    ]);
    for (const m of [...star, ...unstar, ...rename, ...labels]) assert.ok(isPanelToHostMessage(m), JSON.stringify(m));
  });

  it('the edit buttons are reached with Tab, shown when focused, and pressed with Enter', async () => {
    await host.page.focus(`table.compare button[aria-label="Star T=350"]`);
    await host.page.keyboard.press('Tab');
    const focused = await host.page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { label: el.getAttribute('aria-label'), opacity: getComputedStyle(el).opacity };
    });
    assert.deepEqual(focused, { label: 'Rename T=350', opacity: '1' });
    const sent = await posted(() => host.page.keyboard.press('Enter'));
    assert.deepEqual(sent, [{ type: 'annotate-run', runId: t350.runId, action: 'rename' }]);
  });

  it('the filter finds runs by star, by label and by name', async () => {
    const filter = host.page.locator('vscode-text-field.filter input');
    /** Types `text` and waits for the table to show just `labels` (Lit draws after the input event). */
    const expectShown = async (text: string, labels: string[]) => {
      await filter.fill(text);
      try {
        await host.until((want) => JSON.stringify([...document.querySelectorAll('table.compare tbody tr .run-label')].map((e) => e.textContent)) === want, JSON.stringify(labels));
      } catch {
        assert.deepEqual((await rows()).map((r) => r.label), labels, `filter ${text}`);
      }
    };
    await expectShown('is:starred', ['short T']);
    await expectShown('label:"very good"', ['short T']);
    await expectShown('label:keep', []);
    await expectShown('short', ['short T']);
    await expectShown('T=250', ['short T']); // the generated label still finds it
    await expectShown('', ['short T', 'T=300 (base)', 'T=350']);
    assert.deepEqual(host.errors(), []);
  });
});
