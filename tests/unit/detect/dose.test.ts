// CO dose over tables of readings: the EN 50291-1 concentration–time curve, gaps, drain, restore.

import { describe, it, expect } from 'vitest';
import { doseRuleSchema, type DoseRule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_CO_DOSE_RULE } from '../../../gateway/src/config/presets/kitchen.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import { compileDose, DOSE_SIZE, initDose, initialDoseState, minutesToDose, restoreDose, stepDose, unpackDose, type DoseState } from '../../../gateway/src/detect/dose.js';
import { doubles } from '../../../gateway/src/detect/threshold.js';

const MIN = 60_000;
const kitchenDose: DoseRule = doseRuleSchema.parse(KITCHEN_CO_DOSE_RULE);
const yellowOnly: DoseRule = { ...kitchenDose, levels: { yellow: 1 } };

/** Feeds `ppm(tMs)` every `periodMs` until `untilMs`; returns the first time each level was reached. */
function run(rule: DoseRule, ppm: (tMs: number) => number, periodMs: number, untilMs: number, start: DoseState = initialDoseState()) {
  let state = start;
  const firstAt: Partial<Record<Level | 'clear', number>> = {};
  for (let t = 0; t <= untilMs; t += periodMs) {
    const step = stepDose(state, ppm(t), t, rule);
    state = step.state;
    if (step.changed) firstAt[step.to ?? 'clear'] ??= t;
  }
  return { state, firstAt };
}

describe('EN 50291-1 alarm curve (kitchen-co-dose, yellow = the alarm point)', () => {
  // EN 50291-1: 30 ppm no alarm within 120 min; 50 ppm alarm in 60–90 min; 100 ppm in 10–40 min; 300 ppm within 3 min.
  const table = [
    { ppm: 30, fromMin: 120, toMin: Infinity },
    { ppm: 50, fromMin: 60, toMin: 90 },
    { ppm: 100, fromMin: 10, toMin: 40 },
    { ppm: 300, fromMin: 0, toMin: 3 },
  ] as const;

  describe.each([1_000, 10_000, 60_000])('readings every %i ms', (periodMs) => {
    it.each(table)('steady $ppm ppm alarms between $fromMin and $toMin min', ({ ppm, fromMin, toMin }) => {
      const { firstAt } = run(yellowOnly, () => ppm, periodMs, 125 * MIN);
      const at = firstAt.yellow ?? Infinity;
      expect(at).toBeGreaterThan(fromMin * MIN);
      expect(at).toBeLessThanOrEqual(toMin * MIN);
    });
  });

  it.each(table.flatMap((row) => [0.93, 1.07].map((k) => ({ ...row, ppm: row.ppm * k }))))(
    'holds the window for $ppm ppm (the test gas off by 7 %)',
    ({ ppm, fromMin, toMin }) => {
      const { firstAt } = run(yellowOnly, () => ppm, 10_000, 125 * MIN);
      const at = firstAt.yellow ?? Infinity;
      expect(at).toBeGreaterThan(fromMin * MIN);
      expect(at).toBeLessThanOrEqual(toMin * MIN);
    },
  );

  it('matches the closed form: 72 · (30 / (c − 20))^1.5 min', () => {
    const spec = compileDose(kitchenDose);
    expect(minutesToDose(50, spec)).toBeCloseTo(72, 9);
    expect(minutesToDose(100, spec)).toBeCloseTo(16.53, 2);
    expect(minutesToDose(300, spec)).toBeCloseTo(2.53, 2);
    expect(minutesToDose(20, spec)).toBe(Infinity);
    for (const ppm of [30, 50, 100, 300]) {
      const at = run(yellowOnly, () => ppm, 1_000, 400 * MIN).firstAt.yellow!;
      expect(Math.abs(at - minutesToDose(ppm, spec) * MIN)).toBeLessThanOrEqual(1_000);
    }
  });

  it('raises red, which stops work, at twice the dose', () => {
    const { firstAt } = run(kitchenDose, () => 100, 10_000, 40 * MIN);
    expect(firstAt.yellow).toBe(16 * MIN + 40_000); // the first 10-s reading after 16.53 min
    expect(firstAt.red).toBe(33 * MIN + 10_000); // after 33.06 min
    expect(kitchenDose.stopWork).toBe(true);
  });
});

