// A read error of the host's is shown in the panel itself, where the results went stale, and
// goes when a read succeeds again (src/extension/panel/resultsPanel.ts posts both).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM, demoMessages, openFakeHost, type FakeHost } from './panelHarness';

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;

describe('results panel: a disk read error', { skip, timeout: 120_000 }, () => {
  let host: FakeHost;
  before(async () => {
    host = await openFakeHost({ width: 900, height: 700 });
    await host.send(demoMessages());
    await host.page.waitForSelector('dl-loss-chart canvas');
  });
  after(async () => {
    await host?.close();
  });

  it('shows the file and what is wrong in place, and clears when the next read works', async () => {
    const banner = host.page.locator('.banner.read-error');
    assert.equal(await banner.count(), 0);
    const message = 'Could not read the run directories: /w/.diffusion/sweeps/demo/sweep.json: not valid JSON (Unexpected end of JSON input)';
    await host.send([{ type: 'read-error', message }]);
    await banner.waitFor();
    assert.equal(await banner.getAttribute('role'), 'alert');
    assert.equal((await banner.textContent())?.trim(), message);
    assert.ok(await host.page.locator('dl-loss-chart canvas').isVisible(), 'the last results stay on screen');
    await host.send([{ type: 'read-error', message: null }]);
    await banner.waitFor({ state: 'detached' });
  });
});
