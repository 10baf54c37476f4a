// Notifications and the daily briefing through the API on the real gateway: a red reading whose
// notifications fail at a receiver that is down shows up as failed (addresses for admins only),
// an admin's retry sends it again and it arrives (DingTalk @-mentioning the duty officer), and the
// briefing of a seeded duty day is served as JSON and as an HTML page.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelTransition } from '../../support/transitions.js';
import { AlarmRepository } from '../../../gateway/src/alarms/repository.js';
import { AlarmService } from '../../../gateway/src/alarms/service.js';
import { EventBus } from '../../../gateway/src/events.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/receivers.js';
import { chromiumMissing, launchBrowser, screenshotOnFailure } from '../../support/browser.js';
import { call, startApiGateway, TOKENS } from './helpers.js';
import { useGatewayFixture } from '../../support/fixture.js';
import type { RunningGateway } from '../../support/fixture.js';

const noChromium = chromiumMissing();
if (noChromium) console.warn(`briefing browser case skipped: ${noChromium}`);

const WEBHOOK_SECRET = 'webhook-secret-0123';
const DING_SECRET = 'SEC-ding-secret-01';
const MOBILE = '13800000001';

interface Row {
  id: number;
  key: string;
  alarmId: string | null;
  kind: string;
  level: string | null;
  recipient: string;
  recipientName: string | null;
  channel: string;
  address?: string | null;
  state: string;
  attempts: number;
  lastError: string | null;
  sentAtMs: number | null;
}

/** Four red methane readings one second apart: the kitchen preset's 2 s on-delay must pass. */
async function publishRed(gateway: RunningGateway): Promise<void> {
  const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
  const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
  const base = Date.now() - 4000;
  for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
  await device.endAsync();
}

