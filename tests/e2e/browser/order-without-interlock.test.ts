// The order banner of a site with no valve or fan: the gateway confirms such an order at once
// (nothing to wait for), and the page said "联动设备已确认到位", something closed where nothing
// exists. It says people must act by hand.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { chromiumMissing, launchBrowser, screenshotOnFailure } from '../../support/browser.js';

const missing = chromiumMissing();
const OFFICER = { name: 'duty-officer', secret: `sb_${randomBytes(32).toString('base64url')}` };

describe.skipIf(missing !== null)(`order banner without an interlock${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const cleanups: (() => unknown)[] = [];
  let browser: Browser;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    gateway = await startTestGateway(
      testConfig(dir.path, (c) => {
        c.sites[0]!.devices = c.sites[0]!.devices.filter((d) => d.kind === 'detector');
        c.api = { ...c.api, bootstrapTokens: [{ name: OFFICER.name, role: 'officer', tokenHash: hashToken(OFFICER.secret) }] };
      }),
    );
    cleanups.push(() => gateway.stop());
    const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
    await device.endAsync();
    browser = await launchBrowser();
    cleanups.push(() => browser.close());
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('says the order must be carried out by hand, not that an interlock confirmed', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.addInitScript((token) => localStorage.setItem('shaobing.token', token), OFFICER.secret);
    await page.goto(`http://127.0.0.1:${gateway.apiPort}/`);
    await screenshotOnFailure(page, 'order-without-interlock', async () => {
      const banner = page.locator('#orders .order-banner').first();
      await banner.waitFor();
      const text = (await banner.textContent()) ?? '';
      expect(text).toContain('本场所未配置联动设备：须人工处置（撤离人员、关断气源）');
      expect(text).not.toContain('已确认到位');
    });
  });

  it('says why a lift is refused in Chinese, from the codes the API gives beside its English message', async () => {
    const res = await fetch(`http://127.0.0.1:${gateway.apiPort}/api/v1/orders?state=active`, { headers: { authorization: `Bearer ${OFFICER.secret}` } });
    const { orders } = (await res.json()) as { orders: { id: string }[] };
    const refused = await fetch(`http://127.0.0.1:${gateway.apiPort}/api/v1/orders/${orders[0]!.id}/lift`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OFFICER.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: '已通风' }),
    });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { missing?: string[] }).missing).toEqual(['rectification', 'inspection', 'alarms_cleared']);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.addInitScript((token) => localStorage.setItem('shaobing.token', token), OFFICER.secret);
    await page.goto(`http://127.0.0.1:${gateway.apiPort}/`);
    await screenshotOnFailure(page, 'lift-refused-words', async () => {
      await page.locator('#orders .order-banner button[data-action="lift"]').first().click();
      const dialog = page.locator('dialog[open]').last();
      await dialog.locator('textarea').first().fill('已通风');
      await dialog.getByRole('button', { name: '提交' }).click();
      const said = dialog.getByText('暂不能解除');
      await said.waitFor();
      expect(await said.textContent()).toBe('暂不能解除：未登记整改；未登记验收；场所仍有橙色或红色报警未消除');
      expect(await dialog.textContent()).not.toMatch(/cannot lift|not recorded|active alarms/);
    });
  });
});
