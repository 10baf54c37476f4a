// Shelving on a real SQLite file and through the real gateway: a shelf survives a restart, ends by
// itself with an `unshelved` event, keeps the roster quiet but not the record, and a red condition
// on a shelved sensor still issues a stop-work order over MQTT.

import { describe, expect, it } from 'vitest';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import type { LevelTransition } from '../../../gateway/src/detect/engine.js';
import { levelTransition } from '../../support/transitions.js';
import type { Level } from '../../../gateway/src/contract/levels.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture } from '../../support/fixture.js';

const H = 3_600_000;
/** These tests need no HTTP: the API's own tests cover it. */
const noApi = (c: ConfigInput): void => {
  c.api = { ...c.api, enabled: false };
};

describe('shelving through the alarm service', () => {
  const fx = useGatewayFixture();

  let now = 1_800_000_000_000;
  const t = (from: Level | null, to: Level | null, value: number): LevelTransition =>
    levelTransition({ site: 'k1', device: 'gas-01', channel: 'ch4', quantity: 'methane_lel', ruleId: 'kitchen-methane', from, to, value, atMs: now, stopWork: to === 'red' });

  function open(path: string): { db: Db; repo: AlarmRepository; service: AlarmService } {
    const db = openStateDb(path);
    const repo = new AlarmRepository(db);
    const service = new AlarmService({ repo, events: new EventBus(silentLogger()), clock: () => now, log: silentLogger(), shelveMaxMs: 8 * H });
    return { db, repo, service };
  }

  it('persists a shelf across a restart and ends it by itself at expiry', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const first = open(dir.path);
    const alarm = first.service.onTransition(t(null, 'yellow', 22))!;
    expect(first.service.shelve(alarm.id, 'officer-li', 'x', now + 9 * H)?.rejected).toBe('TOO_LONG');
    expect(first.service.shelve(alarm.id, 'officer-li', '', now + H)?.rejected).toBe('REASON_REQUIRED');
    expect(first.service.shelve('no-such-alarm', 'officer-li', 'x', now + H)).toBeUndefined();
    const out = first.service.shelve(alarm.id, 'officer-li', '厨房装修 kitchen renovation dust', now + 2 * H);
    expect(out?.rejected).toBeUndefined();
    expect(first.service.suppressReason(out!.next)).toBe('shelved');
    first.db.close();

    now += H;
    const second = open(dir.path);
    fx.defer(() => void second.db.close());
    const stored = second.repo.get(alarm.id)!;
    expect(stored).toMatchObject({ shelvedBy: 'officer-li', shelveReason: '厨房装修 kitchen renovation dust', shelvedUntilMs: now + H, shelvedLevel: 'yellow' });
    expect(second.service.suppress(stored)).toBe(true);

    // Still recorded while shelved: a deescalation and a value change are moves like any other.
    second.service.onTransition(t('yellow', 'blue', 12));
    expect(second.repo.get(alarm.id)).toMatchObject({ level: 'blue', shelvedUntilMs: now + H });

    second.service.tick(now + H - 1);
    expect(second.repo.get(alarm.id)!.shelvedUntilMs).not.toBeNull();
    second.service.tick(now + H);
    const after = second.repo.get(alarm.id)!;
    expect(after.shelvedUntilMs).toBeNull();
    expect(second.service.suppress(after)).toBe(false);
    expect(second.repo.events(alarm.id).map((e) => `${e.kind}:${e.actor ?? '-'}`)).toEqual(['raised:-', 'shelved:officer-li', 'deescalated:-', 'unshelved:-']);
    expect(second.repo.events(alarm.id).at(-1)).toMatchObject({ note: 'shelf expired', atMs: now + H });
  });

  it('un-shelves on a rise above the shelved level, and an officer can un-shelve', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const { db, repo, service } = open(dir.path);
    fx.defer(() => void db.close());
    const alarm = service.onTransition(t(null, 'yellow', 22))!;
    service.shelve(alarm.id, 'officer-li', 'nuisance while cooking', now + H);
    now += 1000;
    const orange = service.onTransition(t('yellow', 'orange', 30))!;
    expect(orange).toMatchObject({ level: 'orange', shelvedUntilMs: null });
    expect(service.suppress(orange)).toBe(false);

    service.shelve(alarm.id, 'officer-li', 'fan being fixed', now + H);
    expect(service.unshelve(alarm.id, 'officer-wang', 'fan fixed')?.rejected).toBeUndefined();
    expect(service.unshelve(alarm.id, 'officer-wang')?.rejected).toBe('NOT_SHELVED');
    expect(repo.events(alarm.id).map((e) => `${e.kind}:${e.actor ?? '-'}`)).toEqual(['raised:-', 'shelved:officer-li', 'escalated:-', 'unshelved:-', 'shelved:officer-li', 'unshelved:officer-wang']);
  });
});

describe('a red condition on a shelved sensor, through the real gateway', () => {
  const fx = useGatewayFixture();

  it('still issues the stop-work order, and red is never suppressed', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(testConfig(dir.path, noApi));
    fx.defer(() => g.stop());
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => device.endAsync());
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    let seq = 1;
    const base = Date.now() - 60_000;
    const send = async (ch4: number, n: number) => {
      for (let i = 0; i < n; i++, seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4 } }), { qos: 1 });
    };

    await send(22, 4); // yellow (20 %LEL, GB 50838) after the 2 s on-delay
    const yellow = await eventually(() => g.alarms.activeAlarms().find((a) => a.device === 'gas-01' && a.level === 'yellow'), 5000, 'yellow alarm');
    expect(g.alarms.shelve(yellow.id, 'officer-li', '传感器标定 calibration', Date.now() + H)?.rejected).toBeUndefined();
    expect(g.alarms.suppress(g.alarms.get(yellow.id)!)).toBe(true);

    await send(70, 4); // red (50 %LEL, GB/T 50493-2019)
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    expect(order.alarmId).toBe(yellow.id);
    const red = g.alarmRepo.get(yellow.id)!;
    expect(red.level).toBe('red');
    expect(g.alarms.suppress(red)).toBe(false);
    expect(g.alarmRepo.events(yellow.id).map((e) => e.kind)).toEqual(['raised', 'shelved', 'escalated', 'unshelved']);
  });
});
