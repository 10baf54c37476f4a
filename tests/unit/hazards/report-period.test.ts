import { describe, expect, it } from 'vitest';
import { parsePeriod, periodBoundsMs, periodDates } from '../../../gateway/src/hazards/report-period.js';

describe('hazard report periods', () => {
  it('reads a year and a quarter, and refuses anything else', () => {
    expect(parsePeriod('2026')).toEqual({ kind: 'year', year: 2026, label: '2026' });
    expect(parsePeriod('2026-Q4')).toEqual({ kind: 'quarter', year: 2026, quarter: 4, label: '2026-Q4' });
    for (const bad of ['2026-Q5', '2026-Q0', '26', '2026-q1', '2026Q1', '', '2026-Q1 ']) expect(parsePeriod(bad), bad).toBeUndefined();
  });

  it('gives each quarter its calendar months, Q4 ending at the new year', () => {
    expect(periodDates(parsePeriod('2026-Q1')!)).toEqual({ first: '2026-01-01', afterLast: '2026-04-01' });
    expect(periodDates(parsePeriod('2026-Q3')!)).toEqual({ first: '2026-07-01', afterLast: '2026-10-01' });
    expect(periodDates(parsePeriod('2026-Q4')!)).toEqual({ first: '2026-10-01', afterLast: '2027-01-01' });
    expect(periodDates(parsePeriod('2026')!)).toEqual({ first: '2026-01-01', afterLast: '2027-01-01' });
  });

  it('starts a quarter at local midnight in the site time zone, not UTC', () => {
    const shanghai = periodBoundsMs(parsePeriod('2026-Q2')!, 'Asia/Shanghai');
    expect(new Date(shanghai.startMs).toISOString()).toBe('2026-03-31T16:00:00.000Z');
    expect(new Date(shanghai.endMs).toISOString()).toBe('2026-06-30T16:00:00.000Z');
    const urumqi = periodBoundsMs(parsePeriod('2026-Q2')!, 'Asia/Urumqi');
    expect(new Date(urumqi.startMs).toISOString()).toBe('2026-03-31T18:00:00.000Z');
    // 23:30 on 31 March in Shanghai is still Q1 there.
    const lateMarch = Date.parse('2026-03-31T15:30:00Z');
    expect(lateMarch < shanghai.startMs).toBe(true);
  });

  it('follows daylight saving time where the zone has it', () => {
    const ny = periodBoundsMs(parsePeriod('2026-Q2')!, 'America/New_York');
    expect(new Date(ny.startMs).toISOString()).toBe('2026-04-01T04:00:00.000Z');
    const nyQ1 = periodBoundsMs(parsePeriod('2026-Q1')!, 'America/New_York');
    expect(new Date(nyQ1.startMs).toISOString()).toBe('2026-01-01T05:00:00.000Z');
  });
});
