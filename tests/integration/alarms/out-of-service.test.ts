// Out of service on a real SQLite file and through the real gateway: a device under maintenance
// still records its alarms but the roster is spared (except red); the spell is audited, survives
// a restart and ends by itself; red on a device out of service still stops work, and only a
// whole site out of service withholds the stop-work order.

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
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

const H = 3_600_000;
/** These tests need no HTTP: the API's own tests cover it. */
const noApi = (c: ConfigInput): void => {
  c.api = { ...c.api, enabled: false };
};

describe('out of service through the alarm service', () => {
  const fx = useGatewayFixture();

  let now = 1_800_000_000_000;
  const sites = [{ id: 'k1', timezone: 'Asia/Shanghai', devices: ['gas-01', 'gas-02'] }];
  const t = (device: string, to: Level | null, value: number): LevelTransition =>
    levelTransition({ site: 'k1', device, channel: 'ch4', quantity: 'methane_lel', ruleId: 'kitchen-methane', from: null, to, value, atMs: now, stopWork: to === 'red' });

  function open(path: string): { db: Db; repo: AlarmRepository; service: AlarmService; bus: EventBus } {
    const db = openStateDb(path);
    const repo = new AlarmRepository(db);
    const bus = new EventBus(silentLogger());
    const service = new AlarmService({ repo, events: bus, clock: () => now, log: silentLogger(), outOfServiceMaxMs: 72 * H, sites });
    return { db, repo, service, bus };
  }

  it('suppresses a device under maintenance (not red, not other devices), audits and expires the spell', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const first = open(dir.path);
    const seen: string[] = [];
    first.bus.on('outOfService', ({ entry, what }) => seen.push(`${what}:${entry.device}:${entry.endedBy ?? entry.by}`));

    expect(first.service.putOutOfService({ site: 'k1', device: 'nope', by: 'officer-li', reason: 'x', untilMs: now + H })).toEqual({ ok: false, rejected: 'UNKNOWN_DEVICE' });
    expect(first.service.putOutOfService({ site: 'k1', device: 'gas-01', by: 'officer-li', reason: 'x', untilMs: now + 73 * H })).toEqual({ ok: false, rejected: 'TOO_LONG' });
    const set = first.service.putOutOfService({ site: 'k1', device: 'gas-01', by: 'officer-li', reason: '更换探头 sensor head replaced', untilMs: now + 4 * H });
    expect(set.ok).toBe(true);

    const onMaintenance = first.service.onTransition(t('gas-01', 'orange', 30))!;
    const other = first.service.onTransition(t('gas-02', 'orange', 30))!;
    expect(first.repo.get(onMaintenance.id)).toBeDefined(); // recorded all the same
    expect(first.service.suppressReason(onMaintenance)).toBe('device_out_of_service');
    expect(first.service.suppress(other)).toBe(false);
    first.db.close();

    now += H;
    const second = open(dir.path);
    fx.defer(() => void second.db.close());
    second.bus.on('outOfService', ({ entry, what }) => seen.push(`${what}:${entry.device}:${entry.endedBy ?? '-'}`));
    const stored = second.repo.get(onMaintenance.id)!;
    expect(second.service.suppressReason(stored)).toBe('device_out_of_service');
    const red = second.service.onTransition({ ...t('gas-01', 'red', 60), from: 'orange' })!;
    expect(second.service.suppress(red)).toBe(false);
    expect(second.service.listOutOfService({ site: 'k1' })).toMatchObject([{ device: 'gas-01', by: 'officer-li', reason: '更换探头 sensor head replaced', endedAtMs: null }]);

    second.service.tick(now + 3 * H - 1);
    expect(second.service.listOutOfService({ site: 'k1' })).toHaveLength(1);
    second.service.tick(now + 3 * H);
    expect(second.service.listOutOfService({ site: 'k1' })).toEqual([]);
    expect(second.service.listOutOfService({ site: 'k1', includeEnded: true })).toMatchObject([{ endedAtMs: now + 3 * H, endedBy: null, endNote: 'expired' }]);
    expect(seen).toEqual(['set:gas-01:officer-li', 'expired:gas-01:-']);
    expect(second.service.suppress({ ...stored, level: 'orange' })).toBe(false);
  });

  it('a site spell covers every device; an officer returns it to service', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const { db, service } = open(dir.path);
    fx.defer(() => void db.close());
    const set = service.putOutOfService({ site: 'k1', by: 'officer-li', reason: '停业检修 closed for repairs', untilMs: now + H });
    if (!set.ok) throw new Error(set.rejected);
    expect(service.putOutOfService({ site: 'k1', by: 'officer-li', reason: 'again', untilMs: now + H })).toMatchObject({ ok: false, rejected: 'ALREADY_OUT_OF_SERVICE' });
    expect(service.siteOutOfService('k1')).toBe(true);
    const a = service.onTransition(t('gas-02', 'yellow', 22))!;
    expect(service.suppressReason(a)).toBe('site_out_of_service');
    expect(service.returnToService(set.entry.id, 'officer-wang', 'repairs done')).toMatchObject({ ok: true, entry: { endedBy: 'officer-wang', endNote: 'repairs done' } });
    expect(service.returnToService(set.entry.id, 'officer-wang')).toEqual({ ok: false, rejected: 'NOT_OUT_OF_SERVICE' });
    expect(service.siteOutOfService('k1')).toBe(false);
    expect(service.suppress(a)).toBe(false);
  });
});

describe('out of service and the stop-work order, through the real gateway', () => {
  const fx = useGatewayFixture();

  async function redFromGas01(g: RunningGateway): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => device.endAsync());
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 10_000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
  }

  it('red on a device out of service still stops work', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(testConfig(dir.path, noApi));
    fx.defer(() => g.stop());
    expect(g.alarms.putOutOfService({ site: DEMO_SITE, device: 'gas-01', by: 'officer-li', reason: 'detector swap', untilMs: Date.now() + H }).ok).toBe(true);
    await redFromGas01(g);
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    expect(g.alarmRepo.get(order.alarmId)).toMatchObject({ device: 'gas-01', level: 'red' });
  });

  it('red on a site out of service is recorded but issues no stop-work order', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(testConfig(dir.path, noApi));
    fx.defer(() => g.stop());
    expect(g.alarms.putOutOfService({ site: DEMO_SITE, by: 'officer-li', reason: '停业检修 kitchen closed for gas works', untilMs: Date.now() + H }).ok).toBe(true);
    await redFromGas01(g);
    // The stop-work decision is taken in the same call that records the red alarm: once the red
    // alarm is visible, an order would be too.
    const red = await eventually(() => g.alarms.activeAlarms().find((a) => a.device === 'gas-01' && a.level === 'red'), 5000, 'red alarm');
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
    expect(g.orders.latestForSite(DEMO_SITE)).toBeUndefined();
    expect(g.alarms.suppress(red)).toBe(false); // red is still told to the roster
  });
});
