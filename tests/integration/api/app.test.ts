// The dashboard API of a real gateway over a real SQLite state file, through fastify.inject (no
// socket): health, readiness, the alarm list with its filters, pagination and refusals of bad
// queries, the site order, and an internal failure that leaks nothing.

import { alarmView } from '../../../dashboard-api/src/alarm-view.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../dashboard-api/src/app.js';
import { acknowledge, applyLevel, raiseAlarm, type Alarm, type Outcome } from '../../../gateway/src/alarms/lifecycle.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { AlarmListQuery } from '../../../gateway/src/alarms/alarm-list-query.js';
import { exportSourceOver } from '../../../gateway/src/export/export-source-query.js';
import { deviceStatusReader } from '../../../gateway/src/ingest/status.js';
import { AuditLog } from '../../../gateway/src/audit/audit-log.js';
import { OrderRepository } from '../../../gateway/src/orders/repository.js';
import { EventBus } from '../../../gateway/src/events.js';
import { issueOrder, liftOrder, type StopWorkOrder } from '../../../gateway/src/orders/stop-work.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { tempDir } from '../../support/tmp.js';
import { call, startApiGateway, TOKENS } from './helpers.js';
import type { RunningGateway } from '../../support/fixture.js';

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

function raised(id: string, site: string, channel: 'ch4' | 'co', level: Alarm['level'], value: number, atMs: number): Outcome {
  return raiseAlarm({ id, site, device: 'gas-01', channel, quantity: channel === 'ch4' ? 'methane_lel' : 'co_ppm', ruleId: `kitchen-${channel}`, level, value, atMs });
}

/** Applies a further move of the lifecycle and keeps every event, as the service would save them. */
function then(outcome: Outcome, move: (alarm: Alarm) => Outcome): Outcome {
  const next = move(outcome.next);
  if (next.rejected) throw new Error(`seed move refused: ${next.rejected}`);
  return { next: next.next, events: [...outcome.events, ...next.events] };
}

