// The panel with the keyboard only: every tab, every control of each view and the notes
// editor are reached with Tab / Shift+Tab / arrow keys and worked with Enter, Space and
// arrows, and each shows that it has the focus (the page looks different around it when it
// has the focus than when it has not: an outline or a border of the theme's focus colour).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { HostToPanelMessage, PanelToHostMessage, PanelViewState } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

interface Focused {
  /** tag#id.class[data-column] of document.activeElement */
  name: string;
  rect: { x: number; y: number; width: number; height: number };
}

describe('results panel with the keyboard only', { skip }, () => {
  let host: FakeHost;
  let dir: string;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;

  before(async () => {
    // Samples at two epochs (the epoch slider), and forward.png files under runs/<id>/ (the notes' Insert figure).
    dir = mkdtempSync(path.join(tmpdir(), 'dl-keys-'));
    const runs = init.runs.map((r) => {
      const runDir = path.join(dir, '.diffusion/runs', r.runId);
      mkdirSync(runDir, { recursive: true });
      const png = path.join(runDir, 'forward.png');
      writeFileSync(png, Buffer.from(r.forwardStrip!.uri.split(',')[1]!, 'base64'));
      const strip = r.samples[0]!.strip;
      return {
        ...r, forwardStrip: { ...r.forwardStrip!, uri: `file://${png}?v=1` },
        samples: [{ epoch: 1, ...(strip ? { strip } : {}) }, ...r.samples],
      };
    });
    host = await openFakeHost({ width: 1100, height: 900 });
    await host.send([{ ...init, runs }, ...messages.slice(1)]);
    await host.page.waitForSelector('dl-loss-chart canvas');
  });
  after(async () => {
    await host?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const focused = (): Promise<Focused> => host.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { name: 'body', rect: { x: 0, y: 0, width: 0, height: 0 } };
    const r = el.getBoundingClientRect();
    const column = el.getAttribute('data-column');
    const cls = [...el.classList].filter((c) => !c.startsWith('u-'))[0];
    return {
      name: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls ? `.${cls}` : ''}${column ? `[${column}]` : ''}${el.getAttribute('aria-label') ? `(${el.getAttribute('aria-label')})` : ''}`,
      rect: { x: r.x, y: r.y, width: r.width, height: r.height },
    };
  });

  /** Presses `key` until the focused element's name starts with `name`; fails after `max` presses, listing where the focus went. */
  async function pressUntil(key: string, name: string, max = 30): Promise<Focused> {
    const visited: string[] = [];
    for (let i = 0; i < max; i++) {
      await host.page.keyboard.press(key);
      const f = await focused();
      visited.push(f.name);
      if (f.name.startsWith(name)) return f;
    }
    assert.fail(`${key} never reached ${name}; the focus went to: ${visited.join(' → ')}`);
  }

  async function shot(rect: Focused['rect']): Promise<{ data: Buffer; width: number }> {
    const clip = { x: Math.max(0, rect.x - 4), y: Math.max(0, rect.y - 4), width: rect.width + 8, height: rect.height + 8 };
    const png = await host.page.screenshot({ clip });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width };
  }

  /**
   * The focused element looks different than without the focus (Shift+Tab away and Tab back,
   * both with the keyboard): at least a thin outline's worth of pixels change around it.
   */
  async function assertFocusVisible(): Promise<void> {
    const f = await focused();
    const withFocus = await shot(f.rect);
    await host.page.keyboard.press('Shift+Tab');
    const away = await focused();
    const without = await shot(f.rect);
    await host.page.keyboard.press('Tab');
    assert.equal((await focused()).name, f.name, `Tab after Shift+Tab went from ${away.name} to another element than ${f.name}`);
    let changed = 0;
    for (let i = 0; i < withFocus.data.length; i += 3) {
      if (Math.max(...[0, 1, 2].map((j) => Math.abs(withFocus.data[i + j]! - without.data[i + j]!))) > 40) changed++;
    }
    assert.ok(changed >= 20, `${f.name} shows no focus indicator (${changed} pixels change around it when it gets the focus)`);
  }

  const lastViewState = async (): Promise<PanelViewState> =>
    ((await host.sent()).filter((m) => m.type === 'view-state').at(-1) as Extract<PanelToHostMessage, { type: 'view-state' }>).state;

  /** Back to the tab row (Shift+Tab), then arrow keys to `tab`. */
  async function openTab(tab: string): Promise<void> {
    const order = ['loss', 'noise', 'samples', 'compare', 'notes'];
    let f = await focused();
    for (let i = 0; i < 30 && !f.name.startsWith('vscode-panel-tab'); i++) {
      await host.page.keyboard.press('Shift+Tab');
      f = await focused();
    }
    assert.match(f.name, /^vscode-panel-tab#tab-/, 'Shift+Tab leads back to the tabs');
    const from = order.indexOf(f.name.replace(/^vscode-panel-tab#tab-/, '').replace(/[.(].*$/, ''));
    const steps = (order.indexOf(tab) - from + order.length) % order.length;
    for (let i = 0; i < steps; i++) await host.page.keyboard.press('ArrowRight');
    assert.equal((await focused()).name.startsWith(`vscode-panel-tab#tab-${tab}`), true);
    await host.page.waitForSelector(`#view-${tab}:not([hidden]) > *`);
  }

  it('moves between the tabs with the arrow keys, with a visible focus', async () => {
    await host.page.mouse.click(1050, 880); // on no control: nothing focused, as after opening
    await pressUntil('Tab', 'vscode-panel-tab#tab-loss', 3);
    await assertFocusVisible();
    for (const tab of ['noise', 'samples', 'compare', 'notes', 'loss']) {
      await host.page.keyboard.press('ArrowRight');
      assert.ok((await focused()).name.startsWith(`vscode-panel-tab#tab-${tab}`));
      await host.page.waitForSelector(`#view-${tab}:not([hidden]) dl-${tab === 'loss' ? 'loss' : tab}-view`);
      assert.equal(await host.page.locator(`#tab-${tab}`).getAttribute('aria-selected'), 'true');
    }
    assert.equal((await lastViewState()).tab, 'loss');
  });

  it('Loss: smoothing slider, x axis and log scale', async () => {
    await pressUntil('Tab', 'input.smoothing', 3);
    await assertFocusVisible();
    await host.page.keyboard.press('ArrowLeft');
    await host.page.keyboard.press('ArrowLeft');
    assert.equal((await lastViewState()).smoothing, 0.598);
    assert.equal(await host.page.locator('input.smoothing + output').textContent(), '0.598');

    await pressUntil('Tab', 'vscode-dropdown.x-axis', 2);
    await assertFocusVisible();
    await host.page.keyboard.press('Enter'); // opens the list
    await host.page.keyboard.press('ArrowDown');
    await host.page.keyboard.press('Enter');
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'view-state' && m.state.xAxis === 'epoch'), null);
    await host.until(() => document.querySelector('dl-loss-chart .chart-area')?.getAttribute('aria-label')?.endsWith('by epoch'), null);

    await pressUntil('Tab', 'vscode-checkbox.log-y', 2);
    await assertFocusVisible();
    await host.page.keyboard.press('Space');
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'view-state' && m.state.logY), null);
  });

  it('Noise steps: the run, the t slider and the t / T axis', async () => {
    await openTab('noise');
    await pressUntil('Tab', 'vscode-dropdown', 2);
    await assertFocusVisible();
    await pressUntil('Tab', 'input.t-slider', 2);
    await assertFocusVisible();
    const output = host.page.locator('dl-noise-view .slider-label output');
    await host.page.keyboard.press('End');
    assert.equal(await output.textContent(), String(init.runs[0]!.schedule!.T - 1));
    await host.page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await host.page.keyboard.press('ArrowRight');
    assert.equal(await output.textContent(), '3');
    // Past each schedule chart's Save PNG and Save SVG.
    await pressUntil('Tab', 'vscode-checkbox', 6);
    await assertFocusVisible();
    await host.page.keyboard.press('Space');
    await host.until(() => document.querySelector('dl-noise-view dl-curve-chart .chart-area')?.getAttribute('aria-label')?.endsWith('by t / T'), null);
  });

  it('Samples: the epoch slider, and an image enlarged with Enter and closed with Esc', async () => {
    await openTab('samples');
    await pressUntil('Tab', 'input.epoch-slider', 2);
    await assertFocusVisible();
    const output = host.page.locator('dl-samples-view .slider-label output');
    await host.page.keyboard.press('Home');
    assert.equal(await output.textContent(), '1');
    await host.page.keyboard.press('ArrowRight');
    assert.equal(await output.textContent(), '2');
    const image = await pressUntil('Tab', 'button.enlarge', 2);
    await assertFocusVisible();
    await host.page.keyboard.press('Enter');
    await host.until(() => document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    assert.ok((await focused()).name.startsWith('button.close'), 'the focus moves into the dialog');
    await host.page.keyboard.press('Escape');
    await host.until(() => !document.querySelector('dialog.image-dialog')?.hasAttribute('open'), null);
    assert.equal((await focused()).name, image.name, 'and back to the image when it closes');
  });

  it('Compare: sorts with Enter and Space on a header, and a row\'s checkbox chooses the runs shown', async () => {
    await openTab('compare');
    const names = () => host.page.locator('table.compare tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
    const byLoss = [...init.runs].sort((a, b) => a.measures.finalLoss! - b.measures.finalLoss!).map((r) => r.runId);
    await pressUntil('Tab', 'vscode-text-field.filter', 2);
    await assertFocusVisible();
    await pressUntil('Tab', 'vscode-button', 2);
    await assertFocusVisible();
    await pressUntil('Tab', 'button.sort[finalLoss]', 12);
    await assertFocusVisible();
    await host.page.keyboard.press('Enter');
    assert.deepEqual(await names(), byLoss);
    await host.page.keyboard.press('Space');
    assert.deepEqual(await names(), [...byLoss].reverse());
    assert.equal(await host.page.locator('th[aria-sort="descending"] button[data-column="finalLoss"]').count(), 1);
    // The first row's checkbox: the run leaves the charts.
    await pressUntil('Tab', 'input(Show ', 12);
    await assertFocusVisible();
    await host.page.keyboard.press('Space');
    await host.until(() => document.querySelector('.app-header .summary')?.textContent?.includes('2 shown'), null);
    assert.equal((await lastViewState()).selectedRuns.length, init.runs.length - 1);
    await host.page.keyboard.press('Space');
    await host.until(() => !document.querySelector('.app-header .summary')?.textContent?.includes('shown'), null);
  });

  it('Notes: the insert buttons, the figure to insert and the editor', async () => {
    await openTab('notes');
    await pressUntil('Tab', 'vscode-button.insert-table', 2);
    await assertFocusVisible();
    await host.page.keyboard.press('Enter');
    const editor = host.page.locator('textarea.notes-editor');
    await host.until(() => (document.querySelector('textarea.notes-editor') as HTMLTextAreaElement).value.includes('| run |'), null);
    assert.equal((await focused()).name.startsWith('textarea.notes-editor'), true, 'the caret goes back to the editor after the table');
    await assertFocusVisible();
    await host.page.keyboard.type('\nTyped with the keyboard.');
    assert.match(await editor.inputValue(), /\| run \|[\s\S]*Typed with the keyboard\.$/);
    await pressUntil('Shift+Tab', 'vscode-button.insert-figure', 2);
    await assertFocusVisible();
    await pressUntil('Shift+Tab', 'vscode-dropdown.figure-pick', 2);
    await assertFocusVisible();
    await host.page.keyboard.press('Enter');
    await host.page.keyboard.press('ArrowDown');
    await host.page.keyboard.press('Enter');
    await pressUntil('Tab', 'vscode-button.insert-figure', 2);
    await host.page.keyboard.press('Space');
    await host.until(() => /!\[T=300 \(base\): forward diffusion\]\(\.\.\/\.\.\/runs\/T300-0198\/forward\.png\)/.test((document.querySelector('textarea.notes-editor') as HTMLTextAreaElement).value), null);
    // And it is saved, as typing is.
    await host.until(() => (window as unknown as { __sent: PanelToHostMessage[] }).__sent.some((m) => m.type === 'save-notes' && m.text.includes('forward.png')), null);
  });
});
