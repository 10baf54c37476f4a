// FaultDetector: physical range, stuck value and device fault codes raise fault alarms.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { QUANTITIES, QUANTITY_INFO, type Quantity } from '../../../gateway/src/config/quantities.js';
import type { SensorReading } from '../../../gateway/src/detect/engine.js';
import { FaultDetector, DEFAULT_FAULT_CONFIG } from '../../../gateway/src/detect/fault.js';

const hq = 'hq' as SiteId;
const dev = 'det-1' as DeviceId;
const ch4 = 'ch4' as ChannelId;
const T0 = Date.UTC(2025, 0, 1);
const HOUR = 3_600_000;
const SIX_H = 6 * HOUR;

function reading(value: number, tsMs: number, quantity: Quantity = 'methane_lel', channel: ChannelId = ch4): SensorReading {
  return { site: hq, device: dev, channel, quantity, value, tsMs };
}
const moves = (t: { ruleId: string; from: unknown; to: unknown }) => [t.ruleId, t.from, t.to];

describe('FaultDetector: physical range', () => {
  const cases = QUANTITIES.flatMap((q) => {
    const { min, max } = QUANTITY_INFO[q];
    return [
      { q, value: min, fault: false },
      { q, value: max, fault: false },
      { q, value: min - 0.001, fault: true },
      { q, value: max + 0.001, fault: true },
      { q, value: NaN, fault: true },
    ];
  });

  it.each(cases)('$q at $value: fault $fault', ({ q, value, fault }) => {
    const f = new FaultDetector({ stuck: {} });
    const out = f.reading(reading(value, T0, q));
    expect(out.map(moves)).toEqual(fault ? [['fault:range', null, 'orange']] : []);
    expect(f.inFault(hq, dev, ch4)).toBe(fault);
  });

  it('raises on the first impossible reading with the reading and the range in the transition', () => {
    const f = new FaultDetector();
    expect(f.reading(reading(120, T0))).toEqual([
      { kind: 'level', site: hq, device: dev, channel: ch4, quantity: 'methane_lel', ruleId: 'fault:range', alarmKind: 'fault_range', from: null, to: 'orange', value: 120, atMs: T0, stopWork: false, detail: 'reading 120 outside the physical range 0..100 %LEL' },
    ]);
    expect(f.reading(reading(130, T0 + 1000))).toEqual([]);
  });

  it('clears after three consecutive in-range readings; an impossible one in between starts the count again', () => {
    const f = new FaultDetector();
    const steps: [number, unknown[][]][] = [
      [120, [['fault:range', null, 'orange']]],
      [1, []],
      [2, []],
      [-5, []],
      [1, []],
      [2, []],
      [3, [['fault:range', 'orange', null]]],
      [4, []],
    ];
    steps.forEach(([value, expected], i) => expect(f.reading(reading(value, T0 + i * 1000)).map(moves)).toEqual(expected));
    expect(f.inFault(hq, dev, ch4)).toBe(false);
  });

  it('uses the configured level and clearing count', () => {
    const f = new FaultDetector({ rangeLevel: 'red', rangeClearReadings: 1 });
    expect(f.reading(reading(-1, T0)).map(moves)).toEqual([['fault:range', null, 'red']]);
    expect(f.reading(reading(1, T0 + 1000)).map(moves)).toEqual([['fault:range', 'red', null]]);
  });

  it('ignores a reading older than the last one', () => {
    const f = new FaultDetector();
    f.reading(reading(1, T0 + 5000));
    expect(f.reading(reading(500, T0))).toEqual([]);
    expect(f.inFault(hq, dev, ch4)).toBe(false);
  });
});

