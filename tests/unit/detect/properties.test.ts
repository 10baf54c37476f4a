// Invariants of the detection core, checked with fast-check over random rules and readings:
// deadband, determinism, duplicates, off-delay, single spikes, warm snapshots.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { rateRuleSchema, ruleSchema, thresholdRuleSchema, type Rule, type ThresholdRule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RISE_RULES, KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import { LEVELS, levelRank } from '../../../gateway/src/contract/levels.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DetectionEngine, type LevelTransition, type SensorReading } from '../../../gateway/src/detect/engine.js';
import { initialThresholdState, stepThreshold } from '../../../gateway/src/detect/threshold.js';
import { initialRateState, stepRate } from '../../../gateway/src/detect/rate.js';

const T0 = Date.UTC(2025, 0, 1);
const site = 'hq' as SiteId;
const device = 'det-1' as DeviceId;

// ---- arbitraries -------------------------------------------------------------------------

/** 1 to 4 set points in order of danger for the direction, within [lo, hi]. */
const setPointsArb = (lo: number, hi: number, above: boolean) =>
  fc.uniqueArray(fc.integer({ min: lo, max: hi }), { minLength: 1, maxLength: 4 }).chain((values) =>
    fc.shuffledSubarray([...LEVELS], { minLength: values.length, maxLength: values.length }).map((levels) => {
      const ranks = [...levels].sort((a, b) => levelRank(a) - levelRank(b));
      const sorted = [...values].sort((a, b) => (above ? a - b : b - a));
      return Object.fromEntries(ranks.map((l, i) => [l, sorted[i]!]));
    }),
  );

const thresholdArb: fc.Arbitrary<ThresholdRule> = fc.boolean().chain((above) =>
  fc
    .record({
      levels: setPointsArb(5, 90, above),
      deadband: fc.integer({ min: 0, max: 5 }),
      onDelayS: fc.integer({ min: 0, max: 30 }),
      onDelaySamples: fc.integer({ min: 1, max: 4 }),
      offDelayS: fc.integer({ min: 0, max: 30 }),
      offDelaySamples: fc.integer({ min: 1, max: 4 }),
    })
    .map((r) => thresholdRuleSchema.parse({ id: 'prop', quantity: 'methane_lel', direction: above ? 'above' : 'below', ...r })),
);

/** Strictly increasing reading times: gaps of 1 ms to 30 s. */
const timesArb = (n: number) => fc.array(fc.integer({ min: 1, max: 30_000 }), { minLength: n, maxLength: n }).map((gaps) => gaps.map((_, i) => T0 + gaps.slice(0, i + 1).reduce((a, b) => a + b, 0)));

const valueArb = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 400, noNaN: true }));

/**
 * Readings on a methane and a CO channel: random walks with jumps, so levels are reached and
 * held, with repeats of a time, repeats of a whole reading and late readings mixed in.
 */
const readingsArb = fc
  .array(
    fc.record({
      co: fc.boolean(),
      move: fc.oneof(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 100 }).map((to) => ({ to }))),
      step: fc.oneof(fc.integer({ min: 1, max: 60_000 }), fc.constant(0), fc.constant(-3_000)),
      again: fc.boolean(),
    }),
    { minLength: 1, maxLength: 150 },
  )
  .map((rows) => {
    let t = T0;
    const level = { ch4: 0, co: 0 };
    const out: SensorReading[] = [];
    for (const row of rows) {
      t += row.step;
      const key = row.co ? 'co' : 'ch4';
      level[key] = typeof row.move === 'number' ? Math.min(100, Math.max(0, level[key] + row.move * 10)) : row.move.to;
      const r: SensorReading = row.co
        ? { site, device, channel: 'co' as ChannelId, quantity: 'co_ppm', value: level.co * 4, tsMs: t }
        : { site, device, channel: 'ch4' as ChannelId, quantity: 'methane_lel', value: level.ch4, tsMs: t };
      out.push(r);
      if (row.again) out.push({ ...r });
    }
    return out;
  });

/** The kitchen preset, quicker dose and rate rules, and a random threshold rule: every kind at once. */
const allKinds = (extra: ThresholdRule): Rule[] =>
  [
    ...KITCHEN_RULES,
    ...KITCHEN_RISE_RULES,
    { id: 'quick-dose', kind: 'dose', quantity: 'co_ppm', refMin: 0.5, levels: { yellow: 1, orange: 1.5, red: 2 }, stopWork: true },
    { id: 'ch4-rise-10min', kind: 'rate', quantity: 'methane_lel', direction: 'rise', windowS: 600, levels: { blue: 5, yellow: 15, red: 30 }, deadband: 3, minSamples: 4 },
    { id: 'co-fall', kind: 'rate', quantity: 'co_ppm', direction: 'fall', windowS: 30, levels: { blue: 5, yellow: 40, red: 150 }, deadband: 2 },
  ]
    .map((r) => ruleSchema.parse(r))
    .concat(extra);

const feed = (engine: DetectionEngine, readings: readonly SensorReading[]): LevelTransition[] => readings.flatMap((r) => [...engine.process(r)]);

// ---- properties --------------------------------------------------------------------------

