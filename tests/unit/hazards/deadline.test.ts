// Deadline days in the site's calendar: a date ends at the site's midnight, across zones, DST and
// month ends.

import { describe, expect, it } from 'vitest';
import { addDays, daysLeft, deadlineEndMs, isCalendarDate, localDateOf, startOfLocalDayMs } from '../../../gateway/src/hazards/deadline.js';

describe('deadline days', () => {
  it('ends a Shanghai date at 16:00 UTC of the same day', () => {
    expect(deadlineEndMs('2026-12-31', 'Asia/Shanghai')).toBe(Date.UTC(2026, 11, 31, 16));
  });

  it('ends the same date at a different instant in Urumqi time and in UTC', () => {
    expect(deadlineEndMs('2026-12-31', 'Asia/Urumqi')).toBe(Date.UTC(2026, 11, 31, 18));
    expect(deadlineEndMs('2026-12-31', 'UTC')).toBe(Date.UTC(2027, 0, 1));
  });

  it('crosses month, year and leap-day ends', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(deadlineEndMs('2028-02-29', 'Asia/Shanghai')).toBe(Date.UTC(2028, 1, 29, 16));
  });

  it('takes the first instant of a day whose midnight is skipped by DST (Santiago springs forward at 00:00)', () => {
    // Chile's 2026 spring change: 2026-09-06 00:00 -04 becomes 01:00 -03.
    const start = startOfLocalDayMs('2026-09-06', 'America/Santiago');
    expect(localDateOf(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDateOf(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('takes the single midnight of a day after a fall-back change in New York', () => {
    const start = startOfLocalDayMs('2026-11-02', 'America/New_York');
    expect(start).toBe(Date.UTC(2026, 10, 2, 5));
    expect(localDateOf(start - 1, 'America/New_York')).toBe('2026-11-01');
  });

  it('counts days left in the site calendar: 0 on the day, negative after, across the server midnight', () => {
    // 2026-12-15 23:30 Shanghai is still 2026-12-15 there (15:30 UTC).
    expect(daysLeft('2026-12-15', Date.UTC(2026, 11, 15, 15, 30), 'Asia/Shanghai')).toBe(0);
    // 2026-12-16 00:30 Shanghai (16:30 UTC the 15th) is the day after there, while UTC still says the 15th.
    expect(daysLeft('2026-12-15', Date.UTC(2026, 11, 15, 16, 30), 'Asia/Shanghai')).toBe(-1);
    expect(daysLeft('2026-12-15', Date.UTC(2026, 11, 12, 1), 'Asia/Shanghai')).toBe(3);
  });

  it('knows real calendar dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-2-1')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
  });
});
