// The results panel's webview bundle in Chromium, behind a fake host replaying messages
// recorded from a demo sweep (test/fixtures/panel). Needs /usr/bin/chromium (or CHROMIUM_PATH).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { HostToPanelMessage, LossPoints, PanelToHostMessage, RunSummary } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

type Plotted = Array<Array<number | null>>;

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

describe('results panel webview', { skip }, () => {
  let host: FakeHost;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;
  const points = messages.slice(1) as Array<Extract<HostToPanelMessage, { type: 'points' }>>;

  before(async () => {
    host = await openFakeHost();
    await host.send(messages);
    await host.page.waitForSelector('dl-loss-chart canvas');
  });
  after(() => host?.close());

  const plotted = () => host.page.evaluate(() => (document.querySelector('dl-loss-chart') as unknown as { plotted: Plotted }).plotted);

  it('replaces the page\'s own "Reading" line (painted before the script ran) with the panel', async () => {
    assert.equal(await host.page.locator('dl-app .loading').count(), 0);
    assert.equal(await host.page.locator('dl-app > header.app-header').count(), 1);
  });

  it('draws every loss point it was sent, per run', async () => {
    await host.until((n) => (document.querySelector('dl-loss-chart') as unknown as { plotted: Plotted }).plotted[0].length === n, 30);
    const table = await plotted();
    for (const [i, run] of init.runs.entries()) {
      const sentSteps = points.flatMap((m) => m.series.filter((s) => s.runId === run.runId).flatMap((s) => s.step));
      const sentLoss = points.flatMap((m) => m.series.filter((s) => s.runId === run.runId).flatMap((s) => s.loss));
      const raw = table[1 + 2 * i]!;
      const drawn = table[0]!.flatMap((x, k) => (raw[k] == null ? [] : [[x, raw[k]]]));
      assert.deepEqual(drawn, sentSteps.map((s, k) => [s, sentLoss[k]]), run.runId);
    }
    // The canvas has coloured pixels of the first run's line (#4e9cf5) on it.
    const blue = await host.page.evaluate(() => {
      const canvas = document.querySelector('dl-loss-chart canvas') as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0x4e) < 12 && Math.abs(data[i + 1]! - 0x9c) < 12 && Math.abs(data[i + 2]! - 0xf5) < 12) n++;
      return n;
    });
    assert.ok(blue > 50, `expected the first run's line on the canvas, found ${blue} pixels of its colour`);
  });

  it('appends live points and keeps the zoom the person chose', async () => {
    const box = (await host.page.locator('dl-loss-chart .u-over').boundingBox())!;
    await host.page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
    await host.page.mouse.down();
    await host.page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await host.page.mouse.up();
    const xRange = () => host.page.evaluate(() => {
      const el = document.querySelector('dl-loss-chart') as unknown as { plot: { scales: { x: { min: number; max: number } } } };
      return [el.plot.scales.x.min, el.plot.scales.x.max];
    });
    const zoomed = await xRange();
    assert.ok(zoomed[1]! - zoomed[0]! < 20, `zoomed to ${zoomed}`);
    const more: LossPoints[] = init.runs.map((r) => ({ runId: r.runId, reset: false, step: [31, 32], wallSec: [200, 201], loss: [0.5, 0.49] }));
    await host.send([{ type: 'points', series: more }]);
    await host.until(() => (document.querySelector('dl-loss-chart') as unknown as { plotted: Plotted }).plotted[0].length === 32, null);
    assert.deepEqual(await xRange(), zoomed);
    await host.page.dblclick('dl-loss-chart .u-over');
  });

  it('smoothing changes the smoothed line, not the raw one', async () => {
    const before = await plotted();
    await host.page.locator('input.smoothing').fill('0.95');
    await host.until((s) => JSON.stringify((document.querySelector('dl-loss-chart') as unknown as { plotted: Plotted }).plotted[2]) !== s, JSON.stringify(before[2]));
    const after = await plotted();
    assert.deepEqual(after[1], before[1], 'raw loss unchanged');
    assert.notDeepEqual(after[2], before[2], 'smoothed loss changed');
    // Heavier smoothing stays nearer the first values: the last smoothed point is higher on a falling curve.
    assert.ok((after[2]!.at(-1) as number) > (before[2]!.at(-1) as number));
    const saved = (await host.sent()).filter((m) => m.type === 'view-state').at(-1) as Extract<PanelToHostMessage, { type: 'view-state' }>;
    assert.equal(saved.state.smoothing, 0.95);
  });

  it('sorts and filters the comparison table, and its rows choose the runs charted', async () => {
    await host.page.click('#tab-compare');
    const names = () => host.page.locator('table.compare tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    await host.page.click('button.sort[data-column="finalLoss"]');
    const byLoss = [...init.runs].sort((a, b) => a.measures.finalLoss! - b.measures.finalLoss!).map((r) => r.runId);
    assert.deepEqual(await names(), byLoss);
    await host.page.click('button.sort[data-column="finalLoss"]');
    assert.deepEqual(await names(), [...byLoss].reverse());
    assert.equal(await host.page.locator('th[aria-sort="descending"]').count(), 1);
    await host.page.locator('vscode-text-field.filter input').fill('300');
    assert.deepEqual(await names(), ['T300-0198']);
    await host.page.locator('vscode-text-field.filter input').fill('');
    await host.page.locator('tr[data-run="T250-ca6f"] input[type=checkbox]').uncheck();
    await host.page.click('#tab-loss');
    await host.page.waitForSelector('dl-loss-chart canvas');
    assert.equal(await host.page.locator('dl-loss-chart .legend li:not(.legend-x)').count(), 2);
  });

  it('saves typed notes through the host, debounced', async () => {
    await host.page.click('#tab-notes');
    const editor = host.page.locator('textarea.notes-editor');
    await editor.click();
    await editor.press('End');
    await host.page.keyboard.type(' Larger T keeps more signal at the same t.');
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'save-notes'), null);
    const saves = (await host.sent()).filter((m) => m.type === 'save-notes') as Array<Extract<PanelToHostMessage, { type: 'save-notes' }>>;
    assert.equal(saves.length, 1, 'one save for a burst of typing');
    assert.match(saves[0]!.text, /Larger T keeps more signal at the same t\.$/);
    assert.equal(saves[0]!.baseVersion, 'v0');
    await host.send([{ type: 'notes-saved', version: 'v1' }]);
    await host.until(() => document.querySelector('.notes-status')?.textContent?.startsWith('Saved'), null);
  });

  it('tells the host what is typed at once, not only after the save delay (for a panel closed within it)', async () => {
    const sentOf = async () => (await host.sent()).length;
    const from = await sentOf();
    await host.page.locator('textarea.notes-editor').press('End');
    await host.page.keyboard.type(' Closing now.');
    const since = (await host.sent()).slice(from);
    const draft = since.filter((m) => m.type === 'notes-draft').at(-1) as Extract<PanelToHostMessage, { type: 'notes-draft' }>;
    assert.match(draft.draft!.text, / Closing now\.$/);
    assert.equal(draft.draft!.baseVersion, 'v1');
    assert.equal(since.filter((m) => m.type === 'save-notes').length, 0, 'typed within the save delay');
    // Saved: the host is told there is nothing unsaved any more.
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.filter((m) => m.type === 'save-notes').length === 2, null);
    await host.send([{ type: 'notes-saved', version: 'v2' }]);
    await host.until((n) => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.slice(n).some((m) => m.type === 'notes-draft' && m.draft === null), from);
  });

  it('asks before replacing typing when notes.md changes on disk', async () => {
    await host.page.locator('textarea.notes-editor').press('End');
    await host.page.keyboard.type(' Mine.');
    await host.send([{ type: 'notes', doc: { file: init.notes!.file, text: '# Edited elsewhere\n', version: 'v9' } }]);
    await host.page.waitForSelector('.banner');
    assert.match(await host.page.locator('textarea.notes-editor').inputValue(), /Mine\.$/);
    await host.page.click('vscode-button.keep-mine');
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'save-notes' && m.force === true), null);
    const forced = (await host.sent()).filter((m) => m.type === 'save-notes').at(-1) as Extract<PanelToHostMessage, { type: 'save-notes' }>;
    assert.equal(forced.baseVersion, 'v9');
    assert.match(forced.text, /Mine\.$/);
  });

  it('runs under the panel CSP without violations (styles, scripts, no eval)', () => {
    const csp = host.errors().filter((e) => /Content Security Policy/i.test(e));
    assert.deepEqual(csp, []);
  });

  it('renders notes markdown without running scripts or event handlers', async () => {
    const evil = '# Hi\n\n<script>window.__pwned = true</script>\n\n<img src="x" onerror="window.__pwned = true">\n\n[link](javascript:window.__pwned=true)\n\n<svg onload="window.__pwned = true"></svg>\n';
    await host.send([{ type: 'notes', doc: { file: init.notes!.file, text: evil, version: 'v10' } }]);
    await host.page.click('vscode-button.take-disk').catch(() => undefined);
    await host.until(() => document.querySelector('.notes-preview h1')?.textContent === 'Hi', null);
    await host.page.waitForTimeout(200);
    assert.equal(await host.page.evaluate(() => (window as unknown as { __pwned: boolean }).__pwned), false);
    assert.equal(await host.page.locator('.notes-preview script').count(), 0);
    assert.equal(await host.page.locator('.notes-preview [onerror], .notes-preview [onload]').count(), 0);
    assert.equal(await host.page.locator('.notes-preview a[href^="javascript"]').count(), 0);
  });

  it('restores its tab and selection after the page is reloaded (getState)', async () => {
    await host.page.click('#tab-compare');
    await host.reload();
    await host.send([init]);
    await host.page.waitForSelector('table.compare');
    assert.equal(await host.page.locator('table.compare tbody tr.chosen').count(), 2);
  });

  it('keeps typing the page could not save before it went away (hidden, reloaded) and saves it when back', async () => {
    const doc = { file: init.notes!.file, text: '# Draft test', version: 'd1' };
    await host.send([{ ...init, notes: doc }]);
    await host.page.click('#tab-notes');
    await host.page.locator('textarea.notes-editor').press('End');
    await host.page.keyboard.type(' typed');
    await host.reload(); // at once: the half-second save delay has not passed (and this fake host never answers a save)
    await host.send([{ ...init, notes: doc }]);
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'save-notes'), null);
    const save = (await host.sent()).find((m) => m.type === 'save-notes') as Extract<PanelToHostMessage, { type: 'save-notes' }>;
    assert.deepEqual([save.text, save.baseVersion], ['# Draft test typed', 'd1']);
    assert.equal(await host.page.locator('textarea.notes-editor').inputValue(), '# Draft test typed');
    await host.send([{ type: 'notes-saved', version: 'd2' }]);
    await host.until(() => document.querySelector('.notes-status')?.textContent?.startsWith('Saved'), null);

    // Changed on disk meanwhile: the typing is shown and the person chooses.
    await host.page.locator('textarea.notes-editor').press('End');
    await host.page.keyboard.type(' more');
    await host.reload();
    await host.send([{ ...init, notes: { ...doc, text: '# Edited elsewhere', version: 'd3' } }]);
    await host.page.waitForSelector('.banner');
    assert.equal(await host.page.locator('textarea.notes-editor').inputValue(), '# Draft test typed more');
    assert.equal((await host.sent()).filter((m) => m.type === 'save-notes').length, 0);
  });

});

