// Lifting needs eyes: a stop-work order is not lifted while a detector of the site is offline,
// silent past its stale period or in fault, unless the officer records a manual gas test (who,
// instrument, reading with unit, time), kept with the order, audited and served by the API.
// Real gateway (embedded broker, SQLite files), the API through fastify.inject.

import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { call, startApiGateway } from '../api/helpers.js';
import type { RunningGateway as Gateway } from '../../support/fixture.js';

type Json = Record<string, unknown>;
type Env = Awaited<ReturnType<typeof startApiGateway>>;

describe('lifting a stop-work order needs eyes on the air', () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.stop();
    env = undefined;
  });

  /** A gateway on the demo kitchen; `staleAfterS` shortens the detector's stale period. */
  async function start(staleAfterS?: number): Promise<{ g: Gateway }> {
    env = await startApiGateway((input) => {
      if (staleAfterS !== undefined) input.sites![0]!.devices![0]!.staleAfterS = staleAfterS;
    });
    return { g: env.gateway };
  }

  async function req(g: Gateway, role: 'viewer' | 'officer' | 'admin', method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: Json }> {
    const res = await call(g, role, { method, url, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() as Json };
  }

  let seq = 1;
  async function publish(g: Gateway, ch4: number[], clock: () => number): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
    const t0 = clock() - ch4.length * 2000;
    for (const [i, v] of ch4.entries()) await device.publishAsync(topic, JSON.stringify({ ts: t0 + i * 2000, seq: seq++, readings: { ch4: v, co: 2 } }), { qos: 1 });
    await device.endAsync();
  }

  /** Red methane → an order; rectified, inspected, the gas gone: everything but eyes is in place. */
  async function orderReadyToLift(g: Gateway, clock: () => number): Promise<string> {
    await publish(g, [1, 70, 70, 70, 70], clock);
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    expect((await req(g, 'officer', 'POST', `/api/v1/orders/${order.id}/rectification`, { note: '更换软管 hose replaced' })).status).toBe(200);
    expect((await req(g, 'admin', 'POST', `/api/v1/orders/${order.id}/inspection`, { note: '检漏合格 leak test passed' })).status).toBe(200);
    await publish(g, [1, 1, 1], clock);
    await eventually(() => g.alarms.activeLevels(DEMO_SITE).length === 0, 5000, 'methane cleared');
    return order.id;
  }

  const gasTest = (atMs: number) => ({ by: '燃气检测员 陈工', instrument: 'Dräger X-am 5000 SN ARFK-0231', reading: 0, unit: '%LEL', at: new Date(atMs).toISOString() });

  it('refuses the lift with a 409 naming the offline detector and asking for a manual gas test, then lifts with one', async () => {
    const { g } = await start();
    const clock = () => Date.now();
    const orderId = await orderReadyToLift(g, clock);

    // The detector's last will: it can no longer see the kitchen.
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    await device.publishAsync(g.topics.status({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId }), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
    await device.endAsync();
    await eventually(() => g.alarms.activeAlarms().some((a) => a.ruleId === 'offline' && a.device === 'gas-01'), 5000, 'offline alarm');

    const blind = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '复工 resume' });
    expect(blind.status).toBe(409);
    expect(blind.body.message).toMatch(/gas-01/);
    expect(blind.body.message).toMatch(/offline/);
    expect(blind.body.message).toMatch(/manual gas test/);
    expect(g.orders.get(orderId)?.state).toBe('active');

    // A gas test with a unit nobody measures gas in: 400, nothing lifted.
    const badUnit = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '复工', gasTest: { ...gasTest(Date.now()), unit: 'bananas' } });
    expect(badUnit.status).toBe(400);
    expect(badUnit.body.message).toMatch(/unit/);
    // A test from before the order certifies nothing about the air after it.
    const tooOld = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '复工', gasTest: gasTest(g.orders.get(orderId)!.issuedAtMs - 60_000) });
    expect(tooOld.status).toBe(409);
    expect(tooOld.body.message).toMatch(/before the order was issued/);
    expect(g.orders.get(orderId)?.state).toBe('active');

    const testedAtMs = Date.now() - 5 * 60_000 > g.orders.get(orderId)!.issuedAtMs ? Date.now() - 5 * 60_000 : Date.now();
    const lifted = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '人工检测合格 复工', gasTest: { ...gasTest(testedAtMs), reading: 0.5 } });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    const expected = { by: '燃气检测员 陈工', instrument: 'Dräger X-am 5000 SN ARFK-0231', reading: 0.5, unit: '%LEL', atMs: new Date(new Date(testedAtMs).toISOString()).getTime() };
    expect(lifted.body.order).toMatchObject({ id: orderId, state: 'lifted', manualGasTest: expected });

    // Kept with the order (from SQLite, as the list serves it) …
    const listed = await req(g, 'viewer', 'GET', `/api/v1/orders?site=${DEMO_SITE}&state=lifted`);
    expect((listed.body.orders as Json[])[0]).toMatchObject({ id: orderId, manualGasTest: expected });
    // … in the order's own trail, beside the blind detector it stood in for …
    const liftedEvent = g.orders.events(orderId).find((e) => e.kind === 'lifted');
    expect(liftedEvent?.note).toMatch(/manual gas test 0\.5 %LEL by 燃气检测员 陈工 with Dräger X-am 5000/);
    expect(liftedEvent?.note).toMatch(/gas-01 offline/);
    // … and in the audit log.
    const audit = await req(g, 'admin', 'GET', '/api/v1/audit?limit=5');
    const entry = (audit.body.entries as Json[]).find((e) => e.action === 'order.lift');
    expect(entry).toMatchObject({ target: orderId, detail: { gasTest: expected } });
  });

  it('refuses the lift while a detector has sent nothing for its stale period, and names it', async () => {
    const { g } = await start(3);
    const clock = () => Date.now();
    const orderId = await orderReadyToLift(g, clock);
    // Nothing more from gas-01: after its 3-s stale period it is silent, so blind.
    await eventually(() => g.alarms.activeAlarms().some((a) => a.ruleId === 'stale' && a.device === 'gas-01'), 8000, 'stale alarm');
    const blind = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '复工 resume' });
    expect(blind.status).toBe(409);
    expect(blind.body.message).toMatch(/gas-01(\/ch4|\/co)? no reading for \d+ s/);
    expect(blind.body.message).toMatch(/manual gas test is needed/);
  });

  it('lifts without a gas test when every detector reports and is healthy', async () => {
    const { g } = await start();
    const orderId = await orderReadyToLift(g, () => Date.now());
    const lifted = await req(g, 'officer', 'POST', `/api/v1/orders/${orderId}/lift`, { note: '复工 resume' });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body.order).toMatchObject({ state: 'lifted', manualGasTest: null });
  });
});

