// A county officer over real HTTP on a started gateway with two counties: everything of the other
// county answers 404 exactly as a thing that does not exist (its alarm, its order, its site, its
// device's history, and every action on them), his lists, export and metrics hold only his county,
// and his live stream never carries the other county's events while that county raises alarms.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import { eventually } from '../../support/gateway.js';
import { sseReader, type SseBlock } from '../../support/sse.js';
import { REGION_A, REGION_B, SITE_A, SITE_B, detectorAt, twoCounties } from '../../support/regions.js';
import { startApiGateway, TOKENS } from './helpers.js';

type Env = Awaited<ReturnType<typeof startApiGateway>>;
type Json = Record<string, any>;

describe('an officer of county A', () => {
  let env: Env;
  let base: string;
  let officerA: string;
  let alarmA: Alarm;
  let alarmB: Alarm;
  const streams: AbortController[] = [];

  async function http(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json; text: string }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Json) : {}, text };
  }

  /** Opens a live stream and collects its events until aborted. */
  async function stream(token: string, query = ''): Promise<SseBlock[]> {
    const controller = new AbortController();
    streams.push(controller);
    const res = await fetch(`${base}/api/v1/stream?access_token=${token}${query}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    const blocks: SseBlock[] = [];
    const feed = sseReader((b) => b.isEvent && blocks.push(b));
    const decoder = new TextDecoder();
    void (async () => {
      try {
        for await (const chunk of res.body!) feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        // aborted at the end of the test
      }
    })();
    return blocks;
  }

  async function raiseAt(site: string): Promise<Alarm> {
    const detector = await detectorAt(env.gateway, site);
    await detector.publish({ ch4: 70 });
    await detector.client.endAsync();
    return eventually(() => env.gateway.alarms.activeAlarms().find((a) => a.site === site && a.channel === 'ch4'), 10_000, `a red alarm at ${site}`);
  }

  beforeAll(async () => {
    env = await startApiGateway(twoCounties);
    base = `http://127.0.0.1:${env.gateway.apiPort}`;
    const made = await http(TOKENS.admin, 'POST', '/api/v1/users', { name: 'li.ming', displayName: '李明', password: 'correct horse battery', role: 'officer', scope: `region:${REGION_A}` });
    expect(made.status, made.text).toBe(200);
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'li.ming', password: 'correct horse battery' }) });
    officerA = ((await login.json()) as Json).token as string;
    expect(officerA).toMatch(/^ss_/);
  }, 30_000);

  afterAll(async () => {
    for (const s of streams) s.abort();
    await env?.stop();
  });

  it("never sees county B's events on his live stream while B raises alarms, and sees his own", async () => {
    const his = await stream(officerA);
    const admins = await stream(TOKENS.admin);
    alarmB = await raiseAt(SITE_B);
    // The admin's stream carries B's alarm and its stop-work order: there was something to leak.
    await eventually(() => admins.some((b) => b.event === 'alarm' && b.data!.includes(alarmB.id)), 10_000, "B's alarm on the admin's stream");
    await eventually(() => admins.some((b) => b.event === 'order' && b.data!.includes(`"site":"${SITE_B}"`)), 10_000, "B's order on the admin's stream");
    alarmA = await raiseAt(SITE_A);
    // Events go out in order: once A's alarm is on his stream, every earlier B event would be too.
    await eventually(() => his.some((b) => b.event === 'alarm' && b.data!.includes(alarmA.id)), 10_000, "A's alarm on the officer's stream");
    await eventually(() => his.some((b) => b.event === 'order' && b.data!.includes(`"site":"${SITE_A}"`)), 10_000, "A's order on the officer's stream");
    expect(his.filter((b) => b.data!.includes(SITE_B) || b.data!.includes(alarmB.id))).toEqual([]);
  });

  it("replays only his county's events to him after Last-Event-ID", async () => {
    const res = await fetch(`${base}/api/v1/stream?access_token=${officerA}`, { headers: { 'last-event-id': '0' }, signal: AbortSignal.timeout(1500) });
    const blocks: SseBlock[] = [];
    const feed = sseReader((b) => b.isEvent && blocks.push(b));
    try {
      for await (const chunk of res.body!) feed(new TextDecoder().decode(chunk as Uint8Array));
    } catch {
      // the timeout ends the read
    }
    expect(blocks.some((b) => b.data?.includes(alarmA.id))).toBe(true);
    expect(blocks.filter((b) => b.data?.includes(SITE_B))).toEqual([]);
  });

  it("gets 404 on B's alarm and on every action on it, exactly as for an alarm that does not exist", async () => {
    const missing = await http(officerA, 'GET', '/api/v1/alarms/no-such-alarm');
    expect(missing.status).toBe(404);
    const same = (r: { status: number; body: Json }, id: string) => {
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ ...missing.body, message: missing.body.message.replace('no-such-alarm', id) });
    };
    same(await http(officerA, 'GET', `/api/v1/alarms/${alarmB.id}`), alarmB.id);
    same(await http(officerA, 'POST', `/api/v1/alarms/${alarmB.id}/ack`, { note: 'not mine' }), alarmB.id);
    same(await http(officerA, 'POST', `/api/v1/alarms/${alarmB.id}/shelve`, { reason: 'x', minutes: 5 }), alarmB.id);
    same(await http(officerA, 'POST', `/api/v1/alarms/${alarmB.id}/close`, { note: 'x' }), alarmB.id);
    // Nothing moved: B's alarm is still unacknowledged, and the audit holds no act of his on it.
    expect(env.gateway.alarms.get(alarmB.id)!.state).toBe('active_unacked');
    // His own alarm he may see and acknowledge.
    expect((await http(officerA, 'GET', `/api/v1/alarms/${alarmA.id}`)).status).toBe(200);
    expect((await http(officerA, 'POST', `/api/v1/alarms/${alarmA.id}/ack`, {})).status).toBe(200);
    // An admin (scope all) sees B's alarm: the 404 is the scope, not a missing alarm.
    expect((await http(TOKENS.admin, 'GET', `/api/v1/alarms/${alarmB.id}`)).status).toBe(200);
  });

  it("lists only A's alarms, orders and sites, and the region tree under A", async () => {
    const alarms = (await http(officerA, 'GET', '/api/v1/alarms?limit=1000')).body.alarms as Json[];
    expect(alarms.map((a) => a.id)).toContain(alarmA.id);
    expect(alarms.filter((a) => a.site !== SITE_A)).toEqual([]);
    const orders = (await http(officerA, 'GET', '/api/v1/orders')).body.orders as Json[];
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.filter((o) => o.site !== SITE_A)).toEqual([]);
    const sites = (await http(officerA, 'GET', '/api/v1/sites')).body;
    expect(sites).toMatchObject({ total: 1, next: null });
    expect(sites.sites.map((s: Json) => s.id)).toEqual([SITE_A]);
    expect(sites.sites[0]).toMatchObject({ region: 'town-a1', regionName: '唐家墩街道', worstLevel: 'red', order: { site: SITE_A } });
    const regions = (await http(officerA, 'GET', '/api/v1/regions')).body.regions as Json[];
    expect(regions.map((r) => r.id)).toEqual([REGION_A, 'town-a1']);
    expect(regions[0]).toMatchObject({ siteCount: 1, activeAlarms: { red: 1 } });
    expect((await http(officerA, 'GET', `/api/v1/sites?region=${REGION_B}`)).status).toBe(404);
    // The admin's list holds both counties, and ?q= finds B's kitchen by its Chinese name.
    const found = (await http(TOKENS.admin, 'GET', `/api/v1/sites?q=${encodeURIComponent('老火锅')}`)).body;
    expect(found.sites.map((s: Json) => s.id)).toEqual([SITE_B]);
    expect((await http(officerA, 'GET', `/api/v1/sites?q=${encodeURIComponent('老火锅')}`)).body).toMatchObject({ sites: [], total: 0 });
  });

  it("gets 404 on B's order, its steps and its lift, on B's site order and on B's device history", async () => {
    const orderB = env.gateway.orders.list({ site: SITE_B, limit: 1 })[0]!;
    const missing = await http(officerA, 'POST', '/api/v1/orders/no-such-order/lift', { note: 'x' });
    expect(missing.status).toBe(404);
    for (const step of ['lift', 'rectification', 'inspection']) {
      const r = await http(officerA, 'POST', `/api/v1/orders/${orderB.id}/${step}`, { note: 'x' });
      expect(r.status, `${step}: ${r.text}`).toBe(404);
      expect(r.body).toEqual({ ...missing.body, message: missing.body.message.replace('no-such-order', orderB.id) });
    }
    expect(env.gateway.orders.get(orderB.id)!.state).toBe('active');
    const noSite = await http(officerA, 'GET', '/api/v1/sites/no-such-site/order');
    const siteB = await http(officerA, 'GET', `/api/v1/sites/${SITE_B}/order`);
    expect(siteB.status).toBe(404);
    expect(siteB.body).toEqual({ ...noSite.body, message: noSite.body.message.replace('no-such-site', SITE_B) });
    const history = await http(officerA, 'GET', `/api/v1/history?site=${SITE_B}&device=gas-01&channel=ch4`);
    expect(history.status).toBe(404);
    expect(history.body.message).toBe(`no device ${SITE_B}/gas-01`);
    expect((await http(officerA, 'GET', `/api/v1/history?site=${SITE_A}&device=gas-01&channel=ch4`)).status).toBe(200);
    expect((await http(officerA, 'GET', `/api/v1/devices?site=${SITE_B}`)).body.devices).toEqual([]);
    expect((await http(officerA, 'GET', `/api/v1/metrics/alarms?site=${SITE_B}`)).status).toBe(404);
  });

  it("reads his county's briefing, not B's, and his county's rules only; an owner his kitchen's briefing", async () => {
    const mine = await http(officerA, 'GET', '/api/v1/briefing');
    expect(mine.status, mine.text).toBe(200);
    expect(mine.body.region).toEqual({ id: REGION_A, name: '江汉区' });
    expect(mine.body.markdown).not.toContain('武昌老火锅');
    const theirs = await http(officerA, 'GET', `/api/v1/briefing?region=${REGION_B}`);
    const none = await http(officerA, 'GET', '/api/v1/briefing?region=no-such-region');
    expect(theirs.status).toBe(404);
    expect(theirs.body.message).toBe(none.body.message.replace('no-such-region', REGION_B));
    // The regions it names are his own: the refusal does not list the other county's.
    expect(theirs.body.message).toBe(`no region ${REGION_B}: known regions are ${REGION_A}, town-a1`);
    expect((await http(TOKENS.admin, 'GET', `/api/v1/briefing?region=${REGION_B}`)).status).toBe(200);
    // A restaurant owner's briefing is his kitchen's alone.
    await http(TOKENS.admin, 'POST', '/api/v1/users', { name: 'zhang.b', displayName: '张师傅', password: 'correct horse battery', role: 'owner', scope: `site:${SITE_B}` });
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'zhang.b', password: 'correct horse battery' }) });
    const owner = ((await login.json()) as Json).token as string;
    const his = await http(owner, 'GET', '/api/v1/briefing');
    expect(his.status, his.text).toBe(200);
    expect(his.body.region).toEqual({ id: SITE_B, name: '武昌老火锅后厨' });
    expect(his.body.markdown).toContain('武昌老火锅后厨');
    expect(his.body.markdown).not.toContain('示范餐馆');
    expect((await http(owner, 'GET', `/api/v1/briefing?region=${REGION_B}`)).status).toBe(404);
    const rules = (await http(officerA, 'GET', '/api/v1/rules')).body.rules as Json[];
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((r) => r.site !== SITE_A)).toEqual([]);
  });

  it('exports only county A', async () => {
    const all = await http(officerA, 'GET', '/api/v1/export/alarms');
    expect(all.status).toBe(200);
    expect(all.text).toContain(alarmA.id);
    expect(all.text).not.toContain(alarmB.id);
    expect(all.text).not.toContain(SITE_B);
    const orders = await http(officerA, 'GET', '/api/v1/export/orders');
    expect(orders.text).toContain(SITE_A);
    expect(orders.text).not.toContain(SITE_B);
    const devices = await http(officerA, 'GET', '/api/v1/export/devices');
    expect(devices.text).not.toContain(SITE_B);
    expect((await http(officerA, 'GET', `/api/v1/export/alarms?site=${SITE_B}`)).status).toBe(404);
    // The admin's export holds B's alarm.
    expect((await http(TOKENS.admin, 'GET', '/api/v1/export/alarms')).text).toContain(alarmB.id);
  });

  it("shows an admin of county A the audit entries about A's sites only", async () => {
    expect((await http(TOKENS.admin, 'POST', `/api/v1/alarms/${alarmB.id}/ack`, { note: '武昌已处置' })).status).toBe(200);
    await http(TOKENS.admin, 'POST', '/api/v1/users', { name: 'admin.a', displayName: '江汉管理员', password: 'correct horse battery', role: 'admin', scope: `region:${REGION_A}` });
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'admin.a', password: 'correct horse battery' }) });
    const adminA = ((await login.json()) as Json).token as string;
    const entries = (await http(adminA, 'GET', '/api/v1/audit?limit=1000')).body.entries as Json[];
    expect(entries.some((e) => e.action === 'alarm.ack' && e.target === alarmA.id)).toBe(true);
    expect(entries.filter((e) => e.target === alarmB.id || e.detail.site === SITE_B || e.action.startsWith('user.'))).toEqual([]);
    const everything = (await http(TOKENS.admin, 'GET', '/api/v1/audit?limit=1000')).body.entries as Json[];
    expect(everything.some((e) => e.action === 'alarm.ack' && e.target === alarmB.id)).toBe(true);
  });

  // Last: these readings clear the alarms the tests above act on.
  it("streams him readings of his county's kitchen, never of B's even when he asks for them", async () => {
    const his = await stream(officerA, `&sites=${SITE_B},${SITE_A}`);
    const b = await detectorAt(env.gateway, SITE_B);
    await b.publish({ ch4: 3 }, 3);
    await b.client.endAsync();
    const a = await detectorAt(env.gateway, SITE_A);
    await a.publish({ ch4: 4 }, 3);
    await a.client.endAsync();
    await eventually(() => his.some((e) => e.event === 'reading' && e.data!.includes(`"site":"${SITE_A}"`)), 10_000, "A's reading on his stream");
    expect(his.filter((e) => e.data!.includes(SITE_B))).toEqual([]);
  });
});