describe('exposure over time', () => {
  it('never alarms at or below c0, however long', () => {
    expect(run(yellowOnly, () => 20, 60_000, 7 * 24 * 60 * MIN).firstAt).toEqual({});
  });

  it('adds up intermittent exposure and drains it in clean air', () => {
    // 50 ppm for 40 min, clean air 5 min, 50 ppm again: 40/72 of a dose, minus 5 min of draining.
    const ppm = (t: number) => (t < 40 * MIN || t >= 45 * MIN ? 50 : 0);
    const at = run(yellowOnly, ppm, 10_000, 100 * MIN).firstAt.yellow!;
    expect(at).toBeGreaterThan(77 * MIN); // later than a steady 72 + 5 …
    expect(at).toBeLessThan(80 * MIN); // … by the little that drained
  });

  it('clears once a tenth of a dose has drained: about 13 min of clean air', () => {
    const alarmAt = 16 * MIN + 40_000;
    const ppm = (t: number) => (t <= alarmAt ? 100 : 0); // the CO stops as the alarm sounds
    const { firstAt } = run(yellowOnly, ppm, 10_000, 60 * MIN);
    expect(firstAt.yellow).toBe(alarmAt);
    // The dose peaks at 1.013 (the last 10 s of CO); clean air drains 0.00756 per min; it clears
    // below 0.9, 0.113 later: 14.9 min.
    expect((firstAt.clear! - alarmAt) / MIN).toBeGreaterThan(14.5);
    expect((firstAt.clear! - alarmAt) / MIN).toBeLessThan(15.5);
  });
});

describe('reading gaps', () => {
  it('counts at most maxGapS of a silence as exposure', () => {
    // Two readings of 300 ppm two hours apart: 5 min counted, 2 doses' worth, not 48.
    let state = stepDose(initialDoseState(), 300, 0, kitchenDose).state;
    state = stepDose(state, 300, 120 * MIN, kitchenDose).state;
    expect(state.dose).toBeCloseTo(5 / minutesToDose(300, compileDose(kitchenDose)), 9);
  });

  it('integrates the actual spacing of irregular readings (trapezoid)', () => {
    let state = stepDose(initialDoseState(), 50, 0, kitchenDose).state;
    state = stepDose(state, 50, 3 * MIN, kitchenDose).state;
    state = stepDose(state, 50, 3.5 * MIN, kitchenDose).state;
    expect(state.dose).toBeCloseTo(3.5 / 72, 12);
    state = stepDose(state, 20, 4.5 * MIN, kitchenDose).state; // ramp down to c0 over a minute
    expect(state.dose).toBeCloseTo(3.5 / 72 + 0.5 / 72, 12);
  });
});

describe('readings that do not move the state', () => {
  it('ignores a duplicate, an older reading and a non-finite value', () => {
    const state = run(kitchenDose, () => 100, 10_000, 20 * MIN).state;
    for (const [ppm, t] of [[100, 20 * MIN], [500, 19 * MIN], [Number.NaN, 21 * MIN]] as const) {
      const step = stepDose(state, ppm, t, kitchenDose);
      expect(step.state).toBe(state);
      expect(step.changed).toBe(false);
    }
  });

  it('never mutates the state it is given', () => {
    const state = run(kitchenDose, () => 100, 10_000, 5 * MIN).state;
    const before = structuredClone(state);
    stepDose(state, 300, 6 * MIN, kitchenDose);
    expect(state).toEqual(before);
  });
});

describe('restore at start', () => {
  it('holds a restored level until the dose it stands for has drained', () => {
    const packed = doubles(DOSE_SIZE);
    initDose(packed, 0);
    restoreDose(packed, 0, 'red', compileDose(kitchenDose));
    const state = unpackDose(packed, 0);
    expect(state).toMatchObject({ level: 'red', dose: 2 });
    const { firstAt } = run(kitchenDose, () => 0, 60_000, 300 * MIN, state);
    // Red holds until 2 − 0.1 is reached (13 min), yellow until 0.9 (145 min).
    expect(firstAt.yellow).toBe(14 * MIN);
    expect(firstAt.clear).toBe(146 * MIN);
  });
});
