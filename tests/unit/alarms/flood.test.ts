// The flood rule (ISA-18.2: more than 10 alarms in 10 minutes) as a pure function: when a flood
// starts, what it counts, and that it ends only after a whole quiet window.

import { describe, expect, it } from 'vitest';
import { afterFlood, DEFAULT_FLOOD_POLICY, floodEnded, NO_FLOOD, noteRaise, type FloodState } from '../../../gateway/src/alarms/flood.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { deepFreeze } from '../../support/freeze.js';

const MIN = 60_000;
const policy = DEFAULT_FLOOD_POLICY;

function raiseAll(times: number[], level: Level = 'yellow', from: FloodState = NO_FLOOD): { state: FloodState; startedAt: number[] } {
  let state = deepFreeze(from);
  const startedAt: number[] = [];
  for (const t of times) {
    const step = noteRaise(state, t, level, policy);
    if (step.started) startedAt.push(t);
    state = deepFreeze(step.state);
  }
  return { state, startedAt };
}

describe('flood', () => {
  it('is not a flood at 10 alarms in 10 minutes, is one at the 11th', () => {
    const ten = Array.from({ length: 10 }, (_, i) => i * 50_000); // 0 … 450 s
    expect(raiseAll(ten).state.inFlood).toBe(false);
    const { state, startedAt } = raiseAll([...ten, 9 * MIN]);
    expect(startedAt).toEqual([9 * MIN]);
    expect(state).toMatchObject({ inFlood: true, startedAtMs: 9 * MIN, count: 11 });
  });

  it('does not count alarms older than the window', () => {
    // 11 alarms one minute apart: the first has left the window when the 11th comes.
    const { state } = raiseAll(Array.from({ length: 11 }, (_, i) => i * MIN));
    expect(state.inFlood).toBe(false);
  });

  it('starts once, counts every alarm since, and keeps the highest level', () => {
    let { state } = raiseAll(Array.from({ length: 11 }, (_, i) => i * 1000), 'blue');
    const step = noteRaise(state, 20_000, 'orange', policy);
    expect(step.started).toBe(false);
    state = noteRaise(step.state, 21_000, 'yellow', policy).state;
    expect(state).toMatchObject({ inFlood: true, count: 13, peakLevel: 'orange' });
  });

  it('ends only after the site stayed at or below the threshold for a whole window', () => {
    // 11 alarms at 0..10 s: over the threshold until the first leaves the window (600 s),
    // then a whole quiet window more: ends at 1200 s.
    const { state } = raiseAll(Array.from({ length: 11 }, (_, i) => i * 1000));
    expect(state.overUntilMs).toBe(10 * MIN);
    expect(floodEnded(state, 20 * MIN - 1, policy)).toBe(false);
    expect(floodEnded(state, 20 * MIN, policy)).toBe(true);
  });

  it('a flood that keeps going pushes its end out', () => {
    const { state } = raiseAll(Array.from({ length: 22 }, (_, i) => i * 20_000)); // 0 … 420 s
    // The 11th-latest of the last raises is at 220 s: over until 820 s, ends at 1420 s.
    expect(state.overUntilMs).toBe(220_000 + 10 * MIN);
    expect(floodEnded(state, 220_000 + 20 * MIN - 1, policy)).toBe(false);
    expect(floodEnded(state, 220_000 + 20 * MIN, policy)).toBe(true);
  });

  it('after a flood, a new one needs more than the threshold again', () => {
    const first = raiseAll(Array.from({ length: 11 }, (_, i) => i * 1000)).state;
    const quiet = afterFlood(first);
    const { startedAt } = raiseAll(Array.from({ length: 11 }, (_, i) => 30 * MIN + i * 1000), 'yellow', quiet);
    expect(startedAt).toEqual([30 * MIN + 10_000]);
  });
});
