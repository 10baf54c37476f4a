// An admin changes a site from the page, in Chromium against the real gateway: edits its contact,
// phone, region and organisation; adds a detector, whose secret is shown once with its warning,
// copy and CSV download, the dialog not closing on Escape before it is saved, and the secret gone
// from the page after; the secret then logs the device in over MQTT (mqtt.js, signed login); and the
// device is removed after a confirmation. Screenshots in test-results/site-admin/.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { deriveLoginKey, signLogin } from '../../../broker/src/signed-login.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DEMO_SITE } from '../../../gateway/src/config/demo.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient } from '../../support/mqtt.js';
import { chromiumMissing, countOverflowingRight, hasHorizontalScroll, launchBrowser, newOfficer, openAsOfficer, RESULTS_DIR, screenshotOnFailure } from '../../support/browser.js';

const ADMIN = newOfficer('admin Wang');
const OFFICER = newOfficer('officer Li');
const SHOTS = join(RESULTS_DIR, 'site-admin');
const by = { actor: 'test', atMs: Date.now() };
const missing = chromiumMissing();

describe.skipIf(missing !== null)(`an admin edits a site from the page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway(
      testConfig(fx.dataDir(), (c) => void (c.api = { ...c.api, bootstrapTokens: [
        { name: ADMIN.name, role: 'admin', tokenHash: hashToken(ADMIN.secret) },
        { name: OFFICER.name, role: 'officer', tokenHash: hashToken(OFFICER.secret) },
      ] })),
    );
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    gateway.fleet!.putRegion({ id: 'hb', name: '湖北省', level: 'province' }, by);
    gateway.fleet!.putRegion({ id: 'ja', name: '江岸区', level: 'county', parent: 'hb' }, by);
    gateway.fleet!.putOrganisation({ id: 'whgas', name: '武汉燃气' }, by);
    browser = await launchBrowser(fx.defer);
  });

  it('edits the site, adds a detector whose secret is shown once and logs it in, then removes it', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, ADMIN, base);
    await screenshotOnFailure(page, 'site-admin', async () => {
      // ---- the site's own fields
      await page.locator('#devices li[data-device="gas-01"]').waitFor();
      await page.locator('.site-admin-edit').click();
      const form = page.locator('form[data-action="edit-site"]');
      await form.waitFor();
      // The demo site is the config file's: the form says an edit lasts until the file is applied again.
      expect(await form.locator('.dialog-intro').textContent()).toMatch(/配置文件.*覆盖/);
      await form.locator('[name=contact]').fill('王师傅');
      await form.locator('[name=contactPhone]').fill('13800000000');
      await form.locator('[name=region]').selectOption('ja');
      await form.locator('[name=org]').selectOption('whgas');
      await page.screenshot({ path: join(SHOTS, 'edit-site.png') });
      await form.locator('button[type=submit]').click();
      await expect.poll(() => gateway.fleet!.site(DEMO_SITE)?.contactPhone).toBe('13800000000');
      expect(gateway.fleet!.site(DEMO_SITE)).toMatchObject({ contact: '王师傅', region: 'ja', org: 'whgas' });
      // The other fields and the devices stayed.
      expect(gateway.fleet!.site(DEMO_SITE)!.devices.map((d) => d.id)).toEqual(['gas-01', 'valve-01', 'fan-01']);
      expect(await page.locator('.site-admin-status').textContent()).toMatch(/已保存/);

      // ---- a new detector and its secret, shown once
      await page.locator('.site-admin-add').click();
      const add = page.locator('form[data-action="add-device"]');
      await add.locator('[name=id]').fill('gas-02');
      // CJJ/T 146-2011: the replacement day follows the kind (detector 3 years, valve 10) and the
      // install day until typed over; the gas is asked for a detector only.
      await add.locator('[name=installedOn]').fill('2026-03-01');
      await add.locator('[name=installedOn]').dispatchEvent('change');
      expect(await add.locator('[name=replaceBy]').inputValue()).toBe('2029-03-01');
      await add.locator('[name=kind]').selectOption('valve');
      expect(await add.locator('[name=replaceBy]').inputValue()).toBe('2036-03-01');
      expect(await add.locator('[name=quantity]').isVisible()).toBe(false);
      await add.locator('[name=kind]').selectOption('detector');
      expect(await add.locator('[name=quantity]').isVisible()).toBe(true);
      await add.locator('[name=replaceBy]').fill('2029-12-01');
      await add.locator('button[type=submit]').click();
      const dialog = page.locator('dialog.secret-once');
      await dialog.waitFor();
      expect(await dialog.locator('.secret-warning').textContent()).toMatch(/只显示这一次/);
      const secret = (await dialog.locator('.secret-value').textContent())!.trim();
      const username = (await dialog.locator('.secret-username').textContent())!.trim();
      expect(username).toBe(`${DEMO_SITE}/gas-02`);
      expect(secret).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4})+$/);
      await page.screenshot({ path: join(SHOTS, 'secret-once.png') });
      // Not closed by Escape, nor closable, before the secret is kept somewhere.
      expect(await dialog.locator('.secret-close').isDisabled()).toBe(true);
      await page.keyboard.press('Escape');
      expect(await dialog.isVisible()).toBe(true);
      const [download] = await Promise.all([page.waitForEvent('download'), dialog.locator('.secret-download').click()]);
      const file = join(SHOTS, 'secret.csv');
      await download.saveAs(file);
      expect(readFileSync(file, 'utf8')).toBe(`\uFEFFsite,device,username,secret\r\n${DEMO_SITE},gas-02,${username},${secret}\r\n`);
      await dialog.locator('.secret-close').click();
      await expect.poll(() => page.locator('dialog.secret-once').count()).toBe(0);
      expect(await page.content()).not.toContain(secret);
      await page.locator('#devices li[data-device="gas-02"]').waitFor();
      expect(gateway.fleet!.device(DEMO_SITE, 'gas-02')).toMatchObject({ kind: 'detector', auth: 'signed', replaceBy: '2029-12-01' });

      // ---- the secret logs the device in (mqtt.js, signed login)
      const loginKey = deriveLoginKey(secret, username);
      const login = () => ({ username, clientId: `${DEMO_SITE}-gas-02`, password: signLogin({ loginKey, username, clientId: `${DEMO_SITE}-gas-02`, atMs: Date.now() }) });
      // The gateway's own broker follows the registry: no restart between the page and the login.
      const url = gateway.url;
      const device = await eventually(() => connectClient(url, login()).catch(() => undefined), 2000, 'the new device to log in with the secret shown');
      expect(device.connected).toBe(true);
      device.end(true);
      await expect(connectClient(url, { ...login(), password: signLogin({ loginKey: deriveLoginKey('WRONG-SECRET', username), username, clientId: `${DEMO_SITE}-gas-02`, atMs: Date.now() }) })).rejects.toThrow();

      // ---- removed after a confirmation
      await page.locator('.device-remove[data-device="gas-02"]').click();
      const confirm = page.locator('form[data-action="remove-device"]');
      expect(await confirm.textContent()).toMatch(/不再被监测/);
      await page.screenshot({ path: join(SHOTS, 'remove-device.png') });
      await confirm.locator('button[type=submit]').click();
      await expect.poll(() => gateway.fleet!.device(DEMO_SITE, 'gas-02')).toBeUndefined();
      await expect.poll(() => page.locator('#devices li[data-device="gas-02"]').count()).toBe(0);
      // Removed means refused: the same secret no longer logs in.
      await expect(connectClient(url, login())).rejects.toThrow();
    });
    expect(errors).toEqual([]);
  });

  it('an officer sees no edit, add or remove buttons', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, base);
    await screenshotOnFailure(page, 'site-admin-officer', async () => {
      await page.locator('#devices li[data-device="gas-01"]').waitFor();
      expect(await page.locator('.site-admin-edit, .site-admin-add, .device-remove').count()).toBe(0);
    });
    expect(errors).toEqual([]);
  });

  it('on a phone the secret fits the screen, nothing reaching past its edge', async () => {
    const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
    const { page, errors } = await openAsOfficer(browser, fx.defer, ADMIN, base, phone);
    await screenshotOnFailure(page, 'site-admin-phone', async () => {
      await page.locator('#devices li[data-device="gas-01"]').waitFor();
      await page.locator('.site-admin-add').click();
      const add = page.locator('form[data-action="add-device"]');
      await add.locator('[name=id]').fill('gas-03');
      await add.locator('button[type=submit]').click();
      const dialog = page.locator('dialog.secret-once');
      await dialog.waitFor();
      expect(await countOverflowingRight(page, 'dialog.secret-once, dialog.secret-once *')).toBe(0);
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.screenshot({ path: join(SHOTS, 'secret-once-phone.png') });
      await dialog.locator('.secret-saved').check();
      await dialog.locator('.secret-close').click();
      await expect.poll(() => page.locator('dialog.secret-once').count()).toBe(0);
    });
    expect(errors).toEqual([]);
  });
});
