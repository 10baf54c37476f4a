// The officers' page in a real browser (Debian chromium) against the real gateway: a kitchen leak
// driven by the simulators over MQTT turns the site red live, the duty officer acknowledges, the
// stop-work order cannot be lifted while red and the page shows why; once the gas has cleared, the
// duty officer records the rectification and a second officer on a phone the inspection (four
// eyes), the order is lifted and its banner goes. Both the duty-room screen and the phone render
// the grid without horizontal scrolling. Also: a viewer is offered no move, the language
// switch is remembered, a yellow alarm is shelved and unshelved, and only the page's files are served.

import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { createLeakRoom } from '../../../simulators/src/scenarios/restaurant-leak.js';
import { createGasDetector, type GasDetector } from '../../../simulators/src/devices/gas-detector.js';
import { createValve, type Valve } from '../../../simulators/src/devices/valve.js';
import { createFan, type Fan } from '../../../simulators/src/devices/fan.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { backgroundColor, chromiumMissing, countOverflowingRight, hasHorizontalScroll, launchBrowser, pageErrors, screenshotOnFailure } from '../../support/browser.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

const DUTY_ROOM = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const newSecret = (): string => `sb_${randomBytes(32).toString('base64url')}`;
const OFFICER = { name: 'duty-officer', secret: newSecret() };
// The inspection must be signed by someone other than the rectifier (gateway/src/orders/sign-off.ts).
const INSPECTOR = { name: 'site-inspector', secret: newSecret() };
const VIEWER = { name: 'district-viewer', secret: newSecret() };
const tile = `.site-tile[data-site="${DEMO_SITE}"]`;
const SECOND_SITE = 'kitchen-02';

const noChromium = chromiumMissing();
if (noChromium) console.warn(`dashboard page tests skipped: ${noChromium}`);