describe('notifications in the API', () => {
  let rx: HttpReceiver;
  let env: Awaited<ReturnType<typeof startApiGateway>>;
  let g: RunningGateway;

  beforeAll(async () => {
    rx = await startHttpReceiver({ webhookSecret: WEBHOOK_SECRET, dingtalkSecret: DING_SECRET });
    await rx.down();
    env = await startApiGateway((input) => {
      input.notify = {
        channels: {
          hook: { type: 'webhook', url: `${rx.url}/webhook`, secret: WEBHOOK_SECRET },
          ding: { type: 'dingtalk', url: `${rx.url}/dingtalk?access_token=t`, secret: DING_SECRET },
        },
        roster: {
          people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }, { channel: 'ding', to: MOBILE }] } },
          shifts: [{ id: 'all-day', start: '00:00', end: '00:00', duty: ['zhang'] }],
        },
        delivery: { maxAttempts: 2, pollMs: 20, baseDelayMs: 30, maxDelayMs: 60 },
      };
    });
    g = env.gateway;
  });
  afterAll(async () => {
    await env?.stop();
    await rx?.close();
  });

  const list = async (role: 'officer' | 'admin', query: string): Promise<{ notifications: Row[]; nextCursor: string | null }> => {
    const res = await call(g, role, { method: 'GET', url: `/api/v1/notifications${query}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('lists failed notifications after a receiver that refuses, retries one and it arrives with the @-mention', async () => {
    await publishRed(g);
    const red = await eventually(() => g.alarms.activeAlarms().find((a) => a.site === DEMO_SITE && a.level === 'red'), 10_000, 'red alarm');
    // The alarm's own notices (the stop-work order it issued is told in notices of its own).
    const failedOf = async (role: 'officer' | 'admin'): Promise<Row[]> => (await list(role, `?state=failed&alarmId=${red.id}`)).notifications.filter((r) => r.kind === 'raised');
    await eventually(async () => (await failedOf('admin')).length === 2, 10_000, 'both notifications of the red alarm failed');

    const asAdmin = await failedOf('admin');
    expect(asAdmin.map((r) => [r.channel, r.kind, r.level, r.recipient, r.recipientName, r.attempts, r.address]).sort()).toEqual([
      ['ding', 'raised', 'red', 'zhang', '张值班', 2, MOBILE],
      ['hook', 'raised', 'red', 'zhang', '张值班', 2, null],
    ]);
    for (const r of asAdmin) expect(r.lastError).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/(webhook|dingtalk)/);
    // Officers see who, not how to reach them; the token in the robot URL is never shown.
    const asOfficer = await failedOf('officer');
    expect(asOfficer.map((r) => r.recipientName)).toEqual(['张值班', '张值班']);
    for (const r of asOfficer) expect(r).not.toHaveProperty('address');
    expect(JSON.stringify(asOfficer)).not.toContain(MOBILE);
    expect(JSON.stringify(asAdmin)).not.toContain('access_token');
    // The failed channel is a gateway alarm (an admin alarm after the last retry).
    await eventually(() => g.alarms.activeAlarms().find((a) => a.site === SYSTEM_SITE && a.device === 'notify-ding'), 10_000, 'gateway alarm for the DingTalk robot');

    await rx.up();
    const ding = asAdmin.find((r) => r.channel === 'ding')!;
    const retried = await call(g, 'admin', { method: 'POST', url: `/api/v1/notifications/${ding.id}/retry` });
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().notification).toMatchObject({ id: ding.id, state: 'pending', attempts: 0, address: MOBILE });

    const got = await eventually(() => rx.shown('/dingtalk').find((d) => d.key === ding.key), 10_000, 'the retried DingTalk notification');
    const body = got.json as { markdown: { title: string; text: string }; at: { atMobiles: string[]; isAtAll: boolean } };
    expect(body.at).toEqual({ atMobiles: [MOBILE], isAtAll: false });
    expect(body.markdown.text).toContain(`@${MOBILE}`);
    expect(body.markdown.title).toMatch(/^【红色预警】示范餐馆后厨/);
    expect(rx.refused).toEqual([]); // the receiver checked the 加签 signature
    await eventually(async () => (await list('admin', `?state=sent&alarmId=${red.id}`)).notifications.some((r) => r.id === ding.id && r.sentAtMs !== null && r.lastError === null), 5000, 'row marked sent');
    // The hook row was not retried: it stays failed, and the webhook never got it.
    expect((await failedOf('admin')).map((r) => r.channel)).toEqual(['hook']);
    expect(rx.shown('/webhook').filter((d) => d.key?.startsWith(`${ding.key.split(':')[0]}:`))).toEqual([]);
    // A delivery through the robot ends its gateway alarm.
    await eventually(() => !g.alarms.activeAlarms().some((a) => a.site === SYSTEM_SITE && a.device === 'notify-ding' && a.state.startsWith('active')), 10_000, 'gateway alarm cleared');

    const audit = await call(g, 'admin', { method: 'GET', url: '/api/v1/audit?limit=5' });
    const entry = (audit.json().entries as { action: string; target: string; actor: string; detail: Record<string, unknown> }[]).find((e) => e.action === 'notification.retry');
    expect(entry).toMatchObject({ target: String(ding.id), actor: 'admin Wang', detail: { key: ding.key, channel: 'ding', attempts: 2, role: 'admin' } });
    expect((await call(g, 'admin', { method: 'GET', url: '/api/v1/audit/verify' })).json().ok).toBe(true);

    // Only a failed row can be retried; a sent one is refused, and nothing is audited.
    const again = await call(g, 'admin', { method: 'POST', url: `/api/v1/notifications/${ding.id}/retry` });
    expect([again.statusCode, again.json().message]).toEqual([409, `notification ${ding.id} is sent: only a failed notification can be retried`]);
    const audited = (await call(g, 'admin', { method: 'GET', url: '/api/v1/audit?limit=100' })).json().entries as { action: string }[];
    expect(audited.filter((e) => e.action === 'notification.retry')).toHaveLength(1);
  });

  it('pages newest first with a cursor and refuses bad input with the field named', async () => {
    const all = (await list('admin', '?limit=1000')).notifications;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const first = await list('admin', '?limit=2');
    expect(first.notifications.map((r) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id));
    const second = await list('admin', `?limit=2&cursor=${first.nextCursor}`);
    expect(second.notifications.map((r) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));
    const last = await list('admin', `?limit=1000&cursor=${all[all.length - 1]!.id}`);
    expect([last.notifications, last.nextCursor]).toEqual([[], null]);

    const cases: [string, number, RegExp][] = [
      ['GET /api/v1/notifications?state=lost', 400, /^state: /],
      ['GET /api/v1/notifications?limit=0', 400, /^limit: /],
      ['GET /api/v1/notifications?cursor=abc', 400, /^cursor: cursor must be a decimal number from this API/],
      ['GET /api/v1/notifications?site=x', 400, /Unrecognized key/],
      ['POST /api/v1/notifications/abc/retry', 400, /^id: id must be a decimal number/],
      ['POST /api/v1/notifications/999999/retry', 404, /^no notification 999999$/],
    ];
    for (const [request, status, message] of cases) {
      const [method, url] = request.split(' ') as ['GET' | 'POST', string];
      const res = await call(g, 'admin', { method, url });
      expect(res.statusCode, request).toBe(status);
      expect(res.json().message, request).toMatch(message);
    }
  });
});

describe('the daily briefing in the API', () => {
  const at = (iso: string): number => Date.parse(iso);
  const fx = useGatewayFixture();

  /** The duty day 2026-11-23 08:00 → 11-24 08:00 Shanghai at the demo kitchen, written through the
   * alarm service on the state file before the gateway starts (the same seed as notify/briefing). */
  function seed(dataDir: string): void {
    const db = openStateDb(dataDir);
    let now = 0;
    const alarms = new AlarmService({ repo: new AlarmRepository(db), events: new EventBus(silentLogger()), clock: () => now, log: silentLogger() });
    const move = (site: string, device: string, from: 'yellow' | 'orange' | 'red' | null, to: 'yellow' | 'orange' | 'red' | null, value: number) =>
      alarms.onTransition(levelTransition({ site, device, channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from, to, value, atMs: now, stopWork: false }));
    try {
      now = at('2026-11-22T20:00:00Z'); // the day before: orange, never signed off
      const old = move(DEMO_SITE, 'gas-05', null, 'orange', 40)!;
      move(DEMO_SITE, 'gas-05', 'orange', null, 2);
      alarms.acknowledge(old.id, 'li');
      now = at('2026-11-23T02:00:00Z');
      const red = move(DEMO_SITE, 'gas-01', null, 'red', 62)!;
      now = at('2026-11-23T02:12:30Z');
      alarms.acknowledge(red.id, 'zhang');
      now = at('2026-11-23T03:00:00Z');
      move(DEMO_SITE, 'gas-02', null, 'yellow', 22);
      now = at('2026-11-23T04:00:00Z');
      move(DEMO_SITE, 'gas-03', null, 'orange', 40); // never acknowledged
      move(DEMO_SITE, 'gas-01', 'red', null, 1);
      now = at('2026-11-23T05:00:00Z');
      expect(alarms.close(red.id, 'zhang', '更换软管 hose replaced')?.rejected).toBeUndefined();
      move('kitchen-02', 'gas-09', null, 'red', 70);
      now = at('2026-11-24T01:00:00Z'); // the next duty day
      move(DEMO_SITE, 'gas-06', null, 'yellow', 21);
      db.prepare(`INSERT INTO stop_work_order (id, site, state, reason, alarm_id, issued_at_ms, lifted_at_ms, lifted_by, lift_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        'o-1',
        DEMO_SITE,
        'lifted',
        '甲烷红色预警',
        red.id,
        at('2026-11-23T02:00:01Z'),
        at('2026-11-23T06:00:00Z'),
        'zhang',
        '检测合格',
      );
      db.prepare('INSERT INTO device_status (site, device, state, at_ms) VALUES (?, ?, ?, ?)').run(DEMO_SITE, 'gas-04', 'offline', at('2026-11-23T10:00:00Z'));
    } finally {
      db.close();
    }
  }

  /** A gateway with two regions whose clock reads 2026-11-24 09:00 Shanghai (and runs on). */
  async function start(): Promise<RunningGateway> {
    const started = Date.now();
    let dataDir = '';
    const env = await startApiGateway(
      (input) => {
        dataDir = input.storage!.dataDir!;
        seed(dataDir);
        const kitchen = input.sites![0]!;
        input.sites!.push({ id: 'kitchen-02', name: '城北餐馆', devices: [{ ...kitchen.devices![0]!, id: 'gas-09' }] });
        input.notify = { briefing: { regions: [{ id: 'south', name: '南区', sites: [DEMO_SITE] }, { id: 'north', name: '北区', sites: ['kitchen-02'] }] } };
      },
      () => at('2026-11-24T01:00:00Z') + (Date.now() - started),
    );
    fx.defer(() => env.stop());
    return env.gateway;
  }

  it('serves the figures, Markdown and HTML of a seeded duty day per region', async () => {
    const g = await start();
    const res = await call(g, 'viewer', { method: 'GET', url: '/api/v1/briefing?date=2026-11-24&region=south' });
    expect(res.statusCode, res.body).toBe(200);
    const b = res.json();
    expect(b).toMatchObject({
      date: '2026-11-24',
      region: { id: 'south', name: '南区' },
      timeZone: 'Asia/Shanghai',
      fromMs: at('2026-11-23T00:00:00Z'),
      toMs: at('2026-11-24T00:00:00Z'),
      complete: true,
      alarmsByLevel: { blue: 0, yellow: 1, orange: 1, red: 1 },
      rectificationsClosed: 1,
      unacked: 2,
      longestAck: { device: 'gas-01', level: 'red', ms: 750_000 },
      devicesOffline: [{ site: DEMO_SITE, device: 'gas-04', sinceMs: at('2026-11-23T10:00:00Z') }],
      title: '值班日报 · 南区 · 2026-11-24',
    });
    expect(b.ordersIssued.map((o: { id: string }) => o.id)).toEqual(['o-1']);
    expect(b.rectificationsOpen.map((r: { device: string }) => r.device)).toEqual(['gas-05', 'gas-03']);
    expect(b.markdown).toContain('| 示范餐馆后厨 (demo restaurant kitchen) | 1 | 1 | 1 | 0 | 3 |');
    expect(b.markdownLists).toContain('- **示范餐馆后厨 (demo restaurant kitchen)**：红色预警 1，橙色预警 1，黄色预警 1，蓝色预警 0，合计 3');
    expect(b.markdownLists).not.toMatch(/^\|/m);
    expect(b.html).toContain('<li>尚未确认 2 起</li>');

    const north = (await call(g, 'viewer', { method: 'GET', url: '/api/v1/briefing?date=2026-11-24&region=north' })).json();
    expect(north.alarmsByLevel).toEqual({ blue: 0, yellow: 0, orange: 0, red: 1 });
    // Without a region: every site; without a date: the newest whose hour (08:00) has come.
    const all = (await call(g, 'viewer', { method: 'GET', url: '/api/v1/briefing' })).json();
    expect([all.date, all.region.id, all.alarmsByLevel]).toEqual(['2026-11-24', 'all', { blue: 0, yellow: 1, orange: 1, red: 2 }]);
    // Today's duty day is running: served so far, marked incomplete.
    const today = (await call(g, 'viewer', { method: 'GET', url: '/api/v1/briefing?date=2026-11-25&region=south' })).json();
    expect([today.complete, today.alarmsByLevel.yellow]).toEqual([false, 1]);

    const cases: [string, number, string | RegExp][] = [
      ['/api/v1/briefing?date=2026-02-30', 400, 'date: not a calendar date'],
      ['/api/v1/briefing?date=24.11.2026', 400, 'date: a local date as YYYY-MM-DD'],
      ['/api/v1/briefing?date=2026-11-26', 400, 'date: the briefing of 2026-11-26 covers a duty day that has not begun yet'],
      ['/api/v1/briefing?region=west', 404, 'no region west: known regions are south, north (leave region out for every site)'],
      ['/api/v1/briefing?region=no%20such', 400, /^region: /],
      ['/api/v1/briefing.html?region=west', 404, /^no region west/],
    ];
    for (const [url, status, message] of cases) {
      const r = await call(g, 'viewer', { method: 'GET', url });
      expect(r.statusCode, url).toBe(status);
      expect(r.json().message, url).toMatch(message);
    }
  });

  it('serves the briefing as an HTML page under the page CSP, opened with a header or ?access_token=', async () => {
    const g = await start();
    const res = await call(g, 'viewer', { method: 'GET', url: '/api/v1/briefing.html?date=2026-11-24&region=south' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    // Nothing in the page that this CSP would block: no script, no inline style.
    expect(res.body).not.toMatch(/<script|style=|<style/i);
    expect(res.body).toMatch(/^<!doctype html>\n<html lang="zh-CN">/);
    expect(res.body).toContain('<title>值班日报 · 南区 · 2026-11-24</title>');
    expect(res.body).toContain('<td>示范餐馆后厨 (demo restaurant kitchen)</td><td>1</td><td>1</td><td>1</td><td>0</td><td>3</td>');

    const linked = await g.api!.inject({ method: 'GET', url: `/api/v1/briefing.html?date=2026-11-24&access_token=${TOKENS.viewer}` });
    expect([linked.statusCode, linked.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    const anonymous = await g.api!.inject({ method: 'GET', url: '/api/v1/briefing.html?date=2026-11-24' });
    expect(anonymous.statusCode).toBe(401);
    // The JSON route keeps to the header (tokens in URLs only where a browser cannot send one).
    const jsonWithQueryToken = await g.api!.inject({ method: 'GET', url: `/api/v1/briefing?access_token=${TOKENS.viewer}` });
    expect(jsonWithQueryToken.statusCode).toBe(401);
  });

  it.skipIf(noChromium !== null)('opens in a real browser from a link, with nothing refused by the CSP', async () => {
    const g = await start();
    const browser = await launchBrowser();
    fx.defer(() => browser.close());
    const page = await browser.newPage();
    const complaints: string[] = [];
    page.on('console', (m) => {
      // The browser asks for /favicon.ico on its own; the briefing page links to nothing.
      if ((m.type() === 'error' || m.type() === 'warning') && !m.location().url.endsWith('/favicon.ico')) complaints.push(`${m.text()} ${m.location().url}`);
    });
    page.on('pageerror', (err) => complaints.push(err.message));
    await screenshotOnFailure(page, 'briefing-page', async () => {
      const res = await page.goto(`http://127.0.0.1:${g.apiPort}/api/v1/briefing.html?date=2026-11-24&region=south&access_token=${TOKENS.viewer}`);
      expect(res?.status()).toBe(200);
      expect(await page.title()).toBe('值班日报 · 南区 · 2026-11-24');
      const row = page.locator('tr', { hasText: '示范餐馆后厨' });
      expect(await row.locator('td').allTextContents()).toEqual(['示范餐馆后厨 (demo restaurant kitchen)', '1', '1', '1', '0', '3']);
      expect(await page.locator('li', { hasText: '最长确认用时' }).textContent()).toBe('最长确认用时 12 分 30 秒（示范餐馆后厨 (demo restaurant kitchen) gas-01，红色预警）');
    });
    expect(complaints).toEqual([]);
  });
});
