// A restaurant owner (role owner, scope its one site) logged in over real HTTP, with a red methane
// alarm and the stop-work order it issued: the owner acknowledges the alarm, but lifting the order,
// recording its rectification, shelving and closing are refused with a 403 that says so in words.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { publishRedMethane } from '../../support/fixture.js';
import { startApiGateway, TOKENS } from './helpers.js';

describe('a site owner', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let base: string;
  let ownerToken: string;

  async function http(method: string, path: string, token: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  beforeAll(async () => {
    env = await startApiGateway();
    base = `http://127.0.0.1:${env.gateway.apiPort}`;
    const made = await http('POST', '/api/v1/users', TOKENS.admin, { name: 'owner.liu', displayName: '刘老板', password: 'noodle-shop-2024', role: 'owner', scope: `site:${DEMO_SITE}`, phone: '+86 138 0000 0000' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'owner.liu', password: 'noodle-shop-2024' }) });
    ownerToken = ((await res.json()) as { token: string }).token;
    await publishRedMethane(env.gateway);
    await eventually(() => env.gateway.orders.latestForSite(DEMO_SITE), 5000, 'the stop-work order');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('sees its one site as its scope', async () => {
    const me = await http('GET', '/api/v1/me', ownerToken);
    expect(me.body).toMatchObject({ name: 'owner.liu', role: 'owner', scope: { kind: 'site', site: DEMO_SITE }, via: 'session' });
  });

  it('may not lift the stop-work order: 403 in words, and the order stays', async () => {
    const order = env.gateway.orders.latestForSite(DEMO_SITE)!;
    const lift = await http('POST', `/api/v1/orders/${order.id}/lift`, ownerToken, { note: 'we aired the kitchen' });
    expect(lift.status).toBe(403);
    expect(lift.body).toMatchObject({ error: 'Forbidden', needed: 'officer', role: 'owner' });
    expect(lift.body.message).toBe(
      'lifting a stop-work order (停产停工令) needs a duty officer (role officer or above); owner.liu is a site owner (may read and acknowledge alarms of the site)',
    );
    expect(env.gateway.orders.get(order.id)!.liftedAtMs).toBeNull();
    const rectify = await http('POST', `/api/v1/orders/${order.id}/rectification`, ownerToken, { note: 'hose replaced' });
    expect([rectify.status, rectify.body.needed]).toEqual([403, 'officer']);
  });

  it('acknowledges the alarm, but may not shelve or close it', async () => {
    const alarm = env.gateway.alarms.activeAlarms().find((a) => a.site === DEMO_SITE)!;
    const shelve = await http('POST', `/api/v1/alarms/${alarm.id}/shelve`, ownerToken, { reason: 'annoying', minutes: 30 });
    expect([shelve.status, shelve.body.message]).toEqual([403, expect.stringMatching(/^shelving an alarm needs a duty officer/)]);
    const ack = await http('POST', `/api/v1/alarms/${alarm.id}/ack`, ownerToken, { note: '我在店里，已开窗' });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body.alarm).toMatchObject({ ackedBy: 'owner.liu' });
    const close = await http('POST', `/api/v1/alarms/${alarm.id}/close`, ownerToken, { note: 'done' });
    expect(close.status).toBe(403);
  });

  it('is refused the fleet and the users: changing devices and listing users need an admin', async () => {
    const oos = await http('POST', `/api/v1/devices/${DEMO_SITE}/gas-01/out-of-service`, ownerToken, { reason: 'cleaning', minutes: 30 });
    expect([oos.status, oos.body.needed]).toEqual([403, 'admin']);
    const users = await http('GET', '/api/v1/users', ownerToken);
    expect([users.status, users.body.needed]).toEqual([403, 'admin']);
  });
});
