// DetectionEngine: rule selection, restore at start, stop-work flag and warm snapshots.

import { describe, it, expect } from 'vitest';
import { thresholdRuleSchema, type ThresholdRule } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import type { Quantity } from '../../../gateway/src/config/quantities.js';
import { DetectionEngine, type SensorReading } from '../../../gateway/src/detect/engine.js';
import { sensorKey } from '../../../gateway/src/detect/sensor-state.js';

const kitchen: ThresholdRule[] = KITCHEN_RULES.map((r) => thresholdRuleSchema.parse(r));
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
      { kind: 'level', site: hq, device: dev, channel: ch4, quantity: 'methane_lel', ruleId: 'kitchen-methane', from: null, to: 'red', value: 60, atMs: 2000, stopWork: true },
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
    original.process(reading(200, 500, hq, 'co_ppm', 'co' as ChannelId));
    original.process(reading(200, 2500, hq, 'co_ppm', 'co' as ChannelId)); // orange latched
    const snap = original.snapshot();
    original.process(reading(0, 3000, hq, 'co_ppm', 'co' as ChannelId));
    expect(snap[sensorKey(hq, dev, 'co' as ChannelId)]?.rules['kitchen-co']?.level).toBe('orange'); // a copy, not a view

    const warm = new DetectionEngine(kitchen);
    warm.load(JSON.parse(JSON.stringify(snap)));
    expect(warm.sensorCount).toBe(2);
    expect(warm.snapshot()).toEqual(snap);
    expect(warm.levelOf(hq, dev, 'co' as ChannelId, 'kitchen-co')).toBe('orange');
    expect(warm.process(reading(30, 1999)).length).toBe(0);
    expect(warm.process(reading(30, 2000)).map((t) => t.to)).toEqual(['orange']);
  });

  it('rejects a snapshot key that is not a sensor key', () => {
    const engine = new DetectionEngine(kitchen);
    expect(() => engine.load({ 'hq/det-1': { rules: {} } })).toThrow(TypeError);
  });
});