describe('FaultDetector: stuck value', () => {
  const flat = (f: FaultDetector, value: number, spans: number[], quantity: Quantity = 'methane_lel') =>
    spans.flatMap((dt) => f.reading(reading(value, T0 + dt, quantity)).map(moves));

  it.each([
    { what: 'exactly the stuck time', spanMs: SIX_H, raised: false },
    { what: '1 ms longer', spanMs: SIX_H + 1, raised: true },
    { what: 'one hour', spanMs: HOUR, raised: false },
  ])('gas unchanged for $what: raised $raised', ({ spanMs, raised }) => {
    const f = new FaultDetector();
    expect(flat(f, 12, [0, spanMs / 2, spanMs])).toEqual(raised ? [['fault:stuck', null, 'yellow']] : []);
  });

  it('clears on the first change', () => {
    const f = new FaultDetector();
    flat(f, 12, [0, SIX_H + 1]);
    expect(f.inFault(hq, dev, ch4)).toBe(true);
    expect(f.reading(reading(12, T0 + SIX_H + 2)).map(moves)).toEqual([]);
    const out = f.reading(reading(12.5, T0 + SIX_H + 3));
    expect(out.map(moves)).toEqual([['fault:stuck', 'yellow', null]]);
    expect(out[0]!.detail).toBe('changed from 12 after 6.00 h');
  });

  it('never calls a detector stuck at the clean-air zero (zero suppression)', () => {
    expect(flat(new FaultDetector(), 0, [0, SIX_H, 10 * SIX_H])).toEqual([]);
  });

  it('counts changes within epsilon of the run start as no change, and a drift past it as one', () => {
    const f = new FaultDetector({ stuck: { methane_lel: { afterMs: HOUR, epsilon: 0.1 } } });
    expect(f.reading(reading(5, T0)).map(moves)).toEqual([]);
    expect(f.reading(reading(5.08, T0 + HOUR / 2)).map(moves)).toEqual([]);
    expect(f.reading(reading(5.1, T0 + HOUR + 1)).map(moves)).toEqual([['fault:stuck', null, 'yellow']]);
    const g = new FaultDetector({ stuck: { methane_lel: { afterMs: HOUR, epsilon: 0.1 } } });
    [5, 5.08, 5.16, 5.24].forEach((v, i) => expect(g.reading(reading(v, T0 + (i * HOUR) / 2))).toEqual([]));
  });

  it('does not watch water level, temperature or oxygen by default; a site can turn it on', () => {
    for (const q of ['water_level_m', 'temperature_c', 'o2_pct'] as const) {
      expect(flat(new FaultDetector(), 20.9, [0, 100 * HOUR], q)).toEqual([]);
    }
    const f = new FaultDetector({ stuck: { ...DEFAULT_FAULT_CONFIG.stuck, water_level_m: { afterMs: 48 * HOUR, epsilon: 0 } } });
    expect(flat(f, 25.0, [0, 48 * HOUR + 1], 'water_level_m')).toEqual([['fault:stuck', null, 'yellow']]);
  });

  it('a value in range that changes at least once per stuck period never raises any fault (property)', () => {
    const afterMs = HOUR;
    const run = fc.record({
      share: fc.double({ min: 0, max: 1, noNaN: true }),
      // Whole fractions of afterMs make runs of exactly afterMs common: the boundary that must not raise.
      gaps: fc.array(fc.oneof(fc.integer({ min: 0, max: afterMs }), fc.constantFrom(afterMs / 4, afterMs / 2, afterMs)), { minLength: 1, maxLength: 5 }),
    });
    const setup = fc.record({ q: fc.constantFrom(...QUANTITIES), epsilon: fc.double({ min: 0, max: 0.5, noNaN: true }), runs: fc.array(run, { minLength: 1, maxLength: 30 }) });
    fc.assert(
      fc.property(setup, ({ q, epsilon, runs }) => {
        const { min, max } = QUANTITY_INFO[q];
        const f = new FaultDetector({ stuck: { [q]: { afterMs, epsilon } } });
        let t = T0;
        let previous = NaN;
        for (const { share, gaps } of runs) {
          // Each run is a real change (> epsilon) from the last and its readings span at most afterMs.
          let v = min + share * (max - min);
          if (Math.abs(v - previous) <= epsilon) v = previous + epsilon + 1 <= max ? previous + epsilon + 1 : previous - epsilon - 1;
          let span = 0;
          for (const gap of gaps) {
            if (span + gap > afterMs) break;
            span += gap;
            if (f.reading(reading(v, t + span, q)).length !== 0) return false;
          }
          t += span + 1;
          previous = v;
        }
        return !f.inFault(hq, dev, ch4);
      }),
      { numRuns: 500 },
    );
  });
});

describe('FaultDetector: device fault codes', () => {
  const ref = { site: hq, device: dev, quantity: 'methane_lel' as const };

  it('raises fault:device on _device with the codes, once, and clears on a message without codes', () => {
    const f = new FaultDetector();
    expect(f.deviceFault(ref, ['sensor_open'], T0)).toEqual([
      { kind: 'level', site: hq, device: dev, channel: '_device', quantity: 'methane_lel', ruleId: 'fault:device', alarmKind: 'fault_device', from: null, to: 'orange', value: 1, atMs: T0, stopWork: false, detail: 'sensor_open' },
    ]);
    expect(f.deviceFault(ref, ['sensor_open', 'low_battery'], T0 + 1000)).toEqual([]);
    expect(f.deviceCodes(hq, dev)).toEqual(['sensor_open', 'low_battery']);
    expect(f.inFault(hq, dev, ch4)).toBe(true);
    expect(f.inFault(hq, dev, 'co' as ChannelId)).toBe(true);
    const cleared = f.deviceFault(ref, [], T0 + 2000);
    expect(cleared.map(moves)).toEqual([['fault:device', 'orange', null]]);
    expect(cleared[0]!.detail).toBe('cleared: sensor_open,low_battery');
    expect(f.inFault(hq, dev, ch4)).toBe(false);
  });

  it('clears on a message with no meta.fault at all, and ignores healthy devices', () => {
    const f = new FaultDetector({ deviceLevel: 'red' });
    expect(f.deviceFault(ref, undefined, T0)).toEqual([]);
    expect(f.deviceFault(ref, ['x'], T0).map(moves)).toEqual([['fault:device', null, 'red']]);
    expect(f.deviceFault(ref, undefined, T0 + 1000).map(moves)).toEqual([['fault:device', 'red', null]]);
  });
});

describe('FaultDetector: config and snapshot', () => {
  it.each([{ rangeLevel: 'purple' as never }, { rangeClearReadings: 0 }, { rangeClearReadings: 1.5 }, { stuck: { co_ppm: { afterMs: 0, epsilon: 0 } } }, { stuck: { co_ppm: { afterMs: 1, epsilon: -1 } } }])(
    'refuses %o',
    (config) => expect(() => new FaultDetector(config)).toThrow(RangeError),
  );

  it('keeps faults and the stuck run through JSON', () => {
    const a = new FaultDetector();
    a.reading(reading(12, T0));
    a.reading(reading(150, T0, 'methane_lel', 'lpg' as ChannelId));
    a.deviceFault({ site: hq, device: 'det-2' as DeviceId, quantity: 'co_ppm' }, ['sensor_open'], T0);
    const b = new FaultDetector();
    b.load(JSON.parse(JSON.stringify(a.snapshot())));
    expect(b.size).toBe(2);
    expect(b.inFault(hq, dev, 'lpg' as ChannelId)).toBe(true);
    expect(b.inFault(hq, 'det-2' as DeviceId, ch4)).toBe(true);
    expect(b.reading(reading(12, T0 + SIX_H + 1)).map(moves)).toEqual([['fault:stuck', null, 'yellow']]);
    expect(b.reading(reading(11, T0 - 1))).toEqual([]);
  });
});
