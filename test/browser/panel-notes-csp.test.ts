// A hostile notes.md in the Notes tab: the preview shows its harmless parts and the page
// reports nothing to the CSP. Sanitising must not itself make the browser refuse inline
// handlers or remote images: a console full of CSP violations looks like an attack.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { HostToPanelMessage } from '../../src/shared/panelMessages';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

const HOSTILE = [
  '# Findings',
  '| run | loss |\n| --- | --- |\n| T 250 | 0.63 |',
  '```js\nconst answer = 42;\n```',
  '<script>window.__pwned = true</script>',
  '<img src="x" onerror="window.__pwned = true">',
  '<img src="https://example.com/tracker.png" alt="remote">',
  '![remote markdown image](http://example.com/plot.png)',
  '![local figure](forward.png)',
  '[click me](javascript:window.__pwned=true)',
  '<iframe src="https://example.com"></iframe>',
  '<svg onload="window.__pwned = true"><circle r="5"></circle></svg>',
  '<p style="color: red" onclick="window.__pwned = true">styled</p>',
  '<a href="https://example.com" onmouseover="window.__pwned = true">remote link</a>',
  '<details open ontoggle="window.__pwned = true"><summary>more</summary>text</details>',
  '<video poster="https://example.com/p.png" onerror="window.__pwned = true"></video>',
  '<object data="https://example.com/x.swf"></object>',
  '<style>h1 { color: red }</style>',
  '<link rel="stylesheet" href="https://example.com/x.css"><base href="https://example.com/">',
  '<table background="https://example.com/bg.png"><tr><td>bg</td></tr></table>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__pwned = true">',
].join('\n\n'); // a blank line after each: an HTML block runs to the next blank line and would swallow the markdown after it

/** A fragment typed key by key: every half-typed state goes through the preview. */
const TYPED = '\n<img src=y onerror="window.__pwned=1">';

describe('notes preview of hostile markdown', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  const messages = demoMessages();
  const init = messages[0] as Extract<HostToPanelMessage, { type: 'init' }>;

  before(async () => {
    // The harness's CSP is the panel's (img-src file: data: and no more), so a remote image would be refused.
    host = await openFakeHost();
    await host.page.evaluate(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await host.send(messages);
    await host.page.click('#tab-notes');
    await host.page.waitForSelector('textarea.notes-editor');
  });
  after(() => host?.close());

  const violations = () => host.page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

  it('renders the safe parts and reports no CSP violation, loaded or typed', async () => {
    await host.send([{ type: 'notes', doc: { file: init.notes!.file, text: HOSTILE, version: 'h1', baseUri: 'file:///fixture/notes/' } }]);
    await host.until(() => document.querySelector('.notes-preview h1')?.textContent === 'Findings', null);
    const editor = host.page.locator('textarea.notes-editor');
    await editor.click();
    await editor.press('Control+End');
    await host.page.keyboard.type(TYPED);
    await host.until(() => (document.querySelector('textarea.notes-editor') as HTMLTextAreaElement).value.endsWith('=1">'), null);
    // Images load (and fail) after the preview is in the page; the local one settling means the others had their chance too.
    await host.until(() => {
      const img = document.querySelector('.notes-preview img[alt="local figure"]') as HTMLImageElement | null;
      return img?.complete;
    }, null);

    const preview = host.page.locator('.notes-preview');
    assert.equal(await preview.locator('h1').textContent(), 'Findings');
    assert.equal(await preview.locator('table td').first().textContent(), 'T 250');
    assert.match((await preview.locator('pre code').textContent()) ?? '', /const answer = 42;/);
    assert.equal(await preview.locator('img[alt="local figure"]').getAttribute('src'), 'file:///fixture/notes/forward.png');
    assert.equal(await preview.locator('a', { hasText: 'remote link' }).getAttribute('href'), 'https://example.com');

    assert.equal(await host.page.evaluate(() => (window as unknown as { __pwned: boolean }).__pwned), false);
    assert.equal(await preview.locator('script, iframe, object, style, [style], [onerror], [onload], [onclick], [onmouseover], [ontoggle]').count(), 0);
    assert.equal(await preview.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await preview.locator('img[src^="http"], video[poster]').count(), 0, 'remote images are not requested');
    assert.ok(await preview.getByText('Remote image not shown').first().isVisible(), 'a note says where a remote image was left out');

    assert.deepEqual(await violations(), []);
    assert.deepEqual(host.errors().filter((e) => /Content Security Policy|Refused/i.test(e)), []);
  });
});