describe('dashboard API', () => {
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;
  let ready = true;
  const alarms: Record<'redCh4' | 'ackedCo' | 'clearedCh4' | 'blueOther', Alarm> = {} as never;
  let order: StopWorkOrder;

  beforeAll(async () => {
    env = await startApiGateway((input) => {
      input.sites = [...(input.sites ?? []), { ...input.sites![0]!, id: 'kitchen-02', name: 'second kitchen' }];
    });
    g = env.gateway;
    const seeds = {
      redCh4: raised('a-red', 'kitchen-01', 'ch4', 'red', 72, T0 + 1000),
      ackedCo: then(raised('a-co', 'kitchen-01', 'co', 'yellow', 60, T0 + 2000), (a) => acknowledge(a, 'officer-li', T0 + 2500)),
      clearedCh4: then(raised('a-cleared', 'kitchen-01', 'ch4', 'orange', 30, T0 + 3000), (a) => applyLevel(a, null, 4, T0 + 3500)),
      blueOther: raised('a-other', 'kitchen-02', 'ch4', 'blue', 12, T0 + 4000),
    };
    for (const [name, outcome] of Object.entries(seeds) as [keyof typeof alarms, Outcome][]) {
      g.alarmRepo.save(outcome.next, outcome.events);
      alarms[name] = outcome.next;
    }
    expect(alarms.ackedCo.state).toBe('active_acked');
    expect(alarms.clearedCh4.state).toBe('cleared_unacked');

    // An older order, lifted, then the order in force: the site shows the newest.
    const older = issueOrder({ id: 'order-old', site: 'kitchen-01', alarmId: 'a-old', reason: 'earlier episode', atMs: T0 - 60_000, actuators: [] }).next;
    g.orders.save(liftOrder(older, { by: 'officer-li', note: 'valve replaced', atMs: T0 - 30_000, activeAlarmLevels: [] }).next);
    order = issueOrder({
      id: 'order-1',
      site: 'kitchen-01',
      alarmId: 'a-red',
      reason: '红色预警 甲烷 72 %LEL (gas-01/ch4) — 停产停工',
      atMs: T0 + 1100,
      actuators: [
        { commandId: 'cmd-valve', device: 'valve-01', action: 'close' },
        { commandId: 'cmd-fan', device: 'fan-01', action: 'fan_on' },
      ],
    }).next;
    g.orders.save(order);
  });

  afterAll(async () => {
    await env?.stop();
  });

  async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await call(g, 'viewer', { method: 'GET', url });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  }

  async function alarmIds(query: string): Promise<string[]> {
    const res = await get(`/api/v1/alarms${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body.alarms as Alarm[]).map((a) => a.id);
  }

  describe('health', () => {
    it('answers /healthz with 200 and no token', async () => {
      const res = await g.api!.inject({ method: 'GET', url: '/healthz' });
      expect([res.statusCode, res.json()]).toEqual([200, { status: 'ok' }]);
    });

    it('answers /readyz with 200 while the broker is up and 503 once it is not', async () => {
      const res = await g.api!.inject({ method: 'GET', url: '/readyz' });
      expect([res.statusCode, res.json()]).toEqual([200, { ready: true }]);
      // A second app over the same file whose ready() says no.
      const dir = tempDir();
      const db = openStateDb(dir.path);
      const repo = new AlarmRepository(db);
      const app = buildApp({
        db,
        alarms: repo,
        alarmList: new AlarmListQuery(db),
        exportSource: exportSourceOver(db),
        deviceStatus: deviceStatusReader(db),
        audit: new AuditLog(db),
        alarmActions: new AlarmService({ repo, events: new EventBus(silentLogger()), clock: Date.now, log: silentLogger() }),
        orders: new OrderRepository(db),
        orderActions: g.interlock,
        sites: [],
        rules: () => [],
        ready: () => ready,
        log: silentLogger(),
      });
      try {
        ready = false;
        expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
        ready = true;
        expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      } finally {
        await app.close();
        db.close();
        dir.remove();
      }
    });
  });

  describe('GET /api/v1/alarms', () => {
    it('returns every seeded alarm, newest first, as stored', async () => {
      const res = await get('/api/v1/alarms');
      expect(res.status).toBe(200);
      // As stored, with what each says (its kind and text in both languages).
      // As stored: read back through the repository, with the columns later migrations added (null here).
      const stored = [alarms.blueOther, alarms.clearedCh4, alarms.ackedCo, alarms.redCh4].map((a) => g.alarmRepo.get(a.id)!);
      expect(stored.map((a) => a.id)).toEqual(['a-other', 'a-cleared', 'a-co', 'a-red']);
      expect(res.body).toEqual({ alarms: stored.map(alarmView), nextCursor: null });
    });

    it('filters by site, level, state, active and time range', async () => {
      expect(await alarmIds('?site=kitchen-01')).toEqual(['a-cleared', 'a-co', 'a-red']);
      expect(await alarmIds('?site=kitchen-02')).toEqual(['a-other']);
      expect(await alarmIds('?site=kitchen-99')).toEqual([]);
      expect(await alarmIds('?level=red')).toEqual(['a-red']);
      expect(await alarmIds('?level=orange&site=kitchen-01')).toEqual(['a-cleared']);
      expect(await alarmIds('?state=active_acked')).toEqual(['a-co']);
      expect(await alarmIds('?state=cleared_unacked')).toEqual(['a-cleared']);
      expect(await alarmIds('?active=true')).toEqual(['a-other', 'a-co', 'a-red']);
      expect(await alarmIds('?active=false')).toEqual(['a-cleared']);
      expect(await alarmIds('?site=kitchen-01&active=true')).toEqual(['a-co', 'a-red']);
      expect(await alarmIds('?site=kitchen-01&state=active_unacked')).toEqual(['a-red']);
      expect(await alarmIds(`?fromMs=${T0 + 2000}&toMs=${T0 + 3000}`)).toEqual(['a-cleared', 'a-co']);
      expect(await alarmIds(`?fromMs=${T0 + 3001}`)).toEqual(['a-other']);
    });

    it('pages with an opaque cursor that neither repeats nor skips when alarms arrive meanwhile', async () => {
      const first = await get('/api/v1/alarms?limit=2');
      expect((first.body.alarms as Alarm[]).map((a) => a.id)).toEqual(['a-other', 'a-cleared']);
      const cursor = first.body.nextCursor as string;
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      // A new alarm arrives between the two pages, newest of all, and one with the same raise time.
      const late = raised('a-late', 'kitchen-01', 'co', 'yellow', 55, T0 + 9000);
      const twin = raised('a-cleared-twin', 'kitchen-01', 'co', 'blue', 8, T0 + 3000);
      g.alarmRepo.save(late.next, late.events);
      g.alarmRepo.save(twin.next, twin.events);
      const second = await get(`/api/v1/alarms?limit=2&cursor=${cursor}`);
      // 'a-cleared-twin' sorts after 'a-cleared' at the same time: it is the next one, not lost.
      expect((second.body.alarms as Alarm[]).map((a) => a.id)).toEqual(['a-cleared-twin', 'a-co']);
      const third = await get(`/api/v1/alarms?limit=2&cursor=${second.body.nextCursor as string}`);
      expect((third.body.alarms as Alarm[]).map((a) => a.id)).toEqual(['a-red']);
      expect(third.body.nextCursor).toBeNull();
      // The newest arrival is on a fresh first page, not on any page after the cursor.
      expect(await alarmIds('?limit=1')).toEqual(['a-late']);
    });

    const refused: [string, RegExp][] = [
      ['?limit=0', /^limit: Too small: expected number to be >=1$/],
      ['?limit=abc', /^limit: .*expected number/],
      ['?limit=1.5', /^limit: /],
      ['?limit=1001', /^limit: /],
      ['?state=bogus', /^state: .*active_unacked/],
      ['?level=purple', /^level: .*blue/],
      ['?colour=red', /^query: Unrecognized key: "colour"$/],
      ['?site=a%2Fb', /^site: site must be an id of A-Z a-z 0-9 _ -$/],
      ['?active=yes', /^active: /],
      ['?fromMs=-1', /^fromMs: /],
      ['?fromMs=20&toMs=10', /^toMs: toMs must not be before fromMs$/],
      ['?cursor=bm90LWEtY3Vyc29y', /^cursor: not a cursor from this API/],
    ];
    for (const [query, message] of refused) {
      it(`refuses ${decodeURIComponent(query)} with 400 and a message naming the field`, async () => {
        const res = await get(`/api/v1/alarms${query}`);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
        expect(res.body.message).toMatch(message);
      });
    }
  });

  describe('GET /api/v1/sites/:site/order', () => {
    it('returns the newest order of the site with its commands', async () => {
      const res = await get('/api/v1/sites/kitchen-01/order');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ site: 'kitchen-01', order: { id: 'order-1', state: 'active', reason: order.reason } });
      const commands = (res.body.order as StopWorkOrder).commands;
      expect(commands.map((c) => [c.device, c.action, c.state, c.attempts])).toEqual([
        ['valve-01', 'close', 'sent', 1],
        ['fan-01', 'fan_on', 'sent', 1],
      ]);
    });

    it('returns a null order for a known site that never had one', async () => {
      expect(await get('/api/v1/sites/kitchen-02/order')).toEqual({ status: 200, body: { site: 'kitchen-02', order: null } });
    });

    it('answers 404 for a site it does not know', async () => {
      const res = await get('/api/v1/sites/kitchen-99/order');
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, message: 'no site kitchen-99' });
    });

    it('answers 400 for a site id that is not an id', async () => {
      for (const bad of ['bad.id', 'x'.repeat(65), 'k%C3%BCche']) {
        const res = await get(`/api/v1/sites/${bad}/order`);
        expect(res.status, bad).toBe(400);
        expect(res.body.message).toMatch(/^site: site must be an id/);
      }
    });
  });

  describe('an internal failure', () => {
    it('answers 500 with "internal error" and no stack trace or detail', async () => {
      const dir = tempDir();
      const db = openStateDb(dir.path);
      const repo = new AlarmRepository(db);
      const app = buildApp({
        db,
        alarms: repo,
        alarmList: new AlarmListQuery(db),
        exportSource: exportSourceOver(db),
        deviceStatus: deviceStatusReader(db),
        audit: new AuditLog(db),
        alarmActions: new AlarmService({ repo, events: new EventBus(silentLogger()), clock: Date.now, log: silentLogger() }),
        orders: new OrderRepository(db),
        orderActions: g.interlock,
        sites: [],
        rules: () => [],
        ready: () => true,
        log: silentLogger(),
        options: { bootstrapTokens: [{ name: 'v', role: 'viewer', tokenHash: hashToken(TOKENS.viewer) }] },
      });
      try {
        await app.ready();
        // The state file goes away under the API: every read now fails inside SQLite.
        db.close();
        const res = await app.inject({ method: 'GET', url: '/api/v1/alarms', headers: { authorization: `Bearer ${TOKENS.viewer}` } });
        expect(res.statusCode).toBe(500);
        expect(res.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
        expect(res.body).not.toMatch(/database|sqlite|stack|\n\s+at /i);
      } finally {
        await app.close();
        dir.remove();
      }
    });
  });
});
