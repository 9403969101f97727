// The checks the results panel's host and webview run on every message they receive.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isHostToPanelMessage, isPanelToHostMessage, isPanelViewState, type HostToPanelMessage } from '../../src/shared/panelMessages';

const recorded = JSON.parse(readFileSync(new URL('../fixtures/panel/demo-sweep.messages.json', import.meta.url), 'utf8')) as HostToPanelMessage[];
const init = recorded[0] as Extract<HostToPanelMessage, { type: 'init' }>;
const run = init.runs[0]!;

describe('host -> webview messages', () => {
  it('accepts every recorded message of a demo sweep', () => {
    for (const m of recorded) assert.ok(isHostToPanelMessage(m), m.type);
  });

  it('accepts each kind with its fields', () => {
    const doc = { file: '/x/notes.md', text: '# n', version: 'abc' };
    for (const m of [
      { type: 'runs', runs: [run] }, { type: 'notes', doc }, { type: 'notes-saved', version: 'v' },
      { type: 'notes-conflict', disk: doc }, { type: 'notes-error', message: 'disk full' }, { type: 'show-tab', tab: 'notes' },
      { type: 'points', series: [{ runId: 'r', reset: false, step: [1], wallSec: [0.5], loss: [0.3] }] },
    ]) assert.ok(isHostToPanelMessage(m), JSON.stringify(m));
  });

  it('rejects unknown types, missing fields and wrong types', () => {
    for (const m of [
      null, 'init', [], {}, { type: 'nope' }, { type: 'toString' }, { type: '__proto__' },
      { type: 'show-tab', tab: 'settings' },
      { type: 'notes-saved' },
      { type: 'notes', doc: { file: '/x', text: 3, version: 'v' } },
      { type: 'runs', runs: [{ ...run, measures: { finalLoss: 'low' } }] },
      { type: 'runs', runs: [{ ...run, samples: [{ epoch: '2' }] }] },
      { ...init, target: { kind: 'run' } },
      { ...init, target: { kind: 'elsewhere', runDir: '/x' } },
    ]) assert.equal(isHostToPanelMessage(m), false, JSON.stringify(m)?.slice(0, 120));
  });

  it('rejects loss points with mismatched or non-finite columns', () => {
    const points = (p: object) => ({ type: 'points', series: [{ runId: 'r', reset: false, step: [1, 2], wallSec: [1, 2], loss: [0.3, 0.2], ...p }] });
    assert.ok(isHostToPanelMessage(points({})));
    assert.equal(isHostToPanelMessage(points({ loss: [0.3] })), false);
    assert.equal(isHostToPanelMessage(points({ loss: [0.3, null] })), false);
    assert.equal(isHostToPanelMessage(points({ step: [1, Infinity] })), false);
  });

  it('accepts samples over training time: epoch grids with time and SWD, and the end\'s EMA and raw grids', () => {
    const swd = { value: 151, floor: 110, images: 8 };
    const samples = [{ epoch: 1, strip: 'a', stripT: [19, 15, 11, 7, 3], grid: 'g', atMs: 72_000, swd }, { epoch: 2, strip: 'b' }];
    const final = { epoch: 2, grid: 'f', ema: true, rawGrid: 'r', atMs: 90_000, swd, swdRaw: { ...swd, value: 160 } };
    assert.ok(isHostToPanelMessage({ type: 'runs', runs: [{ ...run, samples, final, measures: { ...run.measures, swdRaw: 160 } }] }));
    assert.ok(isHostToPanelMessage({ type: 'runs', runs: [{ ...run, samples, final: { epoch: 2, ema: false, later: true, grid: 'x' } }] }));
  });

  it('rejects a malformed sample field', () => {
    const swd = { value: 151, floor: 110, images: 8 };
    const final = { epoch: 2, grid: 'f', ema: true };
    for (const runFields of [
      { samples: [{ epoch: 1, swd: { ...swd, value: '151' } }] },
      { samples: [{ epoch: 1, swd: { value: 151, images: 8 } }] },
      { samples: [{ epoch: 1, stripT: [19, '15'] }] },
      { samples: [{ epoch: 1, stripT: 19 }] },
      { samples: [{ epoch: 1, atMs: null }] },
      { samples: [{ epoch: 1, grid: 3 }] },
      { final: { ...final, ema: 'yes' } },
      { final: { epoch: 2, grid: 'f' } },
      { final: { ...final, rawGrid: 3 } },
      { final: { ...final, later: 1 } },
      { final: { ...final, swdRaw: { value: 1, floor: 1 } } },
      { final: { ...final, swd: { value: 1, floor: Infinity, images: 8 } } },
      { final: 'grid-final.png' },
      { measures: { ...run.measures, swdRaw: 'high' } },
    ]) assert.equal(isHostToPanelMessage({ type: 'runs', runs: [{ ...run, ...runFields }] }), false, JSON.stringify(runFields));
  });

  it('rejects schedule curves of unequal length', () => {
    const schedule = { name: 'linear', T: 3, t: [0, 1, 2], sqrtAlphaBar: [1, 0.9], snr: [9, 4, 1] };
    assert.equal(isHostToPanelMessage({ type: 'runs', runs: [{ ...run, schedule }] }), false);
    assert.ok(isHostToPanelMessage({ type: 'runs', runs: [{ ...run, schedule: { ...schedule, sqrtAlphaBar: [1, 0.9, 0.8] } }] }));
  });
});

