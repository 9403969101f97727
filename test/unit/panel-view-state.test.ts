// The view state a results panel keeps (setState, the host's memento, the serializer after a
// reload): the sliders' positions are part of it, and nonsense in them is refused.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostToPanelMessage, isPanelViewState } from '../../src/shared/panelMessages';

const base = { target: { kind: 'run', runDir: '/w/.diffusion/runs/r' }, tab: 'samples', selectedRuns: ['r'], smoothing: 0.6, xAxis: 'step', logY: false };

describe('panel view state', () => {
  it('keeps the Samples epoch and the Noise steps t', () => {
    assert.ok(isPanelViewState({ ...base, sampleEpoch: 3, noiseT: 120 }));
    assert.ok(isPanelViewState(base), 'both are optional (states saved before they existed)');
  });

  it('refuses an epoch or t that is not a whole number of 0 or more', () => {
    for (const bad of [{ sampleEpoch: -1 }, { sampleEpoch: 1.5 }, { sampleEpoch: '2' }, { noiseT: Infinity }, { noiseT: null }]) {
      assert.equal(isPanelViewState({ ...base, ...bad }), false, JSON.stringify(bad));
    }
  });

  it('init may carry the smoothing last chosen, in [0, 1)', () => {
    const init = { type: 'init', target: base.target, title: 'r', variedFields: [], runs: [], notes: null };
    assert.ok(isHostToPanelMessage({ ...init, lastSmoothing: 0.25 }));
    for (const bad of [1, -0.1, 'high', NaN]) assert.equal(isHostToPanelMessage({ ...init, lastSmoothing: bad }), false, String(bad));
  });
});
