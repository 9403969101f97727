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
    ]) assert.ok(isPanelToHostMessage(m), JSON.stringify(m));
  });

  it('rejects what a page could make up', () => {
    for (const m of [
      { type: 'save-notes', text: 1, baseVersion: 'v' }, { type: 'save-notes', text: 'x' }, { type: 'save-notes', text: 'x', baseVersion: 'v', force: 'yes' },
      { type: 'open', runId: 'r', what: '../../etc/passwd' }, { type: 'exec', command: 'rm -rf /' },
      { type: 'view-state', state: { ...state, smoothing: 1 } }, { type: 'view-state', state: { ...state, tab: 'x' } },
      { type: 'notes-draft' }, { type: 'notes-draft', draft: { text: 'typed' } }, { type: 'notes-draft', draft: 'typed' },
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
