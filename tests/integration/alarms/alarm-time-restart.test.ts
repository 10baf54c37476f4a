// An alarm's own time base survives a restart, on a real SQLite file: an alarm raised from
// readings replayed from yesterday, still active when the gateway restarts, is not flagged as an
// ISA-18.2 stale alarm (active over 24 h) by the restarted gateway before 24 h of its own time,
// and an acknowledgement after the restart is stamped in its own time.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { useGatewayFixture } from '../../support/fixture.js';

const H = 3_600_000;
const TODAY = 1_800_000_000_000;
const YESTERDAY = TODAY - 25 * H;

describe('an alarm raised from readings replayed from yesterday, across a restart', () => {
  const fx = useGatewayFixture();
  const dir = (): string => fx.dataDir();

  /** A gateway's alarm part on the state database in `path`, its clock at `now()`. */
  function start(path: string, now: () => number) {
    const db = openStateDb(path);
    const repo = new AlarmRepository(db);
    const alarms = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: now, log: silentLogger() });
    return { db, repo, alarms };
  }

  it('is not flagged stale by the restarted gateway, only 24 h of its own time after it was raised', () => {
    const path = dir();
    let now = TODAY;
    const first = start(path, () => now);
    const alarm = first.alarms.onTransition({ kind: 'level', site: 'k1' as SiteId, device: 'gas-01' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from: null, to: 'yellow', value: 26, atMs: YESTERDAY, stopWork: false })!;
    first.alarms.tick(now);
    first.db.close();

    now += 60_000;
    const second = start(path, () => now);
    fx.defer(() => second.db.close());
    second.alarms.tick(now);
    // Before the lead was stored, the restarted gateway timed the alarm in its own clock: raised
    // 25 h before "now", it was flagged at the first tick.
    expect(second.repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);

    now += 22 * H;
    second.alarms.tick(now);
    expect(second.repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised']);

    now += 2 * H - 60_000 + 1000; // 24 h and one second of its own time after the raise
    second.alarms.tick(now);
    const events = second.repo.events(alarm.id);
    expect(events.map((e) => e.kind)).toEqual(['raised', 'stale_alarm']);
    expect(events[1]!.atMs - alarm.raisedAtMs).toBeGreaterThanOrEqual(24 * H);
    expect(events[1]!.atMs - alarm.raisedAtMs).toBeLessThan(24 * H + 5000);
  });

  it('stamps an acknowledgement after the restart in the alarm’s own time', () => {
    const path = dir();
    let now = TODAY;
    const first = start(path, () => now);
    const alarm = first.alarms.onTransition({ kind: 'level', site: 'k1' as SiteId, device: 'gas-01' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from: null, to: 'yellow', value: 26, atMs: YESTERDAY, stopWork: false })!;
    first.db.close();

    now += 120_000;
    const second = start(path, () => now);
    fx.defer(() => second.db.close());
    second.alarms.acknowledge(alarm.id, 'officer Li');
    // Two minutes after the raise reached the gateway: YESTERDAY + 2 min in the alarm's own
    // time, not a day and more after it was raised.
    expect(second.repo.get(alarm.id)!.ackedAtMs! - YESTERDAY).toBe(120_000);
  });
});

describe('an alarm flagged stale before a restart', () => {
  const fx = useGatewayFixture();

  it('is not flagged again by the restarted gateway', () => {
    const path = fx.dataDir();
    let now = TODAY;
    const open = () => {
      const db = openStateDb(path);
      fx.defer(() => db.open && db.close());
      const repo = new AlarmRepository(db);
      return { db, repo, alarms: new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger() }) };
    };
    const first = open();
    const alarm = first.alarms.onTransition({ kind: 'level', site: 'k1' as SiteId, device: 'gas-01' as DeviceId, channel: 'ch4' as ChannelId, quantity: 'methane_lel', ruleId: 'kitchen-methane', alarmKind: 'threshold', from: null, to: 'yellow', value: 26, atMs: now, stopWork: false })!;
    now += 24 * H + 1000;
    first.alarms.tick(now);
    expect(first.repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised', 'stale_alarm']);
    first.db.close();

    now += 60_000;
    const second = open();
    second.alarms.tick(now);
    expect(second.repo.events(alarm.id).map((e) => e.kind)).toEqual(['raised', 'stale_alarm']);
  });
});