describe.skipIf(noChromium !== null)('dashboard page in a real browser against the real gateway', () => {
  // One gateway and one browser for the block: its tests walk through one story, in order.
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    gateway = await fx.start({
      patch: (c) => {
        const token = (o: { name: string; secret: string }, role: 'viewer' | 'officer') => ({ name: o.name, role, tokenHash: hashToken(o.secret) });
        c.api = { ...c.api, bootstrapTokens: [token(OFFICER, 'officer'), token(INSPECTOR, 'officer'), token(VIEWER, 'viewer')] };
        c.orders = { ackTimeoutMs: 5_000, maxAttempts: 3 };
        // A second kitchen with one detector (the demo detector's password), so the grid has two
        // sites and a yellow alarm there never touches the leak's devices.
        const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
        c.sites.push({ id: SECOND_SITE, name: '第二厨房 (second kitchen)', devices: [{ ...gas, id: 'gas-02' }] });
      },
    });
    expect(gateway.apiPort).toBeGreaterThan(0);
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser();
    fx.defer(() => browser.close());
  });

  async function startDevices(leakStopped: () => boolean): Promise<{ detector: GasDetector; valve: Valve; fan: Fan }> {
    const common = { url: gateway.url, topics: gateway.topics, site: DEMO_SITE };
    // Real actuators over MQTT: they confirm the order's commands, so no "unconfirmed" alarm
    // stands between the officer and the lift.
    const valve = createValve({ ...common, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] });
    const fan = createFan({ ...common, device: 'fan-01', password: DEMO_PASSWORDS['fan-01'] });
    // A fast leak (about 20 %LEL/s) and a fast clear. The room model is told of the closed valve
    // only once the test lets it (after the refused lift), so the red episode lasts as long as the
    // test needs it; then the leak stops and the gas decays. The page must follow both unreloaded.
    const room = createLeakRoom({ seed: 7, intervalMs: 100, normalSteps: 5, leakRateLelPerS: 20, decayHalfLifeS: 0.4, coRatePpmPerS: 0 });
    const detector = createGasDetector({
      ...common,
      device: 'gas-01',
      password: DEMO_PASSWORDS['gas-01'],
      intervalMs: room.options.intervalMs,
      source: () => {
        const { ch4, co } = room.step(leakStopped() && valve.state === 'closed');
        return { ch4, co };
      },
    });
    fx.defer(() => detector.stop(), () => valve.stop(), () => fan.stop());
    await valve.start();
    await fan.start();
    await detector.start();
    return { detector, valve, fan };
  }

  async function signIn(page: Page, secret: string): Promise<void> {
    await page.locator('#token-input').fill(secret);
    await page.locator('#login-form button[type=submit]').click();
    await page.locator(tile).waitFor();
  }

  /** Fills and submits the open action dialog; returns the API's answer to that submit. */
  async function submitDialog(page: Page, fields: Record<string, string>, path: RegExp): Promise<{ status: number; body: { message?: string } }> {
    const dialog = page.locator('#action-dialog');
    await dialog.waitFor({ state: 'visible' });
    for (const [name, value] of Object.entries(fields)) await dialog.locator(`[name="${name}"]`).fill(value);
    const [response] = await Promise.all([page.waitForResponse((r) => path.test(new URL(r.url()).pathname) && r.request().method() === 'POST'), dialog.locator('button[type=submit]').click()]);
    return { status: response.status(), body: (await response.json()) as { message?: string } };
  }

  it('serves the page and only the two uPlot files it loads, without a token', async () => {
    // Each body is read to the end: an unread one keeps its connection busy and the server's
    // close would wait for it.
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`);
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.text).toContain('js/main.js');
    for (const path of ['/js/main.js', '/styles.css', '/vendor/uplot/uPlot.esm.js', '/vendor/uplot/uPlot.min.css']) {
      expect((await get(path)).status, path).toBe(200);
    }
    // The rest of node_modules/uplot is not published, nor anything above the page's folder.
    expect((await get('/vendor/uplot/uPlot.cjs.js')).status).toBe(404);
    expect((await get('/vendor/uplot/../../package.json')).status).toBe(404);
    expect((await get('/api/v1/me')).status).toBe(401);
  });

  it('follows a leak live: red within seconds, acknowledge, lift refused while red, lifted after the steps', async () => {
    const page = await browser.newPage({ viewport: DUTY_ROOM });
    fx.defer(() => page.close());
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'leak', async () => {
      await page.goto(base);

      // Token entry: an unknown token is refused on the form, the officer's token gets in.
      await page.locator('#token-input').fill('sb_not-a-token');
      await page.locator('#login-form button[type=submit]').click();
      await expect.poll(() => page.locator('#login-error').textContent()).toMatch(/令牌无效/);
      await signIn(page, OFFICER.secret);
      expect(await page.locator('.site-tile').count()).toBe(2);
      await page.locator(tile).click(); // this kitchen's chart and readings
      await expect.poll(() => page.locator(tile).getAttribute('aria-pressed')).toBe('true');
      expect(await page.locator(tile).getAttribute('data-level')).toBe('none');
      expect(await page.locator('#whoami').textContent()).toContain(OFFICER.name);
      await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');

      let leakStopped = false;
      let redAtMs = 0;
      const offRed = gateway.events.on('alarm', ({ alarm }) => {
        if (alarm.level === 'red' && redAtMs === 0) redAtMs = Date.now();
      });
      fx.defer(offRed);
      const devices = await startDevices(() => leakStopped);
      await expect.poll(() => page.locator('li.device[data-device="gas-01"]').getAttribute('data-online')).toBe('true');

      // Red on the page within a few seconds of the gateway raising it, with its word, not colour alone.
      const red = await eventually(() => gateway.alarms.activeAlarms().find((a) => a.level === 'red' && a.channel === 'ch4'), 15_000, 'red methane alarm');
      await page.locator(`${tile}[data-level="red"]`).waitFor({ timeout: 3_000 });
      const shownAfterMs = Date.now() - redAtMs;
      expect(shownAfterMs).toBeLessThan(3_000);
      expect(await page.locator(`${tile} .site-level`).textContent()).toBe('红色 I级');
      await expect.poll(() => backgroundColor(page.locator(tile))).toBe('rgb(211, 47, 47)'); // #d32f2f
      const order = await eventually(() => gateway.interlock.activeOrder(DEMO_SITE), 5_000, 'stop-work order');
      const banner = page.locator(`.order-banner[data-order="${order.id}"]`);
      await banner.waitFor({ timeout: 3_000 });
      expect(await banner.textContent()).toContain('停产停工令');

      // The chart shows the detector's methane with the rule's four set points, and grows live.
      const chart = page.locator('#chart');
      await expect.poll(() => page.locator('#sensor-select').inputValue()).toBe('gas-01/ch4');
      await expect.poll(() => chart.getAttribute('data-levels')).toBe('blue:10,yellow:20,orange:25,red:50');
      const pointsNow = Number(await chart.getAttribute('data-points'));
      expect(pointsNow).toBeGreaterThan(0);
      await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 3_000 }).toBeGreaterThan(pointsNow);

      // Both viewports with the red banner and the alarm on screen: no horizontal scroll.
      const alarmRow = page.locator(`li.alarm[data-alarm="${red.id}"]`);
      await alarmRow.waitFor();
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.setViewportSize(PHONE);
      expect(await hasHorizontalScroll(page)).toBe(false);
      expect(await countOverflowingRight(page, '.site-tile, .order-banner, li.alarm')).toBe(0);
      await page.setViewportSize(DUTY_ROOM);

      // A viewer may watch but is offered no move (the API would refuse it). The English switch
      // is remembered across a reload.
      const viewerContext = await browser.newContext({ viewport: DUTY_ROOM });
      fx.defer(() => viewerContext.close());
      const viewer = await viewerContext.newPage();
      const viewerErrors = pageErrors(viewer);
      await screenshotOnFailure(viewer, 'leak-viewer', async () => {
        await viewer.goto(base);
        await signIn(viewer, VIEWER.secret);
        await viewer.locator(`li.alarm[data-alarm="${red.id}"]`).waitFor();
        expect(await viewer.locator('[data-action]').count()).toBe(0);
        expect(gateway.alarmRepo.get(red.id)?.state).toBe('active_unacked');
        await viewer.locator('#lang-switch').click();
        await viewer.reload();
        await viewer.locator(`${tile}[data-level="red"]`).waitFor();
        expect(await viewer.locator(`${tile} .site-level`).textContent()).toBe('Red I');
        expect(await viewer.locator('html').getAttribute('lang')).toBe('en');
      });
      expect(viewerErrors).toEqual([]);
      await viewerContext.close();

      // Acknowledge from the list, confirmed in its dialog; the gateway records who.
      await alarmRow.locator('[data-action="ack"]').click();
      expect((await submitDialog(page, {}, /\/alarms\/[^/]+\/ack$/)).status).toBe(200);
      await expect.poll(() => gateway.alarmRepo.get(red.id)?.state).toBe('active_acked');
      expect(gateway.alarmRepo.get(red.id)?.ackedBy).toBe(OFFICER.name);
      await expect.poll(() => alarmRow.getAttribute('data-state')).toBe('active_acked');

      // Lift while red: refused (409), the page says in Chinese what is still missing, the order stays.
      await banner.locator('[data-action="lift"]').click();
      const refused = await submitDialog(page, { note: '现场已通风' }, /\/orders\/[^/]+\/lift$/);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toMatch(/\bred\b/); // refused because of the red alarm, among what is missing
      const error = page.locator('#action-dialog .dialog-error');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/^暂不能解除：.*未登记整改.*未登记验收.*橙色或红色报警/);
      expect(gateway.interlock.activeOrder(DEMO_SITE)?.state).toBe('active');
      await page.locator('#action-dialog button[value="cancel"]').click();

      // The gas clears; the site leaves red on the page by itself.
      leakStopped = true;
      await eventually(() => gateway.alarmRepo.get(red.id)?.state === 'cleared', 15_000, 'red alarm cleared');
      await expect.poll(() => page.locator(tile).getAttribute('data-level'), { timeout: 5_000 }).not.toBe('red');

      // Close the red alarm with its rectification note (整改销号), from the cleared section.
      await page.locator('details.cleared-section summary').click();
      await alarmRow.locator('[data-action="close"]').click();
      const closed = await submitDialog(page, { note: '更换燃气软管，检漏合格' }, /\/alarms\/[^/]+\/close$/);
      expect(closed.status).toBe(200);
      await alarmRow.waitFor({ state: 'detached', timeout: 3_000 });

      // A second officer opens the page on a phone at the site; the duty officer records the
      // rectification and the phone offers the inspection as soon as that arrives over the stream.
      const phoneContext = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      fx.defer(() => phoneContext.close());
      const phone = await phoneContext.newPage();
      const phoneErrors = pageErrors(phone);
      const phoneBanner = phone.locator(`.order-banner[data-order="${order.id}"]`);
      await screenshotOnFailure(phone, 'leak-phone', async () => {
        await phone.goto(base);
        await signIn(phone, INSPECTOR.secret);
        await phoneBanner.waitFor();
        expect(await phoneBanner.locator('[data-action="inspection"]').count()).toBe(0); // nothing to inspect yet
        expect(await hasHorizontalScroll(phone)).toBe(false);
        expect(await countOverflowingRight(phone, '.site-tile, .order-banner')).toBe(0);
      });

      await banner.locator('[data-action="rectification"]').click();
      const rectified = await submitDialog(page, { note: '更换燃气软管，检漏合格' }, /\/orders\/[^/]+\/rectification$/);
      expect(rectified.status).toBe(200);
      await expect.poll(() => banner.locator('.order-step.done').count()).toBe(1);

      await screenshotOnFailure(phone, 'leak-phone', async () => {
        await phoneBanner.locator('[data-action="inspection"]').click({ timeout: 3_000 });
        const inspected = await submitDialog(phone, { note: '安全员现场验收合格' }, /\/orders\/[^/]+\/inspection$/);
        expect(inspected.status).toBe(200);
      });
      expect(gateway.orders.get(order.id)).toMatchObject({ rectifiedBy: OFFICER.name, inspectedBy: INSPECTOR.name });
      // The duty room sees the inspection without a reload.
      await expect.poll(() => banner.locator('.order-step.done').count()).toBe(2);

      await banner.locator('[data-action="lift"]').click();
      const lifted = await submitDialog(page, { note: '验收合格，恢复营业' }, /\/orders\/[^/]+\/lift$/);
      expect(lifted.status).toBe(200);
      await banner.waitFor({ state: 'detached', timeout: 3_000 });
      expect(gateway.orders.get(order.id)).toMatchObject({ state: 'lifted', liftedBy: OFFICER.name });
      await expect.poll(() => page.locator(`${tile} .site-order`).count(), { timeout: 3_000 }).toBe(0);
      await phoneBanner.waitFor({ state: 'detached', timeout: 3_000 });

      // The detector goes away (its retained offline status): the device list says so live.
      await devices.detector.stop();
      await expect.poll(() => page.locator('li.device[data-device="gas-01"]').getAttribute('data-online'), { timeout: 5_000 }).toBe('false');
      expect(errors).toEqual([]);
      expect(phoneErrors).toEqual([]);
    });
  });
  it('shelves a yellow alarm with a reason and a time, unshelves it, and lets it go once acknowledged', async () => {
    const page = await browser.newPage({ viewport: DUTY_ROOM });
    fx.defer(() => page.close());
    const device = await connectClient(gateway.url, deviceLogin(SECOND_SITE, 'gas-02', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => device.endAsync());
    const topic = gateway.topics.telemetry({ site: SECOND_SITE as never, device: 'gas-02' as never });
    let seq = 0;
    let tsMs = Date.now();
    // Readings one second apart in device time, sent at once: past the rule's 2 s on-delay quickly.
    const publish = async (ch4: number, count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        tsMs += 1000;
        await device.publishAsync(topic, JSON.stringify({ ts: tsMs, seq: ++seq, readings: { ch4, co: 3 } }), { qos: 1 });
      }
    };
    const secondTile = page.locator(`.site-tile[data-site="${SECOND_SITE}"]`);
    const errors = pageErrors(page);

    await screenshotOnFailure(page, 'shelve', async () => {
      await page.goto(base);
      await signIn(page, OFFICER.secret);
      await publish(22, 4); // kitchen methane rule: yellow at 20 %LEL
      const yellow = await eventually(() => gateway.alarms.activeAlarms().find((a) => a.site === SECOND_SITE && a.level === 'yellow'), 5_000, 'yellow alarm');
      await expect.poll(() => secondTile.getAttribute('data-level')).toBe('yellow');
      expect(await secondTile.locator('.site-level').textContent()).toBe('黄色 III级');
      await expect.poll(() => backgroundColor(secondTile)).toBe('rgb(245, 196, 0)'); // #f5c400
      const row = page.locator(`li.alarm[data-alarm="${yellow.id}"]`);
      expect(await row.locator('.alarm-value').textContent()).toMatch(/^22 %LEL/);

      await row.locator('[data-action="shelve"]').click();
      const shelved = await submitDialog(page, { reason: '探头校准中', minutes: '30' }, /\/alarms\/[^/]+\/shelve$/);
      expect(shelved.status).toBe(200);
      const until = gateway.alarmRepo.get(yellow.id)?.shelvedUntilMs ?? 0;
      expect(Math.abs(until - (Date.now() + 30 * 60_000))).toBeLessThan(60_000);
      await row.locator('[data-action="unshelve"]').waitFor();
      expect(await row.textContent()).toContain('已搁置至');

      await row.locator('[data-action="unshelve"]').click();
      await expect.poll(() => gateway.alarmRepo.get(yellow.id)?.shelvedUntilMs ?? null).toBeNull();
      await row.locator('[data-action="shelve"]').waitFor();

      // Clean air: the alarm clears but stays on the list until someone acknowledges it.
      await publish(2, 4);
      await expect.poll(() => row.getAttribute('data-state'), { timeout: 5_000 }).toBe('cleared_unacked');
      await expect.poll(() => secondTile.getAttribute('data-level')).toBe('none');
      await page.locator('details.cleared-section summary').click(); // cleared alarms wait there
      await row.locator('[data-action="ack"]').click();
      expect((await submitDialog(page, {}, /\/alarms\/[^/]+\/ack$/)).status).toBe(200);
      await row.waitFor({ state: 'detached', timeout: 3_000 });
      expect(gateway.alarmRepo.get(yellow.id)).toMatchObject({ state: 'cleared', ackedBy: OFFICER.name });
      expect(errors).toEqual([]);
    });
  });
});
