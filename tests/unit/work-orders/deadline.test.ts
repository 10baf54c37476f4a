import { describe, expect, it } from 'vitest';
import { dueEndOfLocalDay, dueWithinHours, minutesOverdue, zoneOffsetMs } from '../../../gateway/src/work-orders/deadline.js';

describe('work order deadlines', () => {
  it('within N hours crosses UTC midnight plainly', () => {
    expect(dueWithinHours(Date.UTC(2026, 11, 8, 22, 0), 4)).toBe(Date.UTC(2026, 11, 9, 2, 0));
  });

  it('end of the local day in Shanghai (UTC+8) is 16:00 UTC', () => {
    // 2026-12-08 10:00 Shanghai = 02:00 UTC; that day's end is 2026-12-09 00:00 Shanghai = 2026-12-08 16:00 UTC.
    expect(dueEndOfLocalDay(Date.UTC(2026, 11, 8, 2, 0), 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 8, 16, 0));
  });

  it('a dispatch at 23:30 Shanghai, which is still the previous UTC day, gets the coming local midnight', () => {
    const at = Date.UTC(2026, 11, 8, 15, 30); // 23:30 local
    expect(dueEndOfLocalDay(at, 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 8, 16, 0));
    expect(dueEndOfLocalDay(at, 'Asia/Shanghai', 2)).toBe(Date.UTC(2026, 11, 9, 16, 0));
  });

  it('a dispatch at 00:30 Shanghai, the previous UTC evening, belongs to the new local day', () => {
    const at = Date.UTC(2026, 11, 8, 16, 30); // 2026-12-09 00:30 local
    expect(dueEndOfLocalDay(at, 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 9, 16, 0));
  });

  it('Urumqi time (UTC+6) and a DST zone resolve their own midnight', () => {
    expect(zoneOffsetMs(Date.UTC(2026, 11, 8), 'Asia/Urumqi')).toBe(6 * 3_600_000);
    // Europe/Berlin springs forward on 2026-03-29; the day's end is 22:00 UTC (UTC+2), not 23:00.
    expect(dueEndOfLocalDay(Date.UTC(2026, 2, 29, 8, 0), 'Europe/Berlin')).toBe(Date.UTC(2026, 2, 29, 22, 0));
  });

  it('counts whole minutes overdue, zero before and at the deadline', () => {
    expect(minutesOverdue(1_000_000, 1_000_000)).toBe(0);
    expect(minutesOverdue(1_000_000, 1_000_000 + 61_000)).toBe(1);
  });
});
