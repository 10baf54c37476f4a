// The order banner of a site with no valve or fan: the gateway confirms such an order at once
// (nothing to wait for), and the page said "联动设备已确认到位", something closed where nothing
// exists. It says people must act by hand.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { detectorsOnly, publishRedMethane, type RunningGateway, useGatewayFixture } from '../../support/fixture.js';
import { chromiumMissing, launchBrowser, newOfficer, openAsOfficer, screenshotOnFailure, withOfficer } from '../../support/browser.js';

const missing = chromiumMissing();
const OFFICER = newOfficer();

describe.skipIf(missing !== null)(`order banner without an interlock${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let browser: Browser;
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await fx.start({
      patch: (c) => {
        detectorsOnly(c);
        withOfficer(OFFICER)(c);
      },
    });
    await publishRedMethane(gateway);
    browser = await launchBrowser(fx.defer);
  }, 60_000);

  it('says the order must be carried out by hand, not that an interlock confirmed', async () => {
    const { page } = await openAsOfficer(browser, fx.defer, OFFICER, `http://127.0.0.1:${gateway.apiPort}/`);
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

    const { page } = await openAsOfficer(browser, fx.defer, OFFICER, `http://127.0.0.1:${gateway.apiPort}/`);
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
