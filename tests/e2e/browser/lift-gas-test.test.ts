// The lift dialog in a real browser (Debian chromium) against the real gateway: with the site's
// detector offline the lift is refused and the dialog says which detector is blind and that a
// manual gas test is needed; with the test filled in (who, instrument, reading, unit, time) the
// order is lifted, the banner goes, and the page says what the lift relied on.

import { beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { launchBrowser, pageErrors, screenshotOnFailure } from '../../support/browser.js';

type Gateway = RunningGateway;

const OFFICER = { name: 'duty-officer', secret: `sb_${randomBytes(32).toString('base64url')}` };
const ref = { site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId };

describe('the lift dialog asks for a manual gas test while a detector is blind', () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await fx.start({
      patch: (c) => {
        c.api = { ...c.api, bootstrapTokens: [{ name: OFFICER.name, role: 'officer', tokenHash: hashToken(OFFICER.secret) }] };
      },
    });
    browser = await launchBrowser();
    fx.defer(() => browser.close());
  });

  async function submitDialog(page: Page, fields: Record<string, string>): Promise<{ status: number; body: { message?: string } }> {
    const dialog = page.locator('#action-dialog');
    await dialog.waitFor({ state: 'visible' });
    for (const [name, value] of Object.entries(fields)) await dialog.locator(`[name="${name}"]`).fill(value);
    const [response] = await Promise.all([
      page.waitForResponse((r) => /\/orders\/[^/]+\/lift$/.test(new URL(r.url()).pathname) && r.request().method() === 'POST'),
      dialog.locator('button[type=submit]').click(),
    ]);
    return { status: response.status(), body: (await response.json()) as { message?: string } };
  }

  it('refuses the lift naming the offline detector, then lifts on the gas test and says so', async () => {
    // Red methane → an order; rectified and inspected by two people; the gas gone; then the detector's last will.
    const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    let seq = 1;
    const send = async (values: number[]) => {
      const t0 = Date.now() - values.length * 2000;
      for (const [i, ch4] of values.entries()) await device.publishAsync(gateway.topics.telemetry(ref), JSON.stringify({ ts: t0 + i * 2000, seq: seq++, readings: { ch4, co: 2 } }), { qos: 1 });
    };
    await send([1, 70, 70, 70]);
    const order = await eventually(() => gateway.interlock.activeOrder(DEMO_SITE), 5000, 'stop-work order');
    expect(gateway.interlock.recordRectification(order.id, '燃气维修工 李师傅', '更换软管')?.rejected).toBeUndefined();
    expect(gateway.interlock.recordInspection(order.id, '安全员 王工', '检漏合格')?.rejected).toBeUndefined();
    await send([1, 1, 1]);
    await eventually(() => gateway.alarms.activeLevels(DEMO_SITE).length === 0, 5000, 'methane cleared');
    await device.publishAsync(gateway.topics.status(ref), JSON.stringify({ state: 'offline' }), { qos: 1, retain: true });
    await device.endAsync();
    await eventually(() => gateway.alarms.activeAlarms().some((a) => a.ruleId === 'offline'), 5000, 'offline alarm');

    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    fx.defer(() => page.close());
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'lift-gas-test', async () => {
      await page.goto(`http://127.0.0.1:${gateway.apiPort}/`);
      await page.locator('#token-input').fill(OFFICER.secret);
      await page.locator('#login-form button[type=submit]').click();
      const banner = page.locator(`.order-banner[data-order="${order.id}"]`);
      await banner.waitFor();

      await banner.locator('[data-action="lift"]').click();
      // The dialog offers the gas test with its own heading, in Chinese on the Chinese page.
      expect(await page.locator('#action-dialog h3').textContent()).toBe('人工气体检测');
      const refused = await submitDialog(page, { note: '复工' });
      expect(refused.status).toBe(409);
      const error = page.locator('#action-dialog .dialog-error');
      await error.waitFor();
      const shown = (await error.textContent()) ?? '';
      expect(shown).toContain('gas-01');
      // Said in the page's language from the API's codes (it showed the API's English sentence).
      expect(shown).toContain('须填写人工气体检测');
      expect(shown).not.toMatch(/manual gas test|cannot lift/);
      expect(gateway.interlock.activeOrder(DEMO_SITE)?.id).toBe(order.id);

      const lifted = await submitDialog(page, { gasBy: '燃气检测员 陈工', gasInstrument: 'Dräger X-am 5000 ARFK-0231', gasReading: '0.5' });
      expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
      await banner.waitFor({ state: 'detached', timeout: 3_000 });
      const stored = gateway.orders.get(order.id)!;
      expect(stored).toMatchObject({ state: 'lifted', liftedBy: OFFICER.name, manualGasTest: { by: '燃气检测员 陈工', instrument: 'Dräger X-am 5000 ARFK-0231', reading: 0.5, unit: '%LEL' } });
      // The time defaults to now (to the minute, the browser's input has no seconds).
      expect(Math.abs(stored.manualGasTest!.atMs - Date.now())).toBeLessThan(2 * 60_000);
      const notice = page.locator('#notice');
      await notice.waitFor();
      expect(await notice.textContent()).toMatch(/^已凭人工气体检测解除：0\.5 %LEL，检测人 燃气检测员 陈工，仪器 Dräger X-am 5000 ARFK-0231/);

      // The red alarm's own page shows the order it raised, lifted on that gas test.
      const red = gateway.alarmRepo.list({ site: DEMO_SITE, limit: 20 }).find((a) => a.id === order.alarmId)!;
      await page.goto(`http://127.0.0.1:${gateway.apiPort}/#/alarms/${red.id}`);
      const gasLine = page.locator('dialog#alarm-detail .order-gas-test');
      await gasLine.waitFor({ timeout: 5_000 });
      expect(await gasLine.textContent()).toMatch(/^已凭人工气体检测解除：0\.5 %LEL，检测人 燃气检测员 陈工/);
    });
    expect(errors).toEqual([]);
  });
});
