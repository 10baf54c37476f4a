// The alarm page as an officer and a viewer read it, in Chromium against the real gateway with a
// real state.db holding a few hundred alarms: the list in the order an officer acts (the red
// unacknowledged alarm on top, above many newer yellow ones), cleared alarms in a collapsed
// section, filters, paging; the deep link #/alarms/<id> with the site's address and contact, the
// order the alarm raised and its events in time order; a card's value following the live readings;
// a silent detector told as 数据中断 in seconds, never with a gas unit; acknowledge through a
// dialog whose note is kept; a viewer offered no move it cannot make; the reservoir chart's axis
// fitted to 120–125 m with Chinese times; no English words or emoji glyphs on the Chinese page.

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import type { MqttClient } from 'mqtt';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { launchBrowser, pageErrors, RESULTS_DIR, screenshotOnFailure } from '../../support/browser.js';

type Gateway = RunningGateway;

const newSecret = (): string => `sb_${randomBytes(32).toString('base64url')}`;
const OFFICER = { name: 'duty-officer', secret: newSecret() };
const VIEWER = { name: 'county-viewer', secret: newSecret() };
const VAULT = 'vault-01'; // a confined space with one CO detector that goes silent
const RESERVOIR = 'res-01';
const ADDRESS = '城关镇解放路 12 号 示范餐馆后厨';
const CONTACT = '王师傅 13800000000';
const HOUR = 3_600_000;
const YELLOWS = 150;
const SHOTS = join(RESULTS_DIR, 'alarm-page');

/** Gas units: a silence must never be printed with one. */
const GAS_UNIT = /ppm|%LEL|%vol/;
/** Glyphs that need a colour-emoji font (⛔ ✔ ⚠ and the emoji planes). */
const EMOJI = /[\u2600-\u27BF\u{1F000}-\u{1FAFF}]/u;

