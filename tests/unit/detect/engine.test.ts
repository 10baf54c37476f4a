// DetectionEngine: rule selection, restore at start, stop-work flag and warm snapshots.

import { describe, it, expect } from 'vitest';
import { ruleSchema, thresholdRuleSchema, type Rule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RISE_RULES, KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import type { Quantity } from '../../../gateway/src/config/quantities.js';
import { DetectionEngine, type SensorReading } from '../../../gateway/src/detect/engine.js';
import { sensorKey } from '../../../gateway/src/detect/sensor-state.js';

const kitchen: Rule[] = KITCHEN_RULES.map((r) => ruleSchema.parse(r));
const hq = 'hq' as SiteId;
const branch = 'branch' as SiteId;
const dev = 'det-1' as DeviceId;
const ch4 = 'ch4' as ChannelId;

function reading(value: number, tsMs: number, site: SiteId = hq, quantity: Quantity = 'methane_lel', channel: ChannelId = ch4): SensorReading {
  return { site, device: dev, channel, quantity, value, tsMs };
}

describe('DetectionEngine', () => {
  it('applies a rule with sites only to those sites', () => {
    const hqOnly = thresholdRuleSchema.parse({ id: 'hq-strict', quantity: 'methane_lel', direction: 'above', levels: { yellow: 5 }, sites: ['hq'] });
    const engine = new DetectionEngine([...kitchen, hqOnly]);
    expect(engine.process(reading(6, 0, branch))).toEqual([]);
    expect(engine.process(reading(6, 0, hq)).map((t) => t.ruleId)).toEqual(['hq-strict']);
    expect(engine.process(reading(30, 1000, branch))).toEqual([]);
    expect(engine.process(reading(30, 3000, branch)).map((t) => [t.ruleId, t.to])).toEqual([['kitchen-methane', 'orange']]);
  });

  it('keeps no state for a channel that no rule watches', () => {
    const engine = new DetectionEngine(kitchen);
    expect(engine.process(reading(40, 0, hq, 'temperature_c', 'temp' as ChannelId))).toEqual([]);
    expect(engine.sensorCount).toBe(0);
    engine.process(reading(1, 0));
    expect(engine.sensorCount).toBe(1);
  });

  it('raises red once, with the transition carrying the reading', () => {
    const engine = new DetectionEngine(kitchen);
    expect(engine.process(reading(60, 0))).toEqual([]);
    expect(engine.process(reading(60, 2000))).toEqual([
      { kind: 'level', site: hq, device: dev, channel: ch4, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from: null, to: 'red', value: 60, atMs: 2000, stopWork: true },
    ]);
    expect(engine.process(reading(61, 3000))).toEqual([]);
    expect(engine.levelOf(hq, dev, ch4, 'kitchen-methane')).toBe('red');
  });

  it('does not raise again after restore() of an open alarm, and still clears it', () => {
    const engine = new DetectionEngine(kitchen);
    expect(engine.restore(hq, dev, ch4, 'kitchen-methane', 'red')).toBe(true);
    expect(engine.levelOf(hq, dev, ch4, 'kitchen-methane')).toBe('red');
    expect(engine.process(reading(60, 0))).toEqual([]);
    expect(engine.process(reading(60, 2000))).toEqual([]);
    expect(engine.process(reading(0, 3000)).map((t) => [t.from, t.to])).toEqual([['red', null]]);
  });

  it('refuses to restore a rule it does not know or that skips the site', () => {
    const hqOnly = thresholdRuleSchema.parse({ id: 'hq-strict', quantity: 'methane_lel', direction: 'above', levels: { yellow: 5 }, sites: ['hq'] });
    const engine = new DetectionEngine([hqOnly]);
    expect(engine.restore(hq, dev, ch4, 'gone', 'red')).toBe(false);
    expect(engine.restore(branch, dev, ch4, 'hq-strict', 'yellow')).toBe(false);
    expect(engine.sensorCount).toBe(0);
  });

  it('flags stop-work only on the move to red of a stop-work rule', () => {
    const noStop = thresholdRuleSchema.parse({ id: 'no-stop', quantity: 'methane_lel', direction: 'above', levels: { orange: 25, red: 50 }, deadband: 2 });
    const engine = new DetectionEngine([kitchen[0]!, noStop]);
    const flags = (value: number, tsMs: number) => engine.process(reading(value, tsMs)).map((t) => [t.ruleId, t.to, t.stopWork]);
    expect(flags(30, 0)).toEqual([['no-stop', 'orange', false]]);
    expect(flags(30, 2000)).toEqual([['kitchen-methane', 'orange', false]]);
    expect(flags(60, 3000)).toEqual([['no-stop', 'red', false]]);
    expect(flags(60, 5000)).toEqual([['kitchen-methane', 'red', true]]);
    expect(flags(40, 6000)).toEqual([['kitchen-methane', 'orange', false], ['no-stop', 'orange', false]]);
  });

  it('ignores out-of-order readings per sensor', () => {
    const engine = new DetectionEngine(kitchen);
    engine.process(reading(30, 10_000));
    engine.process(reading(30, 12_000));
    expect(engine.process(reading(0, 11_000))).toEqual([]);
    expect(engine.levelOf(hq, dev, ch4, 'kitchen-methane')).toBe('orange');
  });

  it('carries on warm from a snapshot that went through JSON', () => {
    const original = new DetectionEngine(kitchen);
    original.process(reading(30, 0)); // on-delay running: orange would raise at 2000
    original.process(reading(400, 500, hq, 'co_ppm', 'co' as ChannelId));
    original.process(reading(400, 60_500, hq, 'co_ppm', 'co' as ChannelId)); // orange latched after the 60-s on-delay
    const snap = original.snapshot();
    original.process(reading(0, 61_000, hq, 'co_ppm', 'co' as ChannelId));
    expect(snap[sensorKey(hq, dev, 'co' as ChannelId)]?.rules['kitchen-co-high']?.level).toBe('orange'); // a copy, not a view

    const warm = new DetectionEngine(kitchen);
    warm.load(JSON.parse(JSON.stringify(snap)));
    expect(warm.sensorCount).toBe(2);
    expect(warm.snapshot()).toEqual(snap);
    expect(warm.levelOf(hq, dev, 'co' as ChannelId, 'kitchen-co-high')).toBe('orange');
    expect(warm.process(reading(30, 1999)).length).toBe(0);
    expect(warm.process(reading(30, 2000)).map((t) => t.to)).toEqual(['orange']);
  });

  it('rejects a snapshot key that is not a sensor key', () => {
    const engine = new DetectionEngine(kitchen);
    expect(() => engine.load({ 'hq/det-1': { rules: {} } })).toThrow(TypeError);
  });
});

describe('DetectionEngine with every rule kind', () => {
  const all: Rule[] = [...KITCHEN_RULES, ...KITCHEN_RISE_RULES].map((r) => ruleSchema.parse(r));
  const co = 'co' as ChannelId;
  const coReading = (value: number, tsMs: number) => reading(value, tsMs, hq, 'co_ppm', co);

  it('runs threshold, rate and dose rules of a quantity side by side', () => {
    const engine = new DetectionEngine(all);
    const seen: string[] = [];
    for (let t = 0; t <= 60_000; t += 2_000) {
      for (const x of engine.process(reading(2 + Math.max(0, t - 10_000) * 0.0002, t))) seen.push(`${x.ruleId}:${x.to}@${x.atMs}`);
    }
    // 10 %LEL (blue) is reached at 50 s and held the 2-s on-delay; the rise rule saw the leak at 26 s.
    expect(seen).toEqual(['kitchen-methane-rise:yellow@26000', 'kitchen-methane-rise:red@38000', 'kitchen-methane:blue@52000']);
    const co100: string[] = [];
    for (let t = 0; t <= 20 * 60_000; t += 10_000) for (const x of engine.process(coReading(100, t))) co100.push(`${x.ruleId}:${x.to}@${x.atMs}`);
    expect(co100).toEqual(['kitchen-co-dose:yellow@1000000']); // EN 50291-1: 100 ppm alarms in 10–40 min, never at once
  });

  it('answers "nothing changed" with one shared, frozen array', () => {
    const engine = new DetectionEngine(all);
    const a = engine.process(coReading(3, 0));
    const b = engine.process(reading(2, 0));
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('restores a dose alarm that then drains instead of clearing on the first clean reading', () => {
    const engine = new DetectionEngine(all);
    expect(engine.restore(hq, dev, co, 'kitchen-co-dose', 'yellow')).toBe(true);
    // Clean air drains 0.00756 dose per minute: 1 − 0.1 is reached after 13.2 min.
    for (let min = 0; min <= 13; min++) expect(engine.process(coReading(0, min * 60_000))).toEqual([]);
    expect(engine.levelOf(hq, dev, co, 'kitchen-co-dose')).toBe('yellow');
    expect(engine.process(coReading(0, 14 * 60_000)).map((t) => [t.ruleId, t.to])).toEqual([['kitchen-co-dose', null]]);
  });

  it('restores a rate alarm and holds it for one window of readings', () => {
    const engine = new DetectionEngine(all);
    expect(engine.restore(hq, dev, ch4, 'kitchen-methane-rise', 'red')).toBe(true);
    for (let t = 0; t < 60_000; t += 10_000) expect(engine.process(reading(2, t))).toEqual([]);
    expect(engine.process(reading(2, 60_000)).map((t) => [t.ruleId, t.from, t.to])).toEqual([['kitchen-methane-rise', 'red', null]]);
  });

  it('refuses to restore a rule of another quantity than the channel reads', () => {
    const engine = new DetectionEngine(all);
    engine.process(reading(2, 0));
    expect(engine.restore(hq, dev, ch4, 'kitchen-co-dose', 'yellow')).toBe(false);
  });

  it('continues a rate window and a dose from a snapshot through JSON', () => {
    const feed = (e: DetectionEngine, from: number, to: number) => {
      const out: string[] = [];
      for (let t = from; t < to; t += 10_000) {
        for (const x of e.process(reading(2 + t / 20_000, t))) out.push(`${x.ruleId}:${x.to}@${x.atMs}`);
        for (const x of e.process(coReading(100, t))) out.push(`${x.ruleId}:${x.to}@${x.atMs}`);
      }
      return out;
    };
    const straight = new DetectionEngine(all);
    feed(straight, 0, 600_000);
    const warm = new DetectionEngine(all);
    warm.load(JSON.parse(JSON.stringify(straight.snapshot())));
    const expected = feed(straight, 600_000, 1_200_000);
    expect(expected).toContain('kitchen-co-dose:yellow@1000000');
    expect(feed(warm, 600_000, 1_200_000)).toEqual(expected);
  });

  it('keeps the level of a loaded state whose rule changed kind', () => {
    const asThreshold = new DetectionEngine([thresholdRuleSchema.parse({ id: 'ch4-watch', quantity: 'methane_lel', direction: 'above', levels: { yellow: 20 } })]);
    asThreshold.process(reading(30, 0));
    const asRate = new DetectionEngine([ruleSchema.parse({ id: 'ch4-watch', kind: 'rate', quantity: 'methane_lel', direction: 'rise', windowS: 60, levels: { yellow: 5 } })]);
    asRate.load(asThreshold.snapshot());
    expect(asRate.process(reading(30, 1000))).toEqual([]);
    expect(asRate.levelOf(hq, dev, ch4, 'ch4-watch')).toBe('yellow');
  });
});

describe('DetectionEngine state layout (slots of shared arrays)', () => {
  const all: Rule[] = [...KITCHEN_RULES, ...KITCHEN_RISE_RULES].map((r) => ruleSchema.parse(r));
  const co = 'co' as ChannelId;

  /** 300 sensors over 3 sites (device ids reused at every site): more than the first few slabs hold. */
  function fleetReadings(rounds: number): SensorReading[] {
    const out: SensorReading[] = [];
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < 150; k++) {
        const site = `site-${k % 3}` as SiteId;
        const device = `det-${Math.floor(k / 3)}` as DeviceId; // the same ids at every site
        const leak = k % 7 === 0 && round > 4 ? (round - 4) * (k % 5) * 3 : 0;
        out.push({ site, device, channel: ch4, quantity: 'methane_lel', value: 2 + (k % 3) + leak, tsMs: round * 10_000 + k });
        out.push({ site, device, channel: co, quantity: 'co_ppm', value: k % 11 === 0 && round > 2 ? 40 + 30 * (k % 4) : 5, tsMs: round * 10_000 + k });
      }
    }
    return out;
  }
  const key = (r: { site: string; device: string; channel: string }) => `${r.site}/${r.device}/${r.channel}`;

  it('gives every sensor the transitions it would get alone in an engine', () => {
    const readings = fleetReadings(20);
    const shared = new DetectionEngine(all);
    const together = readings.flatMap((r) => [...shared.process(r)]);
    expect(shared.sensorCount).toBe(300);
    expect(together.length).toBeGreaterThan(20);
    const alone = new Map<string, DetectionEngine>();
    const separately = readings.flatMap((r) => {
      let engine = alone.get(key(r));
      if (engine === undefined) alone.set(key(r), (engine = new DetectionEngine(all)));
      return [...engine.process(r)];
    });
    expect(together).toEqual(separately);
  });

  it('carries 300 sensors on identically from a snapshot through JSON', () => {
    const readings = fleetReadings(30);
    const cut = readings.length / 2;
    const straight = new DetectionEngine(all);
    readings.slice(0, cut).forEach((r) => straight.process(r));
    const warm = new DetectionEngine(all);
    warm.load(JSON.parse(JSON.stringify(straight.snapshot())));
    expect(warm.snapshot()).toEqual(straight.snapshot());
    const rest = readings.slice(cut);
    expect(rest.flatMap((r) => [...warm.process(r)])).toEqual(rest.flatMap((r) => [...straight.process(r)]));
    expect(warm.snapshot()).toEqual(straight.snapshot());
  });

  it('starts a sensor fresh in a slot another sensor gave up', () => {
    const engine = new DetectionEngine(all);
    // A channel first read as methane, in alarm, then re-profiled as CO: its methane slot is freed.
    for (let t = 0; t <= 4_000; t += 2_000) engine.process(reading(60, t, hq, 'methane_lel', 'x' as ChannelId));
    expect(engine.levelOf(hq, dev, 'x' as ChannelId, 'kitchen-methane')).toBe('red');
    engine.process(reading(5, 6_000, hq, 'co_ppm', 'x' as ChannelId));
    expect(engine.levelOf(hq, dev, 'x' as ChannelId, 'kitchen-methane')).toBeNull();
    // The next methane sensor takes that slot and must behave as a fresh one.
    const fresh = new DetectionEngine(all);
    const feedBoth = (value: number, t: number) => [engine.process(reading(value, t)), fresh.process(reading(value, t))];
    for (const [value, t] of [[3, 8_000], [3, 10_000], [30, 12_000], [30, 14_000], [2, 16_000]] as const) {
      const [a, b] = feedBoth(value, t);
      expect(a).toEqual(b);
    }
    expect(engine.snapshot()[sensorKey(hq, dev, ch4)]).toEqual(fresh.snapshot()[sensorKey(hq, dev, ch4)]);
  });

  it('replaces a sensor held in the engine by the one loaded from a snapshot', () => {
    const engine = new DetectionEngine(all);
    engine.process(reading(60, 0));
    engine.process(reading(60, 2_000));
    expect(engine.levelOf(hq, dev, ch4, 'kitchen-methane')).toBe('red');
    const other = new DetectionEngine(all);
    other.process(reading(30, 0));
    other.process(reading(30, 2_000));
    engine.load(other.snapshot());
    expect(engine.sensorCount).toBe(1);
    expect(engine.levelOf(hq, dev, ch4, 'kitchen-methane')).toBe('orange');
    expect(engine.process(reading(30, 4_000))).toEqual(other.process(reading(30, 4_000)));
    expect(engine.snapshot()).toEqual(other.snapshot());
  });
});
