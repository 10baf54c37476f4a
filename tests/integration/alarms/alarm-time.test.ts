// One time base per alarm, on a real SQLite file: an alarm raised from readings replayed from
// yesterday is timed in its own (reading) time. It is not flagged as an ISA-18.2 stale alarm
// (active over 24 h) the moment it is raised, its events stay in time order, and the time an
// officer took to acknowledge it is the time they really took.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { useGatewayFixture } from '../../support/fixture.js';

const H = 3_600_000;
const TODAY = 1_800_000_000_000;
const YESTERDAY = TODAY - 25 * H;

describe('an alarm raised from readings replayed from yesterday', () => {
  const fx = useGatewayFixture();

  function open() {
    const db = openStateDb(fx.dataDir());
    fx.defer(() => db.close());
    let now = TODAY;
    const repo = new AlarmRepository(db);
    const alarms = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger() });
    const move = (from: Level | null, to: Level | null, value: number, atMs: number) =>
      alarms.onTransition({ kind: 'level', site: 'k1' as SiteId, device: 'gas-01' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from, to, value, atMs, stopWork: false });
    return { repo, alarms, move, advance: (ms: number) => (now += ms), now: () => now };
  }

  it('is not flagged as active over 24 h at once, only 24 h of its own time after it was raised', () => {
    const { repo, alarms, move, advance, now } = open();
    const alarm = move(null, 'yellow', 26, YESTERDAY)!;
    alarms.tick(now());
    expect(repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);
    advance(24 * H - 1000);
    alarms.tick(now());
    expect(repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);
    advance(2000);
    alarms.tick(now());
    const events = repo.events(alarm.id);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'stale_alarm']);
    expect(events[1]!.atMs - alarm.raisedAtMs).toBeGreaterThanOrEqual(24 * H);
    expect(events[1]!.atMs - alarm.raisedAtMs).toBeLessThan(24 * H + 5000);
  });

  it('keeps its events in time order, the officer acknowledgement among the replayed readings', () => {
    const { repo, alarms, move, advance, now } = open();
    const alarm = move(null, 'yellow', 26, YESTERDAY)!;
    advance(60_000);
    alarms.tick(now());
    move('yellow', 'orange', 40, YESTERDAY + 30_000);
    advance(60_000);
    alarms.acknowledge(alarm.id, 'officer Li');
    advance(60_000);
    move('orange', null, 5, YESTERDAY + 150_000);
    const events = repo.events(alarm.id);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'escalated', 'acked', 'cleared']);
    const times = events.map((e) => e.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // Acknowledged one minute after the rise (read at YESTERDAY + 30 s) reached the gateway: in
    // the alarm's own time that is YESTERDAY + 90 s, not a day after it was raised.
    expect(repo.get(alarm.id)!.ackedAtMs! - YESTERDAY).toBe(90_000);
    expect(repo.get(alarm.id)!.clearedAtMs).toBe(YESTERDAY + 150_000);
  });
});