describe('the alarm page an officer acts from', () => {
  // One gateway and one browser for the block (its pages share the seeded alarms).
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: Gateway;
  let browser: Browser;
  let base: string;
  const nowMs = Date.now();

  function seed(dbPath: string): void {
    const db = new Database(dbPath);
    const insert = db.prepare(
      `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms, cleared_at_ms, acked_at_ms, acked_by)
       VALUES (@id, @site, @device, 'ch4', 'methane_lel', 'kitchen-methane', @level, @peak, @value, @peakValue, @state, @at, @at, @clearedAt, @ackedAt, @ackedBy)`,
    );
    const row = (id: string, level: string, state: string, at: number, more: Record<string, unknown> = {}) =>
      insert.run({ id, site: DEMO_SITE, device: 'gas-77', level, peak: level, value: 30, peakValue: 30, state, at, clearedAt: state.startsWith('cleared') ? at + 60_000 : null, ackedAt: state === 'active_acked' || state === 'cleared' ? at + 30_000 : null, ackedBy: state === 'active_acked' || state === 'cleared' ? 'someone' : null, ...more });
    const event = db.prepare(`INSERT INTO alarm_event (alarm_id, kind, from_level, to_level, state, value, at_ms, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL)`);
    db.transaction(() => {
      // The red alarm is the oldest; many yellow ones came after it.
      row('red-unacked', 'red', 'active_unacked', nowMs - 3 * HOUR, { value: 62, peakValue: 70 });
      row('red-acked', 'red', 'active_acked', nowMs - 2.5 * HOUR);
      row('orange-unacked', 'orange', 'active_unacked', nowMs - 2.9 * HOUR);
      for (let i = 0; i < YELLOWS; i++) row(`yellow-${String(i).padStart(3, '0')}`, 'yellow', 'active_unacked', nowMs - 2 * HOUR + i * 10_000);
      for (let i = 0; i < 4; i++) row(`cleared-${i}`, 'yellow', 'cleared_unacked', nowMs - 10 * 60_000 + i);
      for (let i = 0; i < 40; i++) row(`closed-${i}`, 'red', 'closed', nowMs - 5 * HOUR + i);
      // The red alarm's events, written out of time order: the page shows them in time order.
      event.run('red-unacked', 'escalated', 'orange', 'red', 'active_unacked', 62, nowMs - 3 * HOUR + 5_000);
      event.run('red-unacked', 'raised', null, 'orange', 'active_unacked', 27, nowMs - 3 * HOUR);
      // The order the red alarm raised, since lifted; its valve command confirmed.
      db.prepare(
        `INSERT INTO stop_work_order (id, site, state, reason, alarm_id, issued_at_ms, lifted_at_ms, lifted_by, lift_note, confirmed_at_ms) VALUES ('order-red', ?, 'lifted', 'red methane', 'red-unacked', ?, ?, 'someone', '已通风', ?)`,
      ).run(DEMO_SITE, nowMs - 3 * HOUR + 5_000, nowMs - HOUR, nowMs - 3 * HOUR + 7_000);
      db.prepare(`INSERT INTO order_command (id, order_id, device, action, state, attempts, last_sent_at_ms, acked_at_ms) VALUES ('cmd-1', 'order-red', 'valve-01', 'close', 'acked', 1, ?, ?)`).run(
        nowMs - 3 * HOUR + 5_000,
        nowMs - 3 * HOUR + 6_000,
      );
      // A yellow methane alarm on the real detector: its card follows the detector's readings.
      insert.run({ id: 'live-yellow', site: DEMO_SITE, device: 'gas-01', level: 'yellow', peak: 'yellow', value: 22, peakValue: 24, state: 'active_unacked', at: nowMs - HOUR, clearedAt: null, ackedAt: null, ackedBy: null });
    })();
    db.close();
  }

  beforeAll(async () => {
    const patch = (c: ConfigInput): void => {
      const token = (o: { name: string; secret: string }, role: 'viewer' | 'officer') => ({ name: o.name, role, tokenHash: hashToken(o.secret) });
      c.api = { ...c.api, bootstrapTokens: [token(OFFICER, 'officer'), token(VIEWER, 'viewer')] };
      const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
      Object.assign(c.sites[0]!, { address: ADDRESS, contact: CONTACT });
      c.sites.push({ id: VAULT, name: '地下阀室', devices: [{ ...gas, id: 'co-01', channels: { co: { quantity: 'co_ppm' } }, staleAfterS: 1 }] });
      c.sites.push({
        id: RESERVOIR,
        name: '东风水库',
        preset: 'reservoir',
        reservoirLevels: { floodLimitM: 120, warningM: 122, guaranteedM: 123.5, historicalMaxM: 124.8 },
        devices: [{ ...gas, id: 'gauge-01', channels: { level: { quantity: 'water_level_m' } }, staleAfterS: 3600 }],
      });
    };
    // Once to create state.db, then again over the seeded alarms (as after a restart).
    const first = await fx.start({ patch });
    await first.stop();
    seed(join(first.dataDir, 'state.db'));
    gateway = await fx.start({ dataDir: first.dataDir, patch });
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser();
    fx.defer(() => browser.close());
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  async function signedIn(secret: string, viewport = { width: 1366, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    fx.defer(() => context.close());
    const page = await context.newPage();
    await page.goto(base);
    await page.locator('#token-input').fill(secret);
    await page.locator('#login-form button[type=submit]').click();
    await page.locator('#active-alarms li.alarm').first().waitFor();
    return page;
  }

  async function device(site: string, id: string): Promise<{ client: MqttClient; send(readings: Record<string, number>, tsMs?: number): Promise<void> }> {
    const client = await connectClient(gateway.url, deviceLogin(site, id, DEMO_PASSWORDS['gas-01']));
    fx.defer(() => client.endAsync());
    const topic = gateway.topics.telemetry({ site: site as never, device: id as never });
    let seq = 0;
    return { client, send: async (readings, tsMs = Date.now()) => void (await client.publishAsync(topic, JSON.stringify({ ts: tsMs, seq: ++seq, readings }), { qos: 1 })) };
  }

  it('lists the red unacknowledged alarm first, cleared ones collapsed, pages on and filters', async () => {
    const page = await signedIn(OFFICER.secret);
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'alarm-list-order', async () => {
      const ids = () => page.locator('#active-alarms li.alarm').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { alarm: string } }).dataset.alarm));
      // The silent vault detector may have raised its own yellow alarm meanwhile: only the seeded
      // kitchen alarms are compared.
      const seeded = (list: string[]) => list.filter((id) => id === 'live-yellow' || /^(red|orange|yellow)-/.test(id));
      const first = await ids();
      expect(first.slice(0, 2)).toEqual(['red-unacked', 'orange-unacked']);
      // Then the unacknowledged yellows, newest first (the live one and 150 seeded ones, 100 a page).
      expect(seeded(first).slice(2, 4)).toEqual(['live-yellow', 'yellow-149']);
      expect(first).toHaveLength(100);
      expect(first).not.toContain('red-acked');
      await page.locator('button[data-more="active"]').click();
      await expect.poll(async () => seeded(await ids()).length).toBe(YELLOWS + 4);
      const all = await ids();
      expect(all.at(-1)).toBe('red-acked'); // acknowledged: below every unacknowledged one
      expect(new Set(all).size).toBe(all.length);

      // Cleared alarms wait in their own section, closed by default; closed-out ones are not listed.
      const cleared = page.locator('details.cleared-section');
      expect(await cleared.getAttribute('open')).toBeNull();
      expect(await cleared.locator('summary').textContent()).toContain('4');
      expect(await page.locator('li.alarm[data-alarm="cleared-0"]').isVisible()).toBe(false);
      expect(await page.locator('li.alarm[data-alarm^="closed-"]').count()).toBe(0);
      await cleared.locator('summary').click();
      await page.locator('li.alarm[data-alarm="cleared-0"]').waitFor();

      await page.locator('#alarm-filters select[name="level"]').selectOption('red');
      await expect.poll(ids).toEqual(['red-unacked', 'red-acked']);
      await page.locator('#alarm-filters select[name="level"]').selectOption('');
      // The site filter is a search box (a county has too many sites for a <select>).
      await page.locator('#alarm-filters input[name="site"]').fill('地下阀室');
      await page.locator('#alarm-filters input[name="site"]').press('Enter');
      await expect.poll(async () => seeded(await ids()).length).toBe(0); // the kitchen's alarms are gone (the vault's own may show)
      await page.locator('#alarm-filters input[name="site"]').fill('');
      await page.locator('#alarm-filters select[name="state"]').selectOption('active_acked');
      await expect.poll(ids).toEqual(['red-acked']);
      await page.locator('#alarm-filters select[name="state"]').selectOption('cleared_unacked');
      await expect.poll(async () => (await ids()).length).toBe(0);
      await expect.poll(() => page.locator('details.cleared-section li.alarm').count()).toBe(4);
      await page.locator('#alarm-filters select[name="state"]').selectOption('');
      await expect.poll(async () => (await ids())[0]).toBe('red-unacked');
      await page.screenshot({ path: join(SHOTS, 'list-officer.png'), fullPage: false });
    });
    expect(errors).toEqual([]);
  });

  it('opens #/alarms/<id> with the site address and contact, the order it raised and its events in time order', async () => {
    const page = await signedIn(OFFICER.secret);
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'alarm-detail', async () => {
      await page.goto(`${base}/#/alarms/red-unacked`);
      const detail = page.locator('dialog#alarm-detail');
      await detail.locator('.detail-head[data-alarm="red-unacked"]').waitFor();
      expect(await detail.locator('.detail-address').textContent()).toBe(ADDRESS);
      expect(await detail.locator('.detail-contact').textContent()).toBe(CONTACT);
      expect(await detail.locator('.detail-peak').textContent()).toContain('70 %LEL');
      const order = detail.locator('.detail-order[data-order="order-red"]');
      expect(await order.textContent()).toContain('停产停工令');
      expect(await order.textContent()).toContain('关闭阀门 valve-01：已执行');
      expect(await order.textContent()).toContain('联动设备已确认到位');
      const kinds = await detail.locator('.alarm-event').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { kind: string } }).dataset.kind));
      expect(kinds).toEqual(['raised', 'escalated']);
      expect(EMOJI.test((await detail.textContent()) ?? '')).toBe(false);
      await page.screenshot({ path: join(SHOTS, 'detail.png') });
      // Closing leaves the alarm's address; clicking a card's title opens it again.
      await detail.locator('button.detail-close').click();
      await expect.poll(() => page.evaluate('location.hash')).toBe('');
      await page.locator('li.alarm[data-alarm="orange-unacked"] a.alarm-title').click();
      await detail.locator('.detail-head[data-alarm="orange-unacked"]').waitFor();
      expect(await detail.locator('.detail-address').textContent()).toBe(ADDRESS);
    });
    expect(errors).toEqual([]);
  });

  it("follows the detector's readings on the card and the detail, with the peak beside it", async () => {
    const page = await signedIn(OFFICER.secret);
    const errors = pageErrors(page);
    const gas = await device(DEMO_SITE, 'gas-01');
    await screenshotOnFailure(page, 'alarm-live-value', async () => {
      const value = page.locator('li.alarm[data-alarm="live-yellow"] .alarm-value');
      expect(await value.textContent()).toMatch(/^22 %LEL · 峰值 24 %LEL/);
      // Still yellow (20–25 %LEL): the alarm does not move, the reading does.
      await expect
        .poll(async () => {
          await gas.send({ ch4: 23.4, co: 2 });
          return value.textContent();
        }, { timeout: 10_000, interval: 300 })
        .toMatch(/^23\.4 %LEL · 峰值 24 %LEL/);
      expect(await value.getAttribute('data-live')).toBe('true');
      // A page opened now shows the value now, from the stored last value, before the next reading.
      const fresh = await signedIn(OFFICER.secret);
      await fresh.locator(`.site-tile[data-site="${DEMO_SITE}"]`).click();
      await expect.poll(() => fresh.locator('li.alarm[data-alarm="live-yellow"] .alarm-value').textContent()).toMatch(/^23\.4 %LEL · 峰值 24 %LEL/);
      await page.goto(`${base}/#/alarms/live-yellow`);
      await expect.poll(async () => {
        await gas.send({ ch4: 23.9, co: 2 });
        return page.locator('#alarm-detail .detail-value').textContent();
      }, { timeout: 10_000, interval: 300 }).toBe('23.9 %LEL');
    });
    expect(errors).toEqual([]);
  });

  it('tells a silent detector as 数据中断 in seconds, with no gas unit', async () => {
    const co = await device(VAULT, 'co-01');
    await co.send({ co: 3 });
    const stale = await eventually(() => gateway.alarms.activeAlarms().find((a) => a.site === VAULT && a.ruleId === 'stale'), 10_000, 'stale alarm');
    const page = await signedIn(OFFICER.secret);
    await screenshotOnFailure(page, 'alarm-stale', async () => {
      const row = page.locator(`li.alarm[data-alarm="${stale.id}"]`);
      await row.waitFor();
      const text = (await row.textContent()) ?? '';
      expect(text).toContain('数据中断');
      expect(text).toMatch(/\d+ 秒/);
      expect(text).not.toMatch(GAS_UNIT);
      await page.goto(`${base}/#/alarms/${encodeURIComponent(stale.id)}`);
      const detail = page.locator('dialog#alarm-detail');
      await detail.locator(`.detail-head[data-alarm="${stale.id}"]`).waitFor();
      expect(await detail.textContent()).not.toMatch(GAS_UNIT);
      // The same on a phone, in English: the silence in seconds, the page no wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.locator('#lang-switch').evaluate((el) => (el as unknown as { click(): void }).click());
      await page.reload();
      await detail.locator(`.detail-head[data-alarm="${stale.id}"]`).waitFor();
      const english = (await detail.textContent()) ?? '';
      expect(english).toMatch(/No data: .* silent for \d+ s/);
      expect(english).not.toMatch(GAS_UNIT);
      expect(await page.evaluate('document.documentElement.scrollWidth <= document.documentElement.clientWidth')).toBe(true);
      await page.screenshot({ path: join(SHOTS, 'stale-phone-en.png') });
    });
  });

  it("renders the API's own alarm text when it carries one: its cause, its value's own unit, no live gas reading over it", async () => {
    // The gateway's answers, each alarm given the kind and text the contract adds (a silence of the
    // seeded red alarm's detector), as a gateway with per-kind texts sends them.
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    fx.defer(() => context.close());
    await context.route(/\/api\/v1\/alarms(\?|\/red-unacked$)/, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { alarms?: Record<string, unknown>[]; alarm?: Record<string, unknown> };
      const tell = (a: Record<string, unknown>) =>
        a.id === 'red-unacked'
          ? // Raised just now after 112 s of silence: the page counts an active silence on from there.
            Object.assign(a, { kind: 'stale', value: 112, raisedAtMs: Date.now(), text: { zh: { cause: '数据中断：甲烷探测器 gas-77 已 112 秒未上报', value: '112 秒', peak: null }, en: { cause: 'No data: methane detector gas-77 silent for 112 s', value: '112 s', peak: null } } })
          : a;
      body.alarms?.forEach(tell);
      if (body.alarm) tell(body.alarm);
      await route.fulfill({ response: res, json: body });
    });
    const page = await context.newPage();
    await page.goto(base);
    await page.locator('#token-input').fill(OFFICER.secret);
    await page.locator('#login-form button[type=submit]').click();
    await screenshotOnFailure(page, 'alarm-api-text', async () => {
      const row = page.locator('li.alarm[data-alarm="red-unacked"]');
      await row.waitFor();
      expect(await row.locator('.alarm-title').textContent()).toMatch(/数据中断：甲烷探测器 gas-77 已 11\d 秒未上报/);
      expect(await row.locator('.alarm-value').textContent()).toMatch(/^11\d 秒$/);
      expect(await row.textContent()).not.toMatch(GAS_UNIT);
      await page.goto(`${base}/#/alarms/red-unacked`);
      await page.locator('#alarm-detail .detail-head[data-alarm="red-unacked"]').waitFor();
      expect(await page.locator('#alarm-detail .detail-value').textContent()).toMatch(/^11\d 秒$/);
      expect(await page.locator('#alarm-detail').textContent()).not.toMatch(GAS_UNIT);
    });
  });

  it('acknowledges through a dialog with a note, which is kept on the alarm', async () => {
    const page = await signedIn(OFFICER.secret);
    await screenshotOnFailure(page, 'alarm-ack', async () => {
      await page.locator('li.alarm[data-alarm="orange-unacked"] [data-action="ack"]').click();
      const dialog = page.locator('#action-dialog');
      await dialog.waitFor({ state: 'visible' });
      expect(gateway.alarmRepo.get('orange-unacked')?.state).toBe('active_unacked'); // one click is not an acknowledgement
      await page.screenshot({ path: join(SHOTS, 'ack-dialog.png') });
      await dialog.locator('[name="note"]').fill('已电话通知店主关阀，派员到场');
      await dialog.locator('button[type=submit]').click();
      await expect.poll(() => gateway.alarmRepo.get('orange-unacked')?.state).toBe('active_acked');
      await page.goto(`${base}/#/alarms/orange-unacked`);
      const ackEvent = page.locator('#alarm-detail .alarm-event[data-kind="acked"]');
      await ackEvent.waitFor();
      expect(await ackEvent.textContent()).toContain('已电话通知店主关阀，派员到场');
      expect(await ackEvent.textContent()).toContain(OFFICER.name);

      // From the detail itself: the dialog opens over it, and the detail shows the new event.
      await page.goto(`${base}/#/alarms/cleared-1`);
      const detail = page.locator('#alarm-detail');
      await detail.locator('.detail-head[data-alarm="cleared-1"]').waitFor();
      await detail.locator('[data-action="ack"]').click();
      await dialog.waitFor({ state: 'visible' });
      await dialog.locator('button[type=submit]').click();
      await detail.locator('.alarm-event[data-kind="acked"]').waitFor();
      expect(gateway.alarmRepo.get('cleared-1')).toMatchObject({ state: 'cleared', ackedBy: OFFICER.name });
      expect(await detail.locator('[data-action="ack"]').count()).toBe(0);
    });
  });

  it('offers a viewer no move it cannot make', async () => {
    const page = await signedIn(VIEWER.secret);
    await screenshotOnFailure(page, 'alarm-viewer', async () => {
      expect(await page.locator('li.alarm').count()).toBeGreaterThan(0);
      expect(await page.locator('[data-action]').count()).toBe(0);
      await page.goto(`${base}/#/alarms/red-unacked`);
      await page.locator('#alarm-detail .detail-head').waitFor();
      expect(await page.locator('[data-action]').count()).toBe(0);
    });
  });

  it('fits the reservoir chart to its levels, with Chinese times, no English and no emoji on the page', async () => {
    const gauge = await device(RESERVOIR, 'gauge-01');
    const t0 = Date.now() - 20 * 60_000;
    for (let i = 0; i < 20; i++) await gauge.send({ level: 121 + i * 0.02 }, t0 + i * 60_000);
    const page = await signedIn(OFFICER.secret);
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'reservoir-chart', async () => {
      await page.locator(`.site-tile[data-site="${RESERVOIR}"]`).click();
      const chart = page.locator('#chart');
      await expect.poll(() => chart.getAttribute('data-points')).toBe('20');
      const [lo, hi] = ((await chart.getAttribute('data-y-range')) ?? '').split(',').map(Number);
      await chart.screenshot({ path: join(SHOTS, 'reservoir-chart.png') });
      expect(lo, `y range ${await chart.getAttribute('data-y-range')}, set points ${await chart.getAttribute('data-levels')}`).toBeGreaterThan(115); // today: 0
      expect(hi).toBeLessThan(130);
      expect(hi).toBeGreaterThanOrEqual(124.8);
      const ticks = (await chart.getAttribute('data-x-ticks')) ?? '';
      expect(ticks).toMatch(/^\d{2}:\d{2}/);
      expect(ticks).not.toMatch(/am|pm|\//i);
      const legend = (await page.locator('#chart .u-legend').textContent()) ?? '';
      expect(legend).toContain('时间');
      expect(legend).not.toContain('Time');
      await page.screenshot({ path: join(SHOTS, 'reservoir.png') });
      // A flood far above the set points squeezes them together: their labels still do not overlap.
      await gauge.send({ level: 150 });
      await expect.poll(async () => Number(((await chart.getAttribute('data-y-range')) ?? '').split(',')[1])).toBeGreaterThan(149);
      await expect
        .poll(async () => {
          const ys = ((await chart.getAttribute('data-label-ys')) ?? '').split(',').map(Number).sort((a, b) => a - b);
          return ys.length === 4 ? Math.min(...ys.slice(1).map((y, i) => y - ys[i]!)) : 0;
        })
        .toBeGreaterThanOrEqual(14.9);
      await chart.screenshot({ path: join(SHOTS, 'reservoir-flood-chart.png') });

      // The rise alarm's value is a rise per hour: the level readings must not replace it on its card.
      const rise = gateway.alarms.activeAlarms().find((a) => a.site === RESERVOIR && a.ruleId.endsWith('-rise'));
      if (rise) {
        await gauge.send({ level: 121.5 });
        const riseValue = page.locator(`li.alarm[data-alarm="${rise.id}"] .alarm-value`);
        await page.waitForTimeout(1_000);
        expect(await riseValue.getAttribute('data-live')).toBe('false');
        expect(await riseValue.textContent()).not.toContain('121.5');
      }

      // The kitchen's devices by their Chinese kinds; no raw config words or glyphs on the page.
      await page.locator(`.site-tile[data-site="${DEMO_SITE}"]`).click();
      await expect.poll(() => page.locator('li.device').count()).toBe(3);
      const body = (await page.locator('body').innerText()) ?? '';
      for (const word of ['探测器', '阀门', '风机']) expect(body).toContain(word);
      // The detector's last values, from the readings of the earlier cases.
      await expect.poll(() => page.locator('li.device[data-device="gas-01"] .device-value[data-channel="ch4"]').textContent()).toMatch(/^甲烷 23\.9 %LEL$/);
      for (const english of [/(^|\s)(detector|valve|fan)(\s|$)/m, /fan_on/, /(^|\s)close(\s|$)/m, /Time/, /\bRaised\b/]) {
        const at = body.search(english);
        expect(at, `"${english.source}" in …${body.slice(Math.max(0, at - 60), at + 60)}…`).toBe(-1);
      }
      expect(EMOJI.test(body)).toBe(false);
      await page.screenshot({ path: join(SHOTS, 'kitchen.png') });
    });
    expect(errors).toEqual([]);
  });
});