describe('webview -> host messages', () => {
  const state = { target: { kind: 'sweep', sweepDir: '/w/.diffusion/sweeps/demo' }, tab: 'loss', selectedRuns: ['a'], smoothing: 0.6, xAxis: 'step', logY: false };

  it('accepts each kind', () => {
    for (const m of [
      { type: 'ready' }, { type: 'save-notes', text: 'x', baseVersion: 'v' }, { type: 'save-notes', text: '', baseVersion: 'v', force: true },
      { type: 'open', runId: 'r', what: 'folder' }, { type: 'view-state', state },
      { type: 'notes-draft', draft: { text: 'typed', baseVersion: 'v' } }, { type: 'notes-draft', draft: null },
      ...['star', 'unstar', 'rename', 'edit-labels'].map((action) => ({ type: 'annotate-run', runId: 'T250-ab12', action })),
    ]) assert.ok(isPanelToHostMessage(m), JSON.stringify(m));
  });

  it('rejects what a page could make up', () => {
    for (const m of [
      { type: 'save-notes', text: 1, baseVersion: 'v' }, { type: 'save-notes', text: 'x' }, { type: 'save-notes', text: 'x', baseVersion: 'v', force: 'yes' },
      { type: 'open', runId: 'r', what: '../../etc/passwd' }, { type: 'exec', command: 'rm -rf /' },
      { type: 'view-state', state: { ...state, smoothing: 1 } }, { type: 'view-state', state: { ...state, tab: 'x' } },
      { type: 'notes-draft' }, { type: 'notes-draft', draft: { text: 'typed' } }, { type: 'notes-draft', draft: 'typed' },
      // The page names a run and an action; the name or labels themselves are typed in VS Code's own input, never sent.
      { type: 'annotate-run', runId: 'r', action: 'delete' }, { type: 'annotate-run', runId: '', action: 'star' },
      { type: 'annotate-run', runId: 7, action: 'star' }, { type: 'annotate-run', action: 'star' }, { type: 'annotate-run', runId: 'r' },
    ]) assert.equal(isPanelToHostMessage(m), false, JSON.stringify(m));
  });

  it('checks the view state VS Code hands back after a reload', () => {
    assert.ok(isPanelViewState(state));
    assert.equal(isPanelViewState({ ...state, xAxis: 'time' }), false);
    assert.equal(isPanelViewState(undefined), false);
    assert.ok(isPanelViewState({ ...state, notesDraft: { text: 'typed', baseVersion: 'v1' } }));
    assert.equal(isPanelViewState({ ...state, notesDraft: { text: 1, baseVersion: 'v1' } }), false);
  });
});
