// Rate-of-change detection over tables of readings: [tsMs, value, expected level after the reading].

import { describe, it, expect } from 'vitest';
import { rateRuleSchema, type RateRule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RISE_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { advanceRate, compileRate, initialRateState, initRate, RATE_BUCKETS, RATE_SIZE, stepRate, unpackRate, type RateState } from '../../../gateway/src/detect/rate.js';
import { doubles } from '../../../gateway/src/detect/threshold.js';

type Row = readonly [tsMs: number, value: number, expected: Level | null];

function rule(input: Partial<RateRule> & Pick<RateRule, 'levels'>): RateRule {
  return rateRuleSchema.parse({ id: 'r', kind: 'rate', quantity: 'methane_lel', direction: 'rise', windowS: 60, ...input });
}

function expectLevels(r: RateRule, rows: readonly Row[], start: RateState = initialRateState()): RateState {
  let state = start;
  const got: (Level | null)[] = [];
  for (const [tsMs, value] of rows) {
    state = stepRate(state, value, tsMs, r).state;
    got.push(state.level);
  }
  expect(got).toEqual(rows.map((row) => row[2]));
  return state;
}

/** Levels seen when feeding value(t) every periodMs from 0 to untilMs. */
function levelsOf(r: RateRule, value: (tMs: number) => number, periodMs: number, untilMs: number): Set<Level | null> {
  let state = initialRateState();
  const seen = new Set<Level | null>();
  for (let t = 0; t <= untilMs; t += periodMs) {
    state = stepRate(state, value(t), t, r).state;
    seen.add(state.level);
  }
  return seen;
}

const methaneRise = rule({ levels: { red: 5 }, deadband: 1 });

describe('a rise within the window', () => {
  it('raises red on a climb of 5 %LEL within 60 s, once the median of three has seen it', () => {
    expectLevels(methaneRise, [
      [0, 2, null],
      [10_000, 2, null],
      [20_000, 2, null], // three readings: the median exists from here
      [30_000, 2, null],
      [40_000, 4, null], // median(4, 2, 2) = 2
      [50_000, 7, null], // median(7, 4, 2) = 4: a change of 2
      [60_000, 7, 'red'], // median(7, 7, 4) = 7: a change of 5
    ]);
  });

  it('does not raise on a climb of 4.99', () => {
    expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null], [30_000, 6.99, null], [40_000, 6.99, null], [50_000, 6.99, null]]);
  });

  // Readings every second along a straight ramp; the window reaches back 60 to 62 s (one bucket).
  it.each([
    [4.5, false],
    [4.8, false], // at most 4.8 · 62/60 = 4.96 within a window
    [5, true],
    [5.5, true],
    [30, true],
  ])('a steady climb of %f %LEL per minute raises red: %s', (perMin, raises) => {
    const seen = levelsOf(methaneRise, (t) => 2 + (perMin * t) / 60_000, 1_000, 5 * 60_000);
    expect(seen.has('red')).toBe(raises);
  });

  it.each([
    [0.25, new Set([null])],
    [0.35, new Set([null, 'orange'])],
  ])('water rising %f m an hour, read every minute: %o', (perHour, expected) => {
    const water = rule({ quantity: 'water_level_m', windowS: 3600, levels: { orange: 0.3 }, deadband: 0.05 });
    expect(levelsOf(water, (t) => 25 + (perHour * t) / 3_600_000, 60_000, 4 * 3_600_000)).toEqual(expected);
  });

  it('counts a rise that starts in the middle of the window in full (from the lowest point)', () => {
    expectLevels(methaneRise, [
      [0, 10, null],
      [10_000, 10, null],
      [20_000, 10, null],
      [30_000, 6, null],
      [40_000, 6, null], // dipped: the lowest median is now 6
      [50_000, 11, null],
      [60_000, 11, 'red'], // 11 − 6 = 5, though only 1 above the window's oldest reading
    ]);
  });

  it('raises on a fall for a `fall` rule', () => {
    const oxygen = rule({ quantity: 'o2_pct', direction: 'fall', levels: { yellow: 0.5 } });
    expectLevels(oxygen, [[0, 20.9, null], [10_000, 20.9, null], [20_000, 20.9, null], [30_000, 20.4, null], [40_000, 20.4, 'yellow']]);
  });
});

describe('single spikes', () => {
  it.each([80, 1e6, -1e6, 0])('ignores one reading of %f in a steady 20 %LEL', (spike) => {
    expectLevels(methaneRise, [[0, 20, null], [10_000, 20, null], [20_000, 20, null], [30_000, spike, null], [40_000, 20, null], [50_000, 20, null], [60_000, 20, null]]);
  });

  it('ignores a spike among the first three readings', () => {
    expectLevels(methaneRise, [[0, 90, null], [10_000, 2, null], [20_000, 2, null], [30_000, 2, null], [40_000, 2, null]]);
  });

  it('but two readings in a row are a rise', () => {
    expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null], [30_000, 80, null], [40_000, 80, 'red']]);
  });
});

