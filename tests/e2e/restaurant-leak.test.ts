// End to end on free ports: the restaurant-leak scenario over the real embedded broker drives a
// red alarm, the valve closes and acks, the order is retained and persisted; after a restart on
// the same data directory everything is still there and still enforced.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { statePath } from '../../gateway/src/store/state-db.js';
import { startKitchenLeak, type KitchenLeakRun } from '../../simulators/src/scenarios/kitchen-run.js';
import { createValve, type Valve } from '../../simulators/src/devices/valve.js';
import type { ConfigInput } from '../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../support/fixture.js';

// A fast leak: the same story as the demo in about ten seconds of wall time.
const FAST_LEAK = { seed: 42, intervalMs: 100, normalSteps: 5, leakRateLelPerS: 20, decayHalfLifeS: 1 };

describe('restaurant leak, end to end', () => {
  const fx = useGatewayFixture();

  const gateway = (dataDir: string, patch?: (input: ConfigInput) => void): Promise<RunningGateway> => fx.start({ dataDir, ...(patch ? { patch } : {}) });

  async function retainedOrder(url: string): Promise<Record<string, unknown>> {
    // A fresh client of the site: it sees only what the broker retained.
    const observer = await connectClient(url, deviceLogin(DEMO_SITE, 'fan-01', DEMO_PASSWORDS['fan-01']));
    try {
      const { messages } = await collect(observer, `shaobing/${DEMO_SITE}/order`);
      const message = await eventually(() => messages.find((m) => m.retain), 5000, 'retained order');
      return JSON.parse(message.payload.toString()) as Record<string, unknown>;
    } finally {
      await observer.endAsync();
    }
  }

  it('closes the gas valve on red, keeps the order across a restart and enforces it again', async () => {
    const dir = fx.dataDir();
    // A long ack timeout: the valve must confirm the first command, not a resend.
    const first = await gateway(dir, (c) => void (c.orders = { ackTimeoutMs: 10_000, maxAttempts: 3 }));
    let run: KitchenLeakRun | undefined = await startKitchenLeak({
      url: first.url,
      topics: first.topics,
      site: DEMO_SITE,
      detector: { id: 'gas-01', password: DEMO_PASSWORDS['gas-01'] },
      valve: { id: 'valve-01', password: DEMO_PASSWORDS['valve-01'] },
      scenario: FAST_LEAK,
      maxSteps: 400,
    });
    fx.defer(() => run?.stop());

    expect(await run.finished).toBe('settled');
    expect(run.valve.state).toBe('closed');
    const order = first.interlock.activeOrder(DEMO_SITE);
    expect(order?.state).toBe('active');
    const valveCommand = order!.commands.find((c) => c.device === 'valve-01');
    expect(valveCommand).toMatchObject({ action: 'close', state: 'acked', attempts: 1, result: 'closed' });
    // The fan is configured too but not running in this scenario: its command is still open.
    expect(order!.commands.find((c) => c.device === 'fan-01')?.state).toBe('sent');
    expect(await retainedOrder(first.url)).toMatchObject({ state: 'active', orderId: order!.id });

    // The record, read through a second connection to the SQLite file.
    const db = new Database(statePath(dir), { readonly: true });
    const redAlarm = db.prepare("SELECT * FROM alarm WHERE channel = 'ch4' AND peak_level = 'red'").get() as { id: string; state: string } | undefined;
    expect(redAlarm).toBeDefined();
    const kinds = (db.prepare('SELECT kind, to_level FROM alarm_event WHERE alarm_id = ? ORDER BY id').all(redAlarm!.id) as { kind: string; to_level: string }[]).map(
      (e) => `${e.kind}:${e.to_level}`,
    );
    expect(kinds[0]).toMatch(/^raised:/);
    expect(kinds).toContain('escalated:red');
    expect(kinds.at(-1)).toBe('cleared:null');
    expect(db.prepare('SELECT state, alarm_id FROM stop_work_order').all()).toEqual([{ state: 'active', alarm_id: redAlarm!.id }]);
    db.close();

    // Stop everything, start again on the same data directory.
    await run.stop();
    run = undefined;
    await first.stop();
    const second = await gateway(dir, (c) => void (c.orders = { ackTimeoutMs: 300, maxAttempts: 3 }));
    expect(second.interlock.activeOrder(DEMO_SITE)?.id).toBe(order!.id);
    expect(second.alarmRepo.list({ site: DEMO_SITE, limit: 10 }).map((a) => a.id)).toContain(redAlarm!.id);
    // aedes forgot its retained messages; the gateway published the order again.
    expect(await retainedOrder(second.url)).toMatchObject({ state: 'active', orderId: order!.id });
    // Still enforced: a valve that was opened by hand while the gateway was down closes again
    // from the retained order when it reconnects.
    const valve: Valve = createValve({ url: second.url, topics: second.topics, site: DEMO_SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] });
    fx.defer(() => valve.stop());
    await valve.start();
    await eventually(() => valve.state === 'closed', 5000, 'valve closed by the retained order');
    // And the fan command nobody confirmed is sent again after the restart.
    await eventually(() => (second.interlock.activeOrder(DEMO_SITE)?.commands.find((c) => c.device === 'fan-01')?.attempts ?? 0) >= 2, 5000, 'fan command re-sent');
  });

  it('raises no second alarm when the gateway restarts in the middle of a red episode', async () => {
    const dir = fx.dataDir();
    const publishRed = async (g: RunningGateway, fromSeq: number, count: number): Promise<void> => {
      const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
      const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
      const base = Date.now();
      for (let i = 0; i < count; i++) {
        await device.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: fromSeq + i, readings: { ch4: 72 } }), { qos: 1 });
      }
      await device.endAsync();
    };
    const first = await gateway(dir);
    await publishRed(first, 1, 4);
    const raised = await eventually(() => first.alarms.activeAlarms().find((a) => a.level === 'red'), 5000, 'red alarm');
    await first.stop();

    const second = await gateway(dir);
    await publishRed(second, 5, 4);
    const alarms = second.alarmRepo.list({ site: DEMO_SITE, limit: 10 });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ id: raised.id, level: 'red', state: 'active_unacked' });
    expect(second.alarmRepo.events(raised.id).filter((e) => e.kind === 'raised')).toHaveLength(1);
    // One order for the episode, not a second one after the restart.
    const db = new Database(statePath(dir), { readonly: true });
    expect((db.prepare('SELECT count(*) AS n FROM stop_work_order').get() as { n: number }).n).toBe(1);
    db.close();
  });
});