describe('properties of the detection core', () => {
  it('gives the same transitions for the same readings in the same order', () => {
    fc.assert(
      fc.property(thresholdArb, readingsArb, (extra, readings) => {
        const rules = allKinds(extra);
        expect(feed(new DetectionEngine(rules), readings)).toEqual(feed(new DetectionEngine(rules), readings));
      }),
      { numRuns: 300 },
    );
  });

  it('carries on identically from a snapshot that went through JSON, for every rule kind', () => {
    fc.assert(
      fc.property(thresholdArb, readingsArb, fc.nat(), (extra, readings, cut) => {
        const rules = allKinds(extra);
        const at = cut % (readings.length + 1);
        const straight = new DetectionEngine(rules);
        feed(straight, readings.slice(0, at));
        const warm = new DetectionEngine(rules);
        warm.load(JSON.parse(JSON.stringify(straight.snapshot())));
        expect(feed(warm, readings.slice(at))).toEqual(feed(straight, readings.slice(at)));
        expect(warm.snapshot()).toEqual(straight.snapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('never changes state on a duplicated reading (same time and value)', () => {
    fc.assert(
      fc.property(thresholdArb, readingsArb, (extra, readings) => {
        const engine = new DetectionEngine(allKinds(extra));
        for (const r of readings) {
          engine.process(r);
          const before = engine.snapshot();
          expect(engine.process({ ...r })).toEqual([]);
          expect(engine.snapshot()).toEqual(before);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes no transition while the value stays inside a deadband, whatever came before', () => {
    const oneLevel = fc.record({ sp: fc.integer({ min: 10, max: 90 }), deadband: fc.integer({ min: 1, max: 8 }), above: fc.boolean(), rest: thresholdArb });
    fc.assert(
      fc.property(oneLevel, fc.array(valueArb, { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 30 }), (p, prefix, band) => {
        const r = thresholdRuleSchema.parse({ ...p.rest, direction: p.above ? 'above' : 'below', levels: { orange: p.sp }, deadband: p.deadband });
        const times = prefix.concat(band).map((_, i) => T0 + i * 7_000);
        let state = initialThresholdState();
        prefix.forEach((v, i) => (state = stepThreshold(state, v, times[i]!, r).state));
        band.forEach((k, i) => {
          // Short of the set point by 1/1000 to all of the deadband (its edge included).
          const v = p.above ? p.sp - (p.deadband * k) / 1000 : p.sp + (p.deadband * k) / 1000;
          const step = stepThreshold(state, v, times[prefix.length + i]!, r);
          expect(step.changed).toBe(false);
          state = step.state;
        });
      }),
    );
  });

  it('never drops a level before the value has been past its deadband for offDelayS and offDelaySamples', () => {
    fc.assert(
      fc.property(thresholdArb, fc.array(valueArb, { minLength: 1, maxLength: 60 }).chain((vs) => fc.tuple(fc.constant(vs), timesArb(vs.length))), (r, [values, times]) => {
        const above = r.direction === 'above';
        const sp = LEVELS.map((l) => r.levels[l] ?? Number.NaN);
        const past = (v: number, rank: number) => (above ? v < sp[rank]! - r.deadband : v > sp[rank]! + r.deadband);
        let state = initialThresholdState();
        values.forEach((v, i) => {
          const step = stepThreshold(state, v, times[i]!, r);
          state = step.state;
          const from = levelRank(step.from);
          if (!step.changed || levelRank(step.to) > from) return;
          let first = i; // the start of the run of readings past the old level's deadband
          while (first > 0 && past(values[first - 1]!, from)) first--;
          expect(past(v, from)).toBe(true);
          expect(i - first + 1).toBeGreaterThanOrEqual(r.offDelaySamples);
          expect(times[i]! - times[first]!).toBeGreaterThanOrEqual(r.offDelayS * 1000);
        });
      }),
    );
  });

  it('never raises a rate alarm on a single spike of any size', () => {
    const arb = fc.record({
      base: fc.double({ min: -50, max: 50, noNaN: true }),
      levels: setPointsArb(1, 20, true),
      jitter: fc.double({ min: 0, max: 0.99, noNaN: true }), // as a share of the lowest level
      direction: fc.constantFrom('rise', 'fall'),
      windowS: fc.integer({ min: 5, max: 7200 }),
      minSamples: fc.integer({ min: 3, max: 6 }),
      noise: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 80 }),
      gaps: fc.array(fc.integer({ min: 1, max: 600_000 }), { minLength: 80, maxLength: 80 }),
      spikeAt: fc.nat(),
      spike: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true })),
    });
    fc.assert(
      fc.property(arb, (p) => {
        const r = rateRuleSchema.parse({ id: 'spiky', kind: 'rate', quantity: 'water_level_m', direction: p.direction, windowS: p.windowS, levels: p.levels, minSamples: p.minSamples });
        const lowest = Math.min(...Object.values(p.levels));
        const spikeAt = p.spikeAt % p.noise.length;
        let state = initialRateState();
        let t = T0;
        p.noise.forEach((u, i) => {
          t += p.gaps[i]!;
          const value = i === spikeAt ? p.spike : p.base + u * p.jitter * lowest;
          const step = stepRate(state, value, t, r);
          expect(step.changed).toBe(false);
          state = step.state;
        });
      }),
    );
  });
});