describe('results panel first paint', { skip }, () => {
  it('paints a 20-run sweep (prints the time; does not assert it)', async () => {
    const demo = demoMessages();
    const init = demo[0] as Extract<HostToPanelMessage, { type: 'init' }>;
    const runs: RunSummary[] = Array.from({ length: 20 }, (_, i) => ({ ...init.runs[i % init.runs.length]!, runId: `run-${i}`, label: `run ${i}`, colorIndex: i }));
    const series: LossPoints[] = runs.map((r, i) => {
      const step = Array.from({ length: 500 }, (_, k) => k + 1);
      return { runId: r.runId, reset: true, step, wallSec: step.map((s) => s * 0.2), loss: step.map((s) => 0.3 + 0.5 / Math.sqrt(s) + 0.02 * Math.sin(s + i)) };
    });
    const host = await openFakeHost();
    try {
      // A string, not a function: the test's TypeScript build would add helpers the page lacks.
      const ms = await host.page.evaluate(`(async () => {
        const messages = ${JSON.stringify([{ ...init, runs }, { type: 'points', series }])};
        const start = performance.now();
        for (const m of messages) window.postMessage(m, '*');
        while (!document.querySelector('dl-loss-chart canvas')) await new Promise((r) => requestAnimationFrame(r));
        await new Promise((r) => requestAnimationFrame(r));
        return performance.now() - start;
      })()`) as number;
      console.log(`first paint of a 20-run sweep (500 points each): ${ms.toFixed(0)} ms`);
      assert.equal(await host.page.locator('dl-loss-chart .legend li:not(.legend-x)').count(), 20);
    } finally {
      await host.close();
    }
  });
});
