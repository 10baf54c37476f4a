// Which duty day a briefing date names (the API's ?date= and the scheduler's key): the day before
// at the handover hour up to that date at the hour, in the roster's time zone.

import { describe, expect, it } from 'vitest';
import { briefingWindow, briefingWindowOn, latestBriefingDate } from '../../../gateway/src/notify/briefing-schedule.js';

const at = (iso: string): number => Date.parse(iso);

describe('briefing windows', () => {
  it('names a duty day by the date it ends, handover to handover, in the zone', () => {
    expect(briefingWindowOn('2026-11-24', '08:00', 'Asia/Shanghai')).toEqual({ date: '2026-11-24', fromMs: at('2026-11-23T00:00:00Z'), toMs: at('2026-11-24T00:00:00Z') });
    // Across a month end and in a zone with DST: Berlin leaves summer time on 2026-10-25 (a 25 h day).
    expect(briefingWindowOn('2026-03-01', '08:00', 'Asia/Shanghai').fromMs).toBe(at('2026-02-28T00:00:00Z'));
    // The duty day ending 25 Oct 08:00 (CET) began 24 Oct 08:00 (CEST): 25 hours.
    const berlin = briefingWindowOn('2026-10-25', '08:00', 'Europe/Berlin');
    expect([berlin.fromMs, berlin.toMs]).toEqual([at('2026-10-24T06:00:00Z'), at('2026-10-25T07:00:00Z')]);
  });

  it('serves the newest briefing whose hour has come, as the scheduler sends it', () => {
    expect(latestBriefingDate(at('2026-11-23T23:59:59Z'), '08:00', 'Asia/Shanghai')).toBe('2026-11-23'); // 07:59 local
    expect(latestBriefingDate(at('2026-11-24T00:00:00Z'), '08:00', 'Asia/Shanghai')).toBe('2026-11-24'); // 08:00 local
    expect(briefingWindow(at('2026-11-24T00:00:00Z'), '08:00', 'Asia/Shanghai')).toEqual(briefingWindowOn('2026-11-24', '08:00', 'Asia/Shanghai'));
    expect(briefingWindow(at('2026-11-23T23:59:59Z'), '08:00', 'Asia/Shanghai')).toBeUndefined();
  });
});
