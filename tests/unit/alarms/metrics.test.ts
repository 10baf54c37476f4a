// Alarm-system metrics as a pure function: local days in the site's time zone, the 10-minute
// rate, nearest-rank p90 of time to acknowledge, and a refused range. The full hand-computed data
// set runs through SQLite in tests/integration/alarms/metrics.test.ts.

import { describe, expect, it } from 'vitest';
import { computeAlarmMetrics, localDay, type MetricsEvent } from '../../../gateway/src/alarms/metrics.js';
import { raiseAlarm, type Alarm } from '../../../gateway/src/alarms/lifecycle.js';

// 2026-11-22 00:00 in Shanghai (UTC+8) is 2026-11-21 16:00 UTC.
const DAY0 = Date.UTC(2026, 10, 21, 16);
const DAY = 86_400_000;
const MIN = 60_000;

function alarm(id: string, site: string, atMs: number, clearedAfterMs: number | null = MIN): Alarm {
  const a = raiseAlarm({ id, site, device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'r', level: 'yellow', value: 30, atMs }).next;
  return clearedAfterMs === null ? a : { ...a, state: 'cleared_unacked', clearedAtMs: atMs + clearedAfterMs };
}

describe('alarm-system metrics (pure)', () => {
  it('cuts days at local midnight of each site', () => {
    // 23:30 in Shanghai on the 22nd is 15:30 UTC; in London the same instant is still the 22nd too,
    // but 00:30 Shanghai on the 23rd (16:30 UTC) is the 22nd in London.
    const rows = { alarms: [alarm('a', 'sh', DAY0 + DAY - 30 * MIN), alarm('b', 'sh', DAY0 + DAY + 30 * MIN), alarm('c', 'ldn', DAY0 + DAY + 30 * MIN)], events: [] };
    const m = computeAlarmMetrics(rows, { fromMs: DAY0, toMs: DAY0 + 2 * DAY, timeZoneOf: (s) => (s === 'ldn' ? 'Europe/London' : 'Asia/Shanghai') });
    const count = (site: string) => m.days.filter((d) => d.site === site).map((d) => `${d.day}:${d.alarms}`);
    expect(count('sh')).toEqual(['2026-11-22:1', '2026-11-23:1']);
    // London: the range starts at 16:00 on the 21st local time and ends at 16:00 on the 23rd.
    expect(count('ldn')).toEqual(['2026-11-21:0', '2026-11-22:1', '2026-11-23:0']);
    expect(localDay(DAY0, 'Asia/Shanghai')).toBe('2026-11-22');
  });

  it('averages over the covered part of a day and takes the peak 10-minute bucket', () => {
    // A range of one hour (6 buckets) with 3 alarms in the first bucket and 1 in the fourth.
    const at = [0, 1, 2, 31].map((m) => DAY0 + m * MIN);
    const m = computeAlarmMetrics({ alarms: at.map((t, i) => alarm(`a${i}`, 'sh', t)), events: [] }, { fromMs: DAY0, toMs: DAY0 + 60 * MIN });
    expect(m.days).toHaveLength(1);
    expect(m.days[0]!.per10Min).toEqual({ average: 4 / 6, peak: 3 });
  });

  it('takes the first acknowledgement of each alarm, nearest-rank p90', () => {
    // Ten alarms acknowledged after 1..10 minutes: mean 5.5 min, p90 = 9th value = 9 min.
    const alarms = Array.from({ length: 10 }, (_, i) => alarm(`a${i}`, 'sh', DAY0 + i * MIN));
    const events: MetricsEvent[] = alarms.flatMap((a, i) => [
      { alarmId: a.id, kind: 'acked' as const, atMs: a.raisedAtMs + (i + 1) * MIN },
      { alarmId: a.id, kind: 'acked' as const, atMs: a.raisedAtMs + 100 * MIN }, // a re-alarm's ack: not the first
    ]);
    const [day] = computeAlarmMetrics({ alarms, events }, { fromMs: DAY0, toMs: DAY0 + DAY }).days;
    expect(day!.ack).toEqual({ count: 10, meanMs: 5.5 * MIN, p90Ms: 9 * MIN, maxMs: 10 * MIN });
  });

  it('reports a configured site without alarms as zero, with no share and no ack figures', () => {
    const [day] = computeAlarmMetrics({ alarms: [], events: [] }, { fromMs: DAY0, toMs: DAY0 + DAY, sites: ['quiet'] }).days;
    expect(day).toMatchObject({ site: 'quiet', day: '2026-11-22', alarms: 0, per10Min: { average: 0, peak: 0 }, floodMs: 0, topTenShare: null, ack: null, standing: 0 });
  });

  it('refuses an empty, reversed or over-long range', () => {
    const rows = { alarms: [], events: [] };
    expect(() => computeAlarmMetrics(rows, { fromMs: DAY0, toMs: DAY0 })).toThrow(/fromMs < toMs/);
    expect(() => computeAlarmMetrics(rows, { fromMs: DAY0, toMs: DAY0 + 367 * DAY })).toThrow(/366 days/);
  });
});
