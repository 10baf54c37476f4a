// Threshold detection over tables of readings: [tsMs, value, expected level after the reading].

import { describe, it, expect } from 'vitest';
import { thresholdRuleSchema, type ThresholdRule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { initialThresholdState, stepThreshold, type ThresholdState } from '../../../gateway/src/detect/threshold.js';

type Row = readonly [tsMs: number, value: number, expected: Level | null];

function rule(input: Partial<ThresholdRule> & Pick<ThresholdRule, 'levels'>): ThresholdRule {
  return thresholdRuleSchema.parse({ id: 'r', quantity: 'methane_lel', direction: 'above', ...input });
}

/** Feeds the rows in order and checks the level after each; returns the final state. */
function expectLevels(r: ThresholdRule, rows: readonly Row[], start: ThresholdState = initialThresholdState()): ThresholdState {
  let state = start;
  const got: (Level | null)[] = [];
  for (const [tsMs, value] of rows) {
    state = stepThreshold(state, value, tsMs, r).state;
    got.push(state.level);
  }
  expect(got).toEqual(rows.map((row) => row[2]));
  return state;
}

const methane = thresholdRuleSchema.parse(KITCHEN_RULES.find((r) => r.id === 'kitchen-methane'));
const instant = { deadband: 2, onDelayS: 0, onDelaySamples: 1 };

describe('hysteresis', () => {
  it('stays at yellow inside the deadband and clears once past it', () => {
    expectLevels(rule({ levels: { yellow: 20 }, ...instant }), [
      [0, 19.9, null],
      [1000, 20, 'yellow'],
      [2000, 19, 'yellow'],
      [3000, 18, 'yellow'], // exactly sp - deadband still holds
      [4000, 17.99, null],
      [5000, 19, null], // back inside the deadband but never re-met: no raise
    ]);
  });

  it('raises on a value exactly at the set point', () => {
    const step = stepThreshold(initialThresholdState(), 25, 0, rule({ levels: { orange: 25 }, ...instant }));
    expect(step).toMatchObject({ from: null, to: 'orange', changed: true });
  });
});

describe('on-delay', () => {
  const delayed = rule({ levels: { yellow: 20 }, deadband: 2, onDelayS: 2 });

  it('raises exactly when the delay in reading time is reached, not a millisecond earlier', () => {
    expectLevels(delayed, [
      [10_000, 25, null],
      [11_000, 25, null],
      [11_999, 25, null],
      [12_000, 25, 'yellow'],
    ]);
  });

  it('never raises on a one-sample spike', () => {
    expectLevels(delayed, [
      [0, 5, null],
      [1000, 80, null],
      [2000, 5, null],
      [3000, 25, null], // the timer restarts here, not at the spike
      [4000, 25, null],
      [5000, 25, 'yellow'],
    ]);
  });

  it('counts consecutive samples and raises on the last one required', () => {
    expectLevels(rule({ levels: { yellow: 20 }, onDelaySamples: 3 }), [
      [0, 25, null],
      [1, 5, null],
      [2, 25, null],
      [3, 25, null],
      [4, 25, 'yellow'],
    ]);
  });

  it('needs both the seconds and the samples', () => {
    const both = rule({ levels: { yellow: 20 }, onDelayS: 2, onDelaySamples: 3 });
    expectLevels(both, [[0, 25, null], [500, 25, null], [1000, 25, null], [2000, 25, 'yellow']]);
    expectLevels(both, [[0, 25, null], [5000, 25, null], [5001, 25, 'yellow']]);
  });

  it('reaches a fractional delay on the exact millisecond', () => {
    const r = rule({ levels: { red: 50 }, onDelayS: 0.3 });
    expectLevels(r, [[0, 60, null], [299, 60, null], [300, 60, 'red']]);
  });
});

describe('kitchen methane', () => {
  it('jumps from no level straight to red when gas crosses red and the delay passes', () => {
    let state = stepThreshold(initialThresholdState(), 60, 0, methane).state;
    const step = stepThreshold(state, 60, 2000, methane);
    expect(step).toMatchObject({ from: null, to: 'red', changed: true });
    state = step.state;
    expect(state.level).toBe('red');
  });

  it('descends through the levels as the gas falls, each past its deadband', () => {
    expectLevels(methane, [
      [0, 60, null],
      [2000, 60, 'red'],
      [3000, 48, 'red'], // 50 - 2 holds
      [4000, 47, 'orange'],
      [5000, 23, 'orange'],
      [6000, 22, 'yellow'],
      [7000, 17, 'blue'],
      [8000, 8, 'blue'],
      [9000, 7.9, null],
    ]);
  });
});

describe('a below rule (oxygen deficiency)', () => {
  const oxygen = rule({ quantity: 'o2_pct', direction: 'below', levels: { yellow: 19.5, orange: 18, red: 16 }, deadband: 0.5 });

  it('raises as oxygen falls and clears as it recovers, with the deadband above each set point', () => {
    expectLevels(oxygen, [
      [0, 20.9, null],
      [1000, 19.5, 'yellow'],
      [2000, 20, 'yellow'], // 19.5 + 0.5 holds
      [3000, 20.01, null],
      [4000, 15, 'red'],
      [5000, 16.5, 'red'],
      [6000, 16.6, 'orange'],
      [7000, 18.4, 'orange'],
      [8000, 18.6, 'yellow'],
      [9000, 20.9, null],
    ]);
  });
});

describe('rules with missing levels', () => {
  it('skips absent levels going up and coming down', () => {
    expectLevels(rule({ levels: { yellow: 20, red: 50 }, ...instant }), [
      [0, 15, null], // no blue
      [1000, 30, 'yellow'], // no orange between yellow and red
      [2000, 55, 'red'],
      [3000, 40, 'yellow'],
      [4000, 10, null],
    ]);
  });

  it('a red-only rule goes between nothing and red', () => {
    expectLevels(rule({ levels: { red: 50 }, ...instant }), [[0, 49, null], [1, 50, 'red'], [2, 47.5, null]]);
  });
});

describe('readings that do not move the state', () => {
  it('ignores a reading older than the last one and returns the same state', () => {
    const r = rule({ levels: { yellow: 20 }, ...instant });
    const state = stepThreshold(initialThresholdState(), 30, 10_000, r).state;
    const late = stepThreshold(state, 0, 5000, r);
    expect(late.state).toBe(state);
    expect(late).toMatchObject({ from: 'yellow', to: 'yellow', changed: false });
  });

  it('does not let an out-of-order reading restart the on-delay', () => {
    expectLevels(methane, [[1000, 30, null], [500, 0, null], [3000, 30, 'orange']]);
  });

  it('ignores a non-finite value rather than clearing an active level', () => {
    const r = rule({ levels: { yellow: 20 }, ...instant });
    const state = stepThreshold(initialThresholdState(), 30, 0, r).state;
    expect(stepThreshold(state, Number.NaN, 1000, r)).toMatchObject({ to: 'yellow', changed: false });
  });

  it('never mutates the state it is given', () => {
    const start = stepThreshold(initialThresholdState(), 30, 0, methane).state;
    const before = structuredClone(start);
    stepThreshold(start, 60, 5000, methane);
    stepThreshold(start, 0, 6000, methane);
    expect(start).toEqual(before);
  });
});

describe('off-delay (ISA-18.2)', () => {
  const held = rule({ levels: { yellow: 20 }, deadband: 2, offDelayS: 5 });

  it('drops exactly when the value has been past the deadband for the delay, not a millisecond earlier', () => {
    expectLevels(held, [
      [0, 25, 'yellow'],
      [10_000, 17, 'yellow'], // past the deadband: the off-delay starts
      [14_999, 0, 'yellow'],
      [15_000, 0, null],
    ]);
  });

  it('drops on the last sample required, not one sample earlier', () => {
    expectLevels(rule({ levels: { yellow: 20 }, offDelaySamples: 3 }), [
      [0, 25, 'yellow'],
      [1, 10, 'yellow'],
      [2, 10, 'yellow'],
      [3, 10, null],
    ]);
  });

  it('needs both the seconds and the samples', () => {
    const both = rule({ levels: { yellow: 20 }, offDelayS: 2, offDelaySamples: 3 });
    expectLevels(both, [[0, 25, 'yellow'], [1000, 0, 'yellow'], [5000, 0, 'yellow'], [5001, 0, null]]);
    expectLevels(both, [[0, 25, 'yellow'], [1000, 0, 'yellow'], [1500, 0, 'yellow'], [2000, 0, 'yellow'], [3000, 0, null]]);
  });

  it('starts again when the value comes back inside the deadband', () => {
    expectLevels(held, [
      [0, 25, 'yellow'],
      [1000, 10, 'yellow'],
      [4000, 19, 'yellow'], // back within the deadband: the run ends
      [5000, 10, 'yellow'], // a new run starts here
      [9999, 10, 'yellow'],
      [10_000, 10, null],
    ]);
  });

  it('lets each level keep its own off-delay: red drops to the level still waiting', () => {
    expectLevels(rule({ levels: { orange: 25, red: 50 }, deadband: 2, offDelayS: 10 }), [
      [0, 60, 'red'],
      [1000, 30, 'red'], // past red's deadband; orange holds
      [6000, 10, 'red'], // past orange's deadband too, from here
      [10_999, 10, 'red'],
      [11_000, 10, 'orange'], // red's 10 s are over, orange's are not
      [15_999, 10, 'orange'],
      [16_000, 10, null],
    ]);
  });

  it('keeps raising at once while a drop is pending', () => {
    expectLevels(rule({ levels: { yellow: 20, red: 50 }, offDelayS: 10 }), [
      [0, 25, 'yellow'],
      [1000, 0, 'yellow'],
      [2000, 55, 'red'],
    ]);
  });

  it('holds a level restored at start for the off-delay too', () => {
    const restored = { ...initialThresholdState(), level: 'yellow' as Level };
    expectLevels(held, [[0, 0, 'yellow'], [4999, 0, 'yellow'], [5000, 0, null]], restored);
  });

  it('with the defaults (0 s, 1 sample) drops on the first reading past the deadband', () => {
    expectLevels(rule({ levels: { yellow: 20 }, deadband: 2 }), [[0, 25, 'yellow'], [1, 17.99, null]]);
  });
});

describe('duplicates', () => {
  it('ignores a reading with the same time and value as the last, so it cannot count as a sample', () => {
    const r = rule({ levels: { yellow: 20 }, onDelaySamples: 2 });
    const state = stepThreshold(initialThresholdState(), 25, 0, r).state;
    const dup = stepThreshold(state, 25, 0, r);
    expect(dup.state).toBe(state);
    expect(stepThreshold(state, 26, 0, r).to).toBe('yellow'); // same time, new value: a reading
  });
});
