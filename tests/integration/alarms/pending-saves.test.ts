// An alarm save that fails: the state database refuses the alarm's row while a red
// methane reading arrives through the real broker. The stop-work order still closes the valve at
// once; the move is held in memory and saved again every second, so once the fault clears the
// alarm is on record exactly once, with its original raise time, and its notification is queued.
// Faults are real SQLite errors on the gateway's own state.db connection: a trigger that
// RAISE(FAIL)s on the alarm table (an I/O-like refusal), and a genuine SQLITE_FULL from
// PRAGMA max_page_count (a trigger makes each alarm insert need a megabyte, so it is certain).

import { describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';
import { createValve } from '../../../simulators/src/devices/valve.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

const SECRET = 'webhook-secret-held-01';

/** Test-only reach into the runtime's state.db handle: the fault must hit the gateway's own connection. */
const stateDb = (g: RunningGateway): Database.Database => (g.alarmRepo as unknown as { db: Database.Database }).db;

function refuseAlarmRows(db: Database.Database): () => void {
  db.exec(`CREATE TRIGGER test_alarm_refused_insert BEFORE INSERT ON alarm BEGIN SELECT RAISE(FAIL, 'test: alarm row refused'); END;
           CREATE TRIGGER test_alarm_refused_update BEFORE UPDATE ON alarm BEGIN SELECT RAISE(FAIL, 'test: alarm row refused'); END;`);
  return () => db.exec('DROP TRIGGER test_alarm_refused_insert; DROP TRIGGER test_alarm_refused_update;');
}

function fillDatabase(db: Database.Database): () => void {
  db.exec(`CREATE TABLE test_ballast (b BLOB);
           CREATE TRIGGER test_alarm_needs_room BEFORE INSERT ON alarm BEGIN INSERT INTO test_ballast VALUES (zeroblob(1048576)); END;`);
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  return () => {
    db.pragma('max_page_count = 1073741823');
    db.exec('DROP TRIGGER test_alarm_needs_room; DROP TABLE test_ballast;');
  };
}

describe('alarm saves refused by the state database', () => {
  const fx = useGatewayFixture();

  async function gateway(): Promise<{ g: RunningGateway; rx: HttpReceiver }> {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver({ webhookSecret: SECRET });
    fx.defer(() => rx.close());
    const g = await startTestGateway(
      testConfig(dir.path, (input) => {
        input.notify = {
          publicUrl: 'http://127.0.0.1:8080',
          channels: { hook: { type: 'webhook', url: `${rx.url}/webhook`, secret: SECRET } },
          roster: { people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] } }, shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'] }] },
          delivery: { pollMs: 20, baseDelayMs: 50, maxDelayMs: 200 },
        };
      }),
    );
    fx.defer(() => g.stop());
    return { g, rx };
  }

  async function valve(g: RunningGateway) {
    const v = createValve({ url: g.url, topics: g.topics, site: DEMO_SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'], actuationMs: 20 });
    fx.defer(() => v.stop());
    await v.start();
    return v;
  }

  /** Four red methane readings a second apart of reading time (the kitchen preset's 2 s on-delay). */
  async function publishRed(g: RunningGateway): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
    await device.endAsync();
  }

  const redInMemory = (g: RunningGateway) => eventually(() => g.alarms.activeAlarms().find((a) => a.site === DEMO_SITE && a.channel === 'ch4' && a.level === 'red'), 5000, 'the red alarm in memory');
  const rowsOf = (g: RunningGateway, id: string): number => (stateDb(g).prepare('SELECT COUNT(*) AS n FROM alarm WHERE id = ?').get(id) as { n: number }).n;

  it('closes the valve at once while the alarm row is refused, then stores the alarm once with its raise time and queues its notification', async () => {
    const { g, rx } = await gateway();
    const v = await valve(g);
    const restore = refuseAlarmRows(stateDb(g));

    await publishRed(g);
    const alarm = await redInMemory(g);
    // The valve command went out through the broker although the alarm has no row yet.
    await eventually(() => v.state === 'closed', 5000, 'the valve closed');
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'the stop-work order');
    expect(order.alarmId).toBe(alarm.id);
    expect(g.alarmRepo.get(alarm.id)).toBeUndefined();
    expect(g.alarms.heldSaves()).toBeGreaterThanOrEqual(1);
    expect(g.alarms.get(alarm.id)).toMatchObject({ id: alarm.id, level: 'red' });
    // Retried every second and still refused: nothing half-written, no notification yet.
    await new Promise((r) => setTimeout(r, 1500));
    expect(rowsOf(g, alarm.id)).toBe(0);
    expect(g.notifier.list({ alarmId: alarm.id, limit: 10 })).toEqual([]);

    const clearedAtMs = Date.now();
    restore();
    const stored = await eventually(() => g.alarmRepo.get(alarm.id), 5000, 'the held alarm saved');
    expect(rowsOf(g, alarm.id)).toBe(1);
    expect(stored).toMatchObject({ level: 'red', state: 'active_unacked', raisedAtMs: alarm.raisedAtMs });
    expect(stored.raisedAtMs).toBeLessThan(clearedAtMs); // the reading's time, not the save's
    expect(g.alarmRepo.events(alarm.id).map((e) => [e.kind, e.atMs])).toEqual([['raised', alarm.raisedAtMs]]);
    expect(g.alarms.heldSaves()).toBe(0);
    const outbox = g.notifier.list({ alarmId: alarm.id, limit: 10 });
    expect(outbox.map((r) => [r.kind, r.recipient, r.channel])).toEqual([['raised', 'zhang', 'hook']]);
    await eventually(() => rx.shown('/webhook').find((d) => (d.json as { alarmId?: string }).alarmId === alarm.id), 10_000, 'the webhook notification');
    // Only one alarm for the episode, and the order still names it.
    expect(g.alarmRepo.list({ site: DEMO_SITE, limit: 10 }).filter((a) => a.channel === 'ch4')).toHaveLength(1);
    expect(g.orders.get(order.id)?.alarmId).toBe(alarm.id);
  });

  it('raises the disk_full gateway alarm on SQLITE_FULL, keeps both moves held, and stores and clears it once there is room', async () => {
    const { g } = await gateway();
    const v = await valve(g);
    const restore = fillDatabase(stateDb(g));

    await publishRed(g);
    const alarm = await redInMemory(g);
    await eventually(() => v.state === 'closed', 5000, 'the valve closed');
    const selfAlarm = await eventually(() => g.alarms.activeAlarms().find((a) => a.site === SYSTEM_SITE && a.device === 'state' && a.ruleId === 'system:disk_full'), 3000, 'the disk_full gateway alarm');
    expect(g.alarmRepo.get(alarm.id)).toBeUndefined();
    expect(g.alarmRepo.get(selfAlarm.id)).toBeUndefined(); // on the same full database
    expect(g.alarms.heldSaves()).toBe(2);

    restore();
    await eventually(() => g.alarms.heldSaves() === 0 && !g.alarms.activeAlarms().some((a) => a.ruleId === 'system:disk_full'), 5000, 'held saves stored and the gateway alarm cleared');
    expect(g.alarmRepo.get(alarm.id)).toMatchObject({ level: 'red', raisedAtMs: alarm.raisedAtMs });
    expect(g.alarmRepo.get(selfAlarm.id)).toMatchObject({ state: 'cleared_unacked', raisedAtMs: selfAlarm.raisedAtMs });
    expect(g.alarmRepo.events(selfAlarm.id).map((e) => e.kind)).toEqual(['raised', 'cleared']);
    expect(g.notifier.list({ alarmId: alarm.id, limit: 10 }).map((r) => r.kind)).toEqual(['raised']);
  });

  it('closes the valve when the stop-work order itself cannot be saved, and issues the order again until it is on record', async () => {
    const { g } = await gateway();
    const v = await valve(g);
    const db = stateDb(g);
    db.exec(`CREATE TRIGGER test_order_refused BEFORE INSERT ON stop_work_order BEGIN SELECT RAISE(FAIL, 'test: order row refused'); END;`);

    await publishRed(g);
    const alarm = await redInMemory(g);
    await eventually(() => v.state === 'closed', 5000, 'the valve closed');
    await new Promise((r) => setTimeout(r, 1200)); // at least one retry, refused too
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
    expect((db.prepare('SELECT COUNT(*) AS n FROM stop_work_order').get() as { n: number }).n).toBe(0);

    db.exec('DROP TRIGGER test_order_refused');
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 3000, 'the order on record');
    expect(order.alarmId).toBe(alarm.id);
    expect(g.orders.get(order.id)).toMatchObject({ state: 'active', alarmId: alarm.id });
    await new Promise((r) => setTimeout(r, 1200)); // no further order once one is on record
    expect((db.prepare('SELECT COUNT(*) AS n FROM stop_work_order').get() as { n: number }).n).toBe(1);
  });
});
