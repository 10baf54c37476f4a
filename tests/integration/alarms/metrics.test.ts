// Alarm-system metrics on a seeded SQLite file, every figure worked out by hand below. Site k1 is
// in Asia/Shanghai (UTC+8); the range is its local days 2026-11-22 and 2026-11-23.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { alarmSystemMetrics } from '../../../gateway/src/alarms/metrics.js';
import { raiseAlarm, type Alarm, type AlarmEvent } from '../../../gateway/src/alarms/lifecycle.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';

const D0 = Date.UTC(2026, 10, 21, 16); // 2026-11-22 00:00 Shanghai
const DAY = 86_400_000;
const H = 3_600_000;
const MIN = 60_000;
const S = 1000;

let n = 0;
function seed(repo: AlarmRepository, a: { device: string; channel?: string; ruleId?: string; atMs: number; clearedAtMs?: number | null }, extra: { kind: AlarmEvent['kind']; atMs: number }[] = []): Alarm {
  const raised = raiseAlarm({ id: `a${++n}`, site: 'k1', device: a.device, channel: a.channel ?? 'ch4', quantity: 'methane_lel', ruleId: a.ruleId ?? 'kitchen-methane', level: 'yellow', value: 30, atMs: a.atMs });
  const cleared = a.clearedAtMs === undefined ? a.atMs + MIN : a.clearedAtMs;
  const alarm: Alarm = cleared === null ? raised.next : { ...raised.next, state: 'cleared_unacked', clearedAtMs: cleared };
  const events = [...raised.events, ...extra.map((e) => ({ alarmId: alarm.id, kind: e.kind, fromLevel: null, toLevel: null, state: alarm.state, value: null, atMs: e.atMs, actor: e.kind === 'acked' ? 'officer-li' : null, note: null }))];
  repo.save(alarm, events);
  return alarm;
}

