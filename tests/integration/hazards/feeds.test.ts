// Fed by the rest, on a running gateway: a red alarm raised through the broker, its stop-work
// order rectified and the alarm closed with its rectification note make one hazard record (the
// order's, joined by the alarm's closure), told twice it stays one; a device past its replace-by
// day is in the ledger from the start, once.

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

describe('the hazard ledger fed by alarms, orders and the fleet', () => {
  const fx = useGatewayFixture();

  const ledgerOf = (g: RunningGateway) => g.hazards.list({ kind: 'all' }, { limit: 100 });

  it('makes one record of a red alarm, its order rectified and the alarm closed with its note', async () => {
    const g = await fx.start();
    const gas = await fx.device(g, 'gas-01');
    await fx.raise(g, 'gas-01', { ch4: 70 });
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    expect(g.interlock.recordRectification(order.id, 'fitter-wang', '更换软管 hose replaced')?.rejected).toBeUndefined();
    const fromOrder = await eventually(() => ledgerOf(g).find((h) => h.source === 'stop_work_order'), 5000, 'a hazard from the rectified order');
    expect(fromOrder).toMatchObject({ site: DEMO_SITE, sourceRef: order.id, stopWorkOrderId: order.id, state: 'registered', category: 'gas_leak', registeredBy: 'gateway' });
    expect(fromOrder.description).toContain('fitter-wang: 更换软管 hose replaced');

    await gas.publish({ ch4: 3 }, { ch4: 3 }, { ch4: 3 });
    const alarm = await eventually(() => g.alarmRepo.list({ site: DEMO_SITE, limit: 5 }).find((a) => a.state === 'cleared_unacked'), 5000, 'cleared alarm');
    expect(g.alarms.acknowledge(alarm.id, 'officer-li', 'seen')?.rejected).toBeUndefined();
    expect(g.alarms.close(alarm.id, 'officer-li', '软管已更换 检漏合格')?.rejected).toBeUndefined();
    await eventually(() => g.hazards.trail(fromOrder.id).some((l) => l.kind === 'source_linked'), 5000, "the alarm's closure on the order's record");
    expect(ledgerOf(g).filter((h) => h.source !== 'device_replacement')).toHaveLength(1);
    expect(g.hazards.trail(fromOrder.id).find((l) => l.kind === 'source_linked')?.note).toBe(`alarm ${alarm.id} closed: officer-li: 软管已更换 检漏合格`);
  });

  it("a red alarm closed before its order's rectification makes its own record in the closure's save, naming the order", async () => {
    const g = await fx.start();
    const gas = await fx.device(g, 'gas-01');
    await fx.raise(g, 'gas-01', { ch4: 70 });
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    await gas.publish({ ch4: 3 }, { ch4: 3 }, { ch4: 3 });
    const alarm = await eventually(() => g.alarmRepo.list({ site: DEMO_SITE, limit: 5 }).find((a) => a.state === 'cleared_unacked'), 5000, 'cleared alarm');
    expect(g.alarms.acknowledge(alarm.id, 'officer-li', 'seen')?.rejected).toBeUndefined();
    expect(g.alarms.close(alarm.id, 'officer-li', '关阀检修')?.rejected).toBeUndefined();
    // No waiting: the record committed with the closure.
    const made = ledgerOf(g).filter((h) => h.source === 'alarm');
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ sourceRef: alarm.id, stopWorkOrderId: order.id, category: 'gas_leak', description: expect.stringContaining('officer-li: 关阀检修') });
    // The order's rectification afterwards joins that record instead of making a second one.
    expect(g.interlock.recordRectification(order.id, 'fitter-wang', '更换软管')?.rejected).toBeUndefined();
    await eventually(() => g.hazards.trail(made[0]!.id).some((l) => l.kind === 'source_linked'), 5000, "the order's rectification on the alarm's record");
    expect(ledgerOf(g).filter((h) => h.source !== 'device_replacement')).toHaveLength(1);
  });

  it('enters a device past its replace-by day at start, once across a restart', async () => {
    const patch = (input: ConfigInput) => {
      const valve = input.sites[0]!.devices.find((d) => d.id === 'valve-01')!;
      valve.installedOn = '2016-01-01';
      valve.replaceBy = '2024-01-01';
    };
    const g = await fx.start({ patch });
    const due = await eventually(() => ledgerOf(g).find((h) => h.source === 'device_replacement'), 5000, 'a hazard for the due valve');
    expect(due).toMatchObject({ site: DEMO_SITE, sourceRef: `${DEMO_SITE}/valve-01@2024-01-01`, category: 'detector', location: 'valve-01' });
    expect(due.description).toContain('CJJ/T 146-2011');
    await g.stop();
    const again = await fx.start({ dataDir: g.dataDir, patch });
    expect(ledgerOf(again).filter((h) => h.source === 'device_replacement')).toHaveLength(1);
  });
});
