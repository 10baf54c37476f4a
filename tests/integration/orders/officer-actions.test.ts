// What officers do survives a restart: an acknowledgement, a rectification close and a lifted
// stop-work order are in SQLite when the gateway comes back, and a lift is refused before the
// rectification and inspection and while the site still has an active red alarm.

import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

describe('officer actions', () => {
  const fx = useGatewayFixture();

  async function publish(g: RunningGateway, readings: number[], fromSeq: number): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - readings.length * 1000;
    for (const [i, ch4] of readings.entries()) {
      await device.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: fromSeq + i, readings: { ch4 } }), { qos: 1 });
    }
    await device.endAsync();
  }

  it('refuses a lift during red, then keeps ack, close and lift across a restart', async () => {
    const first = await fx.start();

    await publish(first, [70, 70, 70, 70], 1);
    const order = await eventually(() => first.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    const early = first.interlock.lift(order.id, 'officer-li', 'trying early');
    expect(early).toMatchObject({ rejected: 'RECTIFICATION_MISSING', missing: ['rectification', 'inspection', 'alarms_cleared'] });
    expect(first.interlock.recordRectification(order.id, 'fitter-wang', '更换软管 hose replaced')?.rejected).toBeUndefined();
    expect(first.interlock.recordInspection(order.id, 'officer-li', '验收 inspected')?.rejected).toBeUndefined();
    const refused = first.interlock.lift(order.id, 'officer-li', 'trying early');
    expect(refused?.rejected).toBe('ALARMS_ACTIVE');
    expect(refused?.detail).toMatch(/red/);

    await publish(first, [3, 3, 3], 10);
    const alarm = await eventually(() => first.alarmRepo.list({ site: DEMO_SITE, limit: 5 }).find((a) => a.state === 'cleared_unacked'), 5000, 'cleared alarm');
    expect(alarm.peakLevel).toBe('red');
    expect(first.alarms.acknowledge(alarm.id, 'officer-li', 'seen')?.rejected).toBeUndefined();
    expect(first.alarms.close(alarm.id, 'officer-li', '   ')?.rejected).toBe('NOTE_REQUIRED');
    expect(first.alarms.close(alarm.id, 'officer-li', '更换软管 hose replaced')?.rejected).toBeUndefined();
    const lifted = first.interlock.lift(order.id, 'officer-li', '检测合格 air tested');
    expect(lifted?.rejected).toBeUndefined();
    await first.stop();

    const second = await fx.start({ dataDir: first.dataDir });
    expect(second.alarmRepo.get(alarm.id)).toMatchObject({ state: 'closed', ackedBy: 'officer-li', closedBy: 'officer-li', closeNote: '更换软管 hose replaced' });
    expect(second.alarmRepo.events(alarm.id).map((e) => `${e.kind}:${e.toLevel}`)).toEqual(['raised:red', 'cleared:null', 'acked:red', 'closed:red']);
    expect(second.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
    expect(second.orders.latestForSite(DEMO_SITE)).toMatchObject({ id: order.id, state: 'lifted', liftedBy: 'officer-li', liftNote: '检测合格 air tested', rectifiedBy: 'fitter-wang', inspectedBy: 'officer-li' });
    // Each refusal is on the record too, with who tried.
    const trail = second.orders.events(order.id).filter((e) => e.actor !== null).map((e) => `${e.kind}:${e.actor}`);
    expect(trail).toEqual(['refused:officer-li', 'rectified:fitter-wang', 'inspected:officer-li', 'refused:officer-li', 'lifted:officer-li']);

    // Only open orders are republished at start: a device sees no stale active order.
    const observer = await connectClient(second.url, deviceLogin(DEMO_SITE, 'fan-01', DEMO_PASSWORDS['fan-01']));
    fx.defer(() => observer.endAsync());
    const { messages } = await collect(observer, `shaobing/${DEMO_SITE}/order`);
    await new Promise((r) => setTimeout(r, 300));
    expect(messages.filter((m) => JSON.parse(m.payload.toString()).state === 'active')).toEqual([]);
  });
});