describe('alarm-system metrics on a seeded data set', () => {
  const fx = useGatewayFixture();

  it('computes rate, flood, top ten, chattering, stale, ack and standing per local day', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const db = openStateDb(dir.path);
    fx.defer(() => db.close());
    const repo = new AlarmRepository(db);

    // Day 1 (2026-11-22):
    // - 12 alarms from gas-01/ch4 at 01:00:00 + i·30 s (all in the 01:00–01:10 bucket); the first
    //   is acknowledged after 30 s, and again later (a re-alarm: only the first ack counts); the
    //   second goes chattering.
    for (let i = 0; i < 12; i++) {
      const at = D0 + H + i * 30 * S;
      seed(repo, { device: 'gas-01', atMs: at }, i === 0 ? [{ kind: 'acked', atMs: at + 30 * S }, { kind: 'acked', atMs: at + 50 * MIN }] : i === 1 ? [{ kind: 'chattering', atMs: at + S }] : []);
    }
    // - 3 alarms from gas-02/co at 05:00, 05:20, 05:40, acknowledged after 60 s, 120 s and 600 s;
    //   the last stays active until 06:00 on day 2.
    seed(repo, { device: 'gas-02', channel: 'co', ruleId: 'kitchen-co', atMs: D0 + 5 * H }, [{ kind: 'acked', atMs: D0 + 5 * H + 60 * S }]);
    seed(repo, { device: 'gas-02', channel: 'co', ruleId: 'kitchen-co', atMs: D0 + 5 * H + 20 * MIN }, [{ kind: 'acked', atMs: D0 + 5 * H + 20 * MIN + 120 * S }]);
    seed(repo, { device: 'gas-02', channel: 'co', ruleId: 'kitchen-co', atMs: D0 + 5 * H + 40 * MIN, clearedAtMs: D0 + 30 * H }, [{ kind: 'acked', atMs: D0 + 5 * H + 40 * MIN + 600 * S }]);
    // - 11 alarms from eleven different detectors d1..d11, one every 10 minutes from 10:00.
    for (let k = 0; k < 11; k++) seed(repo, { device: `d${k + 1}`, atMs: D0 + 10 * H + k * 10 * MIN });
    // - The flood alarm from 01:05:30 to 01:25:30 (20 min): counts as time in flood, not as an alarm.
    seed(repo, { device: '_site', channel: '_site', ruleId: 'flood', atMs: D0 + H + 330 * S, clearedAtMs: D0 + H + 1530 * S });
    // - Raised the evening before the range and still active: flagged stale at 04:00 on day 1,
    //   standing at the end of both days.
    seed(repo, { device: 'gas-03', atMs: D0 - 20 * H, clearedAtMs: null }, [{ kind: 'stale_alarm', atMs: D0 + 4 * H }]);
    // - Raised and cleared before the range: in no figure.
    seed(repo, { device: 'gas-04', atMs: D0 - 10 * H, clearedAtMs: D0 - 9 * H }, [{ kind: 'acked', atMs: D0 - 9 * H }]);
    // Day 2 (2026-11-23): one alarm from d1 at 01:00, still active at the end of the range.
    seed(repo, { device: 'd1', atMs: D0 + DAY + H, clearedAtMs: null });
    // Another site, left out when the query names k1.
    repo.save({ ...raiseAlarm({ id: 'other', site: 'k2', device: 'x', channel: 'c', quantity: 'methane_lel', ruleId: 'r', level: 'red', value: 1, atMs: D0 + H }).next }, []);

    const m = alarmSystemMetrics(repo, { fromMs: D0, toMs: D0 + 2 * DAY, site: 'k1', timeZoneOf: () => 'Asia/Shanghai' });
    expect(m.days.map((d) => `${d.site}:${d.day}`)).toEqual(['k1:2026-11-22', 'k1:2026-11-23']);
    const [day1, day2] = m.days as [NonNullable<(typeof m.days)[0]>, NonNullable<(typeof m.days)[0]>];

    // Day 1: 12 + 3 + 11 = 26 alarms over 144 ten-minute buckets; the peak bucket holds the 12.
    expect(day1.alarms).toBe(26);
    expect(day1.per10Min.average).toBeCloseTo(26 / 144, 12);
    expect(day1.per10Min.peak).toBe(12);
    // 20 minutes in flood out of 1440: 1.39 % (ISA-18.2 target: under 1 %).
    expect(day1.floodMs).toBe(20 * MIN);
    expect(day1.floodShare).toBeCloseTo(20 / 1440, 12);
    // ISA-18.2's count: only the 01:00–01:10 period holds more than 10 alarms.
    expect(day1.floodPeriods).toBe(1);
    // Top ten: gas-01/ch4 (12), gas-02/co (3), then eight of d1..d11 (1 each) = 23 of 26.
    expect(day1.topTenShare).toBeCloseTo(23 / 26, 12);
    expect(day1.topTen.slice(0, 3)).toEqual([
      { ruleId: 'kitchen-methane', device: 'gas-01', channel: 'ch4', count: 12 },
      { ruleId: 'kitchen-co', device: 'gas-02', channel: 'co', count: 3 },
      { ruleId: 'kitchen-methane', device: 'd1', channel: 'ch4', count: 1 },
    ]);
    expect(day1.topTen).toHaveLength(10);
    expect(day1.chattering).toBe(1);
    expect(day1.stale).toBe(1);
    // Time to acknowledge: 30, 60, 120, 600 s → mean 202.5 s; p90 by nearest rank is the 4th of 4.
    expect(day1.ack).toEqual({ count: 4, meanMs: 202_500, p90Ms: 600 * S, maxMs: 600 * S });
    // Standing at 24:00: gas-03 (since the day before) and the third gas-02 alarm (until day 2).
    expect(day1.standing).toBe(2);

    // Day 2: one alarm; standing at the end: gas-03 and d1 (gas-02 cleared at 06:00).
    expect(day2).toMatchObject({ alarms: 1, per10Min: { average: 1 / 144, peak: 1 }, floodMs: 0, floodPeriods: 0, topTenShare: 1, chattering: 0, stale: 0, ack: null, standing: 2 });

    // Through the service, for every site: configured ones (k3 has no alarms) and any with rows (k2),
    // each in its own zone. k2 is in London: the range covers its 21st (16:00–24:00), 22nd and 23rd.
    const sites = [
      { id: 'k1', timezone: 'Asia/Shanghai', devices: [] },
      { id: 'k2', timezone: 'Europe/London', devices: [] },
      { id: 'k3', timezone: 'Asia/Shanghai', devices: [] },
    ];
    const service = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => D0 + 2 * DAY, log: silentLogger(), sites });
    const all = service.metrics({ fromMs: D0, toMs: D0 + 2 * DAY });
    expect(all.days.map((d) => `${d.site}:${d.day}:${d.alarms}`)).toEqual([
      'k1:2026-11-22:26',
      'k1:2026-11-23:1',
      'k2:2026-11-21:1', // raised at D0 + 1 h = 17:00 UTC = 17:00 in London on the 21st
      'k2:2026-11-22:0',
      'k2:2026-11-23:0',
      'k3:2026-11-22:0',
      'k3:2026-11-23:0',
    ]);
  });
});