describe('clearing', () => {
  it('holds while the climb is in the window, and clears when its start leaves it', () => {
    expectLevels(methaneRise, [
      [0, 2, null],
      [10_000, 2, null],
      [20_000, 2, null],
      [30_000, 2, null],
      [40_000, 7, null],
      [50_000, 7, 'red'],
      [100_000, 7, 'red'], // the 2 of 40 s (bucket 20) is still in the window (buckets 20..50)
      [110_000, 7, null], // buckets 25..55: only 7s left
    ]);
  });

  it('holds within the deadband (4 to 5) and clears below it', () => {
    expectLevels(methaneRise, [
      ...[0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000].map((t) => [t, 2, null] as const),
      [70_000, 7, null],
      [80_000, 7, 'red'],
      [81_000, 6.1, 'red'],
      [82_000, 6.1, 'red'], // change 4.1
      [83_000, 5.9, 'red'],
      [84_000, 5.9, null], // change 3.9
    ]);
  });

  it('clears as soon as the median is back, even within the first window', () => {
    expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null], [30_000, 7, null], [40_000, 7, 'red'], [50_000, 2, 'red'], [59_000, 2, null]]);
  });

  it('holds a restored level until it has watched one full window', () => {
    const restored = { ...initialRateState(), level: 'red' as Level, holdRestored: true };
    expectLevels(methaneRise, [[0, 2, 'red'], [10_000, 2, 'red'], [20_000, 2, 'red'], [59_999, 2, 'red'], [60_000, 2, null]], restored);
  });
});

describe('samples and silences', () => {
  it('raises nothing before minSamples readings', () => {
    const slow = rule({ levels: { red: 5 }, minSamples: 5 });
    expectLevels(slow, [[0, 2, null], [1_000, 2, null], [2_000, 9, null], [3_000, 9, null], [4_000, 9, 'red']]);
  });

  it('starts afresh after a silence longer than the window', () => {
    expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null], [200_000, 9, null], [210_000, 9, null], [220_000, 9, null], [230_000, 9, null]]);
  });

  it(`keeps at most ${RATE_BUCKETS + 1} entries however many readings the window holds`, () => {
    // A steady climb: no entry ever leaves the back of the deque, only the front as time passes.
    // The ring is fixed at 31 entries inside the state and leaves the slots on either side alone.
    const packed = doubles(1 + RATE_SIZE + 1);
    packed[0] = 7;
    packed[1 + RATE_SIZE] = 8;
    initRate(packed, 1);
    const spec = compileRate(methaneRise);
    for (let t = 0; t <= 10 * 60_000; t += 100) advanceRate(packed, 1, t / 1000, t, spec);
    // The latch, six slots of bookkeeping, the latest change, then the ring.
    expect(RATE_SIZE).toBeLessThanOrEqual(18 + 2 * (RATE_BUCKETS + 1));
    expect(packed[0]).toBe(7);
    expect(packed[1 + RATE_SIZE]).toBe(8);
    expect(unpackRate(packed, 1).window.length).toBe(2 * (RATE_BUCKETS + 1));
    expect(unpackRate(packed, 1).level).toBe('red');
  });
});

describe('readings that do not move the state', () => {
  it('ignores a duplicate, an older reading and a non-finite value', () => {
    const state = expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null]]);
    for (const [value, t] of [[2, 20_000], [50, 15_000], [Number.POSITIVE_INFINITY, 30_000]] as const) {
      const step = stepRate(state, value, t, methaneRise);
      expect(step.state).toBe(state);
      expect(step.changed).toBe(false);
    }
  });

  it('never mutates the state it is given', () => {
    const state = expectLevels(methaneRise, [[0, 2, null], [10_000, 2, null], [20_000, 2, null], [30_000, 7, null]]);
    const before = structuredClone(state);
    stepRate(state, 9, 40_000, methaneRise);
    expect(state).toEqual(before);
  });
});

describe('kitchen-methane-rise preset', () => {
  const preset = rateRuleSchema.parse(KITCHEN_RISE_RULES.find((r) => r.kind === 'rate'));

  it('warns yellow, then stops work at red on a leak long before the 50 %LEL red threshold', () => {
    // A leak adding 0.2 %LEL per second, read every 2 s.
    let state = initialRateState();
    const at: Partial<Record<Level, number>> = {};
    for (let t = 0; t <= 60_000; t += 2_000) {
      const step = stepRate(state, 2 + Math.max(0, t - 10_000) * 0.0002, t, preset);
      state = step.state;
      if (step.to !== null) at[step.to] ??= t;
    }
    expect(at).toEqual({ yellow: 26_000, red: 38_000 });
    expect(preset.stopWork).toBe(true);
  });
});
