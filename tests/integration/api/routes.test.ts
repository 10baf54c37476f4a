// Every resource route of the API on a real gateway: readings over MQTT, the alarm the detector
// raises, the stop-work order it issues, and the officer's moves through the API (with their
// refusals), plus the validation errors of each route. Fastify.inject, real SQLite files.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../../../gateway/src/alarms/lifecycle.js';
import type { StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { call, NAMES, startApiGateway } from './helpers.js';
import { levelTransition } from '../../support/transitions.js';
import type { RunningGateway } from '../../support/fixture.js';

type Json = Record<string, unknown>;

describe('API resources on a real gateway', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;
  let seq = 1;
  const T = Date.now();
  // Reading time runs 2 s per reading from five minutes ago, so on-delays pass without sleeping.
  let readingMs = T - 5 * 60_000;

  async function publish(readings: { ch4: number; co?: number }[], battery = 87): Promise<void> {
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
    for (const r of readings) {
      await device.publishAsync(topic, JSON.stringify({ ts: (readingMs += 2000), seq: seq++, readings: { co: 2, ...r }, meta: { battery } }), { qos: 1 });
    }
    await device.endAsync();
  }

  async function req(role: 'viewer' | 'officer' | 'admin', method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object): Promise<{ status: number; body: Json }> {
    const res = await call(g, role, { method, url, ...(payload ? { payload } : {}) });
    return { status: res.statusCode, body: res.json() as Json };
  }

  let red: Alarm;
  let order: StopWorkOrder;

  beforeAll(async () => {
    env = await startApiGateway();
    g = env.gateway;
    await publish([{ ch4: 1.2 }, { ch4: 70 }, { ch4: 70 }, { ch4: 70 }, { ch4: 70 }]);
    order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    red = await eventually(() => g.alarmRepo.list({ site: DEMO_SITE, limit: 10 }).find((a) => a.level === 'red' && a.channel === 'ch4'), 5000, 'red alarm');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('GET /me names the caller and its role', async () => {
    expect(await req('officer', 'GET', '/api/v1/me')).toEqual({ status: 200, body: { name: NAMES.officer, role: 'officer', scope: { kind: 'all' }, via: 'token' } });
  });

  it('GET /sites shows the worst active level, the count and the order in force', async () => {
    const { status, body } = await req('viewer', 'GET', '/api/v1/sites');
    expect(status).toBe(200);
    const site = (body.sites as Json[]).find((s) => s.id === DEMO_SITE)!;
    expect(site).toMatchObject({ name: expect.stringContaining('demo'), worstLevel: 'red', order: { id: order.id, state: 'active' } });
    expect(site.activeAlarms).toBeGreaterThanOrEqual(1);
  });

  it('GET /devices gives battery and the last value per channel from the readings', async () => {
    const { status, body } = await req('viewer', 'GET', `/api/v1/devices?site=${DEMO_SITE}`);
    expect(status).toBe(200);
    const devices = body.devices as Json[];
    expect(devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01', 'fan-01']);
    const gas = devices[0]!;
    expect(gas).toMatchObject({ site: DEMO_SITE, kind: 'detector', battery: 87, outOfService: null });
    expect(gas.channels).toEqual([
      { channel: 'ch4', quantity: 'methane_lel', unit: '%LEL', value: 70, tsMs: expect.any(Number) },
      { channel: 'co', quantity: 'co_ppm', unit: 'ppm', value: 2, tsMs: expect.any(Number) },
    ]);
    // No birth message from the valve yet: unknown, not "offline".
    expect(devices[1]).toMatchObject({ online: null, battery: null, channels: [] });
  });

  it('GET /devices reports online from the device birth message', async () => {
    const valve = await connectClient(g.url, deviceLogin(DEMO_SITE, 'valve-01', DEMO_PASSWORDS['valve-01']));
    await valve.publishAsync(`shaobing/${DEMO_SITE}/valve-01/status`, JSON.stringify({ state: 'online', ts: Date.now() }), { qos: 1, retain: true });
    await eventually(async () => ((await req('viewer', 'GET', `/api/v1/devices?site=${DEMO_SITE}`)).body.devices as Json[])[1]!.online === true, 5000, 'valve online');
    await valve.endAsync();
  });

  it('GET /rules gives the threshold lines of each site', async () => {
    const { status, body } = await req('viewer', 'GET', `/api/v1/rules?site=${DEMO_SITE}`);
    expect(status).toBe(200);
    const methane = (body.rules as Json[]).find((r) => r.id === 'kitchen-methane');
    expect(methane).toMatchObject({ site: DEMO_SITE, quantity: 'methane_lel', kind: 'threshold', direction: 'above', levels: { red: 50 } });
  });

  it('GET /history gives raw points and buckets', async () => {
    await g.flush();
    const url = `/api/v1/history?site=${DEMO_SITE}&device=gas-01&channel=ch4&fromMs=${T - 10 * 60_000}&toMs=${Date.now() + 1000}`;
    const raw = await req('viewer', 'GET', url);
    expect(raw.status).toBe(200);
    expect((raw.body.points as Json[]).map((p) => p.value)).toEqual([1.2, 70, 70, 70, 70]);
    const max = await req('viewer', 'GET', `${url}&every=1h&agg=max`);
    expect((max.body.points as Json[]).map((p) => p.value).at(-1)).toBe(70);
    const bucket = (max.body.points as { tsMs: number }[])[0]!.tsMs;
    expect(bucket % 3_600_000).toBe(0);
  });

  it('GET /alarms/:id gives the alarm and its events', async () => {
    const { status, body } = await req('viewer', 'GET', `/api/v1/alarms/${red.id}`);
    expect(status).toBe(200);
    expect(body.alarm).toMatchObject({ id: red.id, level: 'red', state: 'active_unacked' });
    expect((body.events as Json[])[0]).toMatchObject({ kind: 'raised', toLevel: 'red' });
  });

  it('acknowledges once, then 409; refuses to close or shelve an active red alarm', async () => {
    const ack = await req('officer', 'POST', `/api/v1/alarms/${red.id}/ack`, { note: '已到现场 on site' });
    expect(ack.status).toBe(200);
    expect(ack.body.alarm).toMatchObject({ id: red.id, state: 'active_acked', ackedBy: NAMES.officer });
    const again = await req('officer', 'POST', `/api/v1/alarms/${red.id}/ack`);
    expect(again).toEqual({ status: 409, body: { statusCode: 409, error: 'Conflict', message: `alarm ${red.id} is already acknowledged` } });
    const close = await req('officer', 'POST', `/api/v1/alarms/${red.id}/close`, { note: 'fixed' });
    expect(close.status).toBe(409);
    expect(close.body.message).toMatch(/is still active/);
    const shelve = await req('officer', 'POST', `/api/v1/alarms/${red.id}/shelve`, { reason: 'nuisance', minutes: 30 });
    expect([shelve.status, shelve.body.message]).toEqual([409, `alarm ${red.id} is red: a red alarm stops work and cannot be shelved`]);
  });

  it('refuses the lift while red is active, naming what is missing, and records the steps', async () => {
    const early = await req('officer', 'POST', `/api/v1/orders/${order.id}/lift`, { note: 'trying early' });
    expect(early.status).toBe(409);
    expect(early.body.message).toMatch(/rectification not recorded.*inspection not recorded.*active alarms at red/);
    const rect = await req('officer', 'POST', `/api/v1/orders/${order.id}/rectification`, { note: '更换软管 hose replaced' });
    expect(rect.status).toBe(200);
    expect(rect.body.order).toMatchObject({ rectifiedBy: NAMES.officer, rectificationNote: '更换软管 hose replaced' });
    // Four eyes: the rectifier may not inspect their own work.
    const self = await req('officer', 'POST', `/api/v1/orders/${order.id}/inspection`, { note: 'looks fine' });
    expect(self.status).toBe(409);
    expect(self.body.message).toMatch(/inspector must not be the rectifier/);
    const insp = await req('admin', 'POST', `/api/v1/orders/${order.id}/inspection`, { note: '检测合格 air tested' });
    expect(insp.status).toBe(200);
    const stillRed = await req('officer', 'POST', `/api/v1/orders/${order.id}/lift`, { note: 'now?' });
    expect([stillRed.status, stillRed.body.message]).toEqual([409, `order ${order.id}: cannot lift yet: active alarms at red`]);
  });

  it('closes the cleared alarm only with a note, then lifts the order', async () => {
    await publish([{ ch4: 1 }, { ch4: 1 }, { ch4: 1 }]);
    await eventually(() => g.alarmRepo.get(red.id)?.state === 'cleared', 5000, 'alarm cleared');
    const blank = await req('officer', 'POST', `/api/v1/alarms/${red.id}/close`, { note: '  ' });
    expect([blank.status, blank.body.message]).toEqual([400, 'note: a rectification note (整改说明) is required to close an orange or red alarm']);
    const closed = await req('officer', 'POST', `/api/v1/alarms/${red.id}/close`, { note: '更换软管并检测合格' });
    expect(closed.status).toBe(200);
    expect(closed.body.alarm).toMatchObject({ state: 'closed', closedBy: NAMES.officer, closeNote: '更换软管并检测合格' });
    const lift = await req('officer', 'POST', `/api/v1/orders/${order.id}/lift`, { note: '复工 resume' });
    expect(lift.status, JSON.stringify(lift.body)).toBe(200);
    expect(lift.body.order).toMatchObject({ id: order.id, state: 'lifted', liftedBy: NAMES.officer, liftNote: '复工 resume' });
    const again = await req('officer', 'POST', `/api/v1/orders/${order.id}/lift`, { note: 'again' });
    expect([again.status, again.body.message]).toEqual([409, `order ${order.id} is already lifted`]);
    const listed = await req('viewer', 'GET', `/api/v1/orders?site=${DEMO_SITE}&state=lifted`);
    expect((listed.body.orders as Json[]).map((o) => o.id)).toEqual([order.id]);
    expect((await req('viewer', 'GET', '/api/v1/orders?state=active')).body.orders).toEqual([]);
  });

  it('shelves a yellow alarm for a bounded time and unshelves it', async () => {
    const now = Date.now();
    const alarm = g.alarms.onTransition(levelTransition({ site: DEMO_SITE, device: 'gas-01', channel: 'co', quantity: 'co_ppm', ruleId: 'kitchen-co', from: null, to: 'yellow', value: 60, atMs: now, stopWork: false }))!;
    const tooLong = await req('officer', 'POST', `/api/v1/alarms/${alarm.id}/shelve`, { reason: 'sensor swap', minutes: 23 * 60 });
    expect([tooLong.status, tooLong.body.message]).toEqual([400, 'minutes: longer than the longest shelf allowed (alarms.shelveMaxH)']);
    const shelved = await req('officer', 'POST', `/api/v1/alarms/${alarm.id}/shelve`, { reason: 'sensor swap', minutes: 30 });
    expect(shelved.status).toBe(200);
    const until = (shelved.body.alarm as Json).shelvedUntilMs as number;
    expect(until).toBeGreaterThanOrEqual(now + 30 * 60_000);
    expect(until).toBeLessThan(Date.now() + 30 * 60_000 + 1000);
    expect(shelved.body.alarm).toMatchObject({ shelvedBy: NAMES.officer, shelveReason: 'sensor swap' });
    const listed = await req('viewer', 'GET', `/api/v1/alarms?state=active_unacked&level=yellow`);
    expect((listed.body.alarms as Json[]).find((a) => a.id === alarm.id)).toMatchObject({ shelvedUntilMs: until });
    const back = await req('officer', 'POST', `/api/v1/alarms/${alarm.id}/unshelve`);
    expect([back.status, (back.body.alarm as Json).shelvedUntilMs]).toEqual([200, null]);
    const again = await req('officer', 'POST', `/api/v1/alarms/${alarm.id}/unshelve`);
    expect([again.status, again.body.message]).toEqual([409, `alarm ${alarm.id} is not shelved`]);
  });

  it('puts a device out of service and back, refusing a second spell', async () => {
    const url = `/api/v1/devices/${DEMO_SITE}/gas-01/out-of-service`;
    const put = await req('admin', 'POST', url, { reason: '标定 calibration', minutes: 60 });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((put.body.device as Json).outOfService).toMatchObject({ by: NAMES.admin, reason: '标定 calibration' });
    const twice = await req('admin', 'POST', url, { reason: 'again', minutes: 60 });
    expect(twice.status).toBe(409);
    const back = await req('admin', 'DELETE', url);
    expect([back.status, (back.body.device as Json).outOfService]).toEqual([200, null]);
    const none = await req('admin', 'DELETE', url);
    expect([none.status, none.body.message]).toEqual([409, `device ${DEMO_SITE}/gas-01 is not out of service`]);
    expect((await req('admin', 'POST', `/api/v1/devices/${DEMO_SITE}/nope/out-of-service`, { reason: 'x', minutes: 5 })).status).toBe(404);
  });

  it('GET /metrics/alarms gives the ISA-18.2 figures per site and day', async () => {
    const { status, body } = await req('viewer', 'GET', `/api/v1/metrics/alarms?site=${DEMO_SITE}&fromMs=${T - 3_600_000}&toMs=${Date.now() + 1000}`);
    expect(status).toBe(200);
    expect((body.days as Json[]).length).toBeGreaterThanOrEqual(1);
    expect((body.days as Json[])[0]).toMatchObject({ site: DEMO_SITE });
  });

  // Each route refuses bad input with 400 and a message that names the field.
  const refusals: [string, 'GET' | 'POST' | 'DELETE', string, object | undefined, RegExp][] = [
    ['devices: bad site', 'GET', '/api/v1/devices?site=a.b', undefined, /^site: site must be an id/],
    ['orders: bad state', 'GET', '/api/v1/orders?state=bogus', undefined, /^state: /],
    ['rules: unknown key', 'GET', '/api/v1/rules?sight=x', undefined, /^query: Unrecognized key: "sight"$/],
    ['history: no device', 'GET', `/api/v1/history?site=${DEMO_SITE}&channel=ch4`, undefined, /^device: /],
    ['history: bad every', 'GET', `/api/v1/history?site=${DEMO_SITE}&device=gas-01&channel=ch4&every=5m`, undefined, /^every: .*10s/],
    ['history: bad agg', 'GET', `/api/v1/history?site=${DEMO_SITE}&device=gas-01&channel=ch4&every=1m&agg=median`, undefined, /^agg: /],
    ['history: range backwards', 'GET', `/api/v1/history?site=${DEMO_SITE}&device=gas-01&channel=ch4&fromMs=10&toMs=5`, undefined, /^toMs: /],
    ['ack: unknown key', 'POST', '/api/v1/alarms/x/ack', { notes: 'x' }, /^body: Unrecognized key: "notes"$/],
    ['shelve: no reason', 'POST', '/api/v1/alarms/x/shelve', { minutes: 10 }, /^reason: /],
    ['shelve: blank reason', 'POST', '/api/v1/alarms/x/shelve', { reason: '  ', minutes: 10 }, /^reason: must not be blank$/],
    ['shelve: zero minutes', 'POST', '/api/v1/alarms/x/shelve', { reason: 'r', minutes: 0 }, /^minutes: Too small/],
    ['shelve: minutes as text', 'POST', '/api/v1/alarms/x/shelve', { reason: 'r', minutes: '10' }, /^minutes: .*expected number/],
    ['lift: no note', 'POST', '/api/v1/orders/x/lift', {}, /^note: /],
    ['rectification: blank note', 'POST', '/api/v1/orders/x/rectification', { note: '' }, /^note: must not be blank$/],
    ['out-of-service: bad device id', 'POST', `/api/v1/devices/${DEMO_SITE}/a.b/out-of-service`, { reason: 'r', minutes: 5 }, /^device: /],
    ['out-of-service: no minutes', 'POST', `/api/v1/devices/${DEMO_SITE}/gas-01/out-of-service`, { reason: 'r' }, /^minutes: /],
    ['tokens: bad role', 'POST', '/api/v1/tokens', { name: 'x', role: 'root' }, /^role: .*viewer/],
    ['tokens: blank name', 'POST', '/api/v1/tokens', { name: ' ', role: 'viewer' }, /^name: must not be blank$/],
    ['audit: bad cursor', 'GET', '/api/v1/audit?cursor=abc', undefined, /^cursor: /],
    ['audit: limit too big', 'GET', '/api/v1/audit?limit=5000', undefined, /^limit: /],
  ];
  for (const [name, method, url, payload, message] of refusals) {
    it(`refuses ${name} with 400`, async () => {
      const res = await req('admin', method, url, payload);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toMatch(message);
    });
  }

  it('refuses a body that is not JSON with 400 and no detail of the parser', async () => {
    const res = await call(g, 'officer', { method: 'POST', url: '/api/v1/alarms/x/ack', headers: { 'content-type': 'application/json' }, payload: '{"note":' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(res.body).not.toMatch(/\n\s+at /);
  });

  it('answers 404 with the route for an unknown API path, after authentication', async () => {
    const res = await req('viewer', 'GET', '/api/v1/nothing');
    expect(res).toEqual({ status: 404, body: { statusCode: 404, error: 'Not Found', message: 'no route GET /api/v1/nothing' } });
  });
});
