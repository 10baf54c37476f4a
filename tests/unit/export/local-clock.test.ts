// The export's fast wall clock says exactly what Intl says, across DST switches on the hour
// (New York), on the half hour (Lord Howe) and in zones without DST (Shanghai, Urumqi).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLocal } from '../../../gateway/src/notify/local-time.js';
import { localClock } from '../../../dashboard-api/src/export/local-clock.js';

const ZONES = ['Asia/Shanghai', 'Asia/Urumqi', 'America/New_York', 'Australia/Lord_Howe', 'Europe/London', 'UTC'];

describe('localClock', () => {
  it('agrees with formatLocal for any instant in 2000–2060', () => {
    for (const zone of ZONES) {
      const clock = localClock(zone);
      fc.assert(fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2060, 0, 1) }), (ms) => clock(ms) === formatLocal(ms, zone)), { numRuns: 2000 });
    }
  });

  it('agrees second by second around the switches of 2026', () => {
    const switches: [string, number][] = [
      ['America/New_York', Date.UTC(2026, 2, 8, 7)], // 02:00 EST → 03:00 EDT
      ['America/New_York', Date.UTC(2026, 10, 1, 6)], // 02:00 EDT → 01:00 EST
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)], // 02:00 → 01:30
      ['Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)], // 02:00 → 02:30
    ];
    for (const [zone, at] of switches) {
      const clock = localClock(zone);
      for (let ms = at - 2 * 3_600_000; ms < at + 2 * 3_600_000; ms += 997) expect(clock(ms), `${zone} ${new Date(ms).toISOString()}`).toBe(formatLocal(ms, zone));
    }
  });

  it('says 2026-12-07 22:15:03 for 14:15:03 UTC in Shanghai', () => {
    expect(localClock('Asia/Shanghai')(Date.UTC(2026, 11, 7, 14, 15, 3, 999))).toBe('2026-12-07 22:15:03');
  });
});
