// Wall-clock arithmetic through Intl: the roster, the messages and the briefing rely on it.

import { describe, expect, it } from 'vitest';
import { addDays, formatLocal, localParts, localToUtcMs } from '../../../gateway/src/notify/local-time.js';

describe('local time', () => {
  it('formats an instant in Shanghai time (UTC+8)', () => {
    expect(formatLocal(Date.parse('2026-11-23T16:05:09Z'), 'Asia/Shanghai')).toBe('2026-11-24 00:05:09');
    expect(localParts(Date.parse('2026-11-23T16:05:09Z'), 'Asia/Shanghai').weekday).toBe('tue');
  });

  it('finds the instant of a local time, on both sides of a DST change', () => {
    expect(new Date(localToUtcMs('2026-11-24', '08:00', 'Asia/Shanghai')).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(new Date(localToUtcMs('2026-03-28', '08:00', 'Europe/Berlin')).toISOString()).toBe('2026-03-28T07:00:00.000Z'); // CET
    expect(new Date(localToUtcMs('2026-03-29', '08:00', 'Europe/Berlin')).toISOString()).toBe('2026-03-29T06:00:00.000Z'); // CEST
  });

  it('steps dates across month and year ends', () => {
    expect(addDays('2026-03-01', -1)).toEqual({ date: '2026-02-28', weekday: 'sat' });
    expect(addDays('2026-12-31', 1)).toEqual({ date: '2027-01-01', weekday: 'fri' });
  });
});
