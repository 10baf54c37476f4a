// The page's login in Chromium against the real gateway: a name-and-password form in Chinese above
// the token form; a wrong password said plainly, the lock after five said as 账户已锁定，请 N 分钟后再试;
// a good login opens the dashboard under the user's name and role; logout ends the session on the
// server and brings the form back; an expired session (the gateway's clock moved past the idle
// limit) returns to the form with 会话已过期; a site owner sees 确认 on its alarm.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../../../broker/src/auth.js';
import { UserStore } from '../../../dashboard-api/src/users/user-store.js';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { publishRedMethane, useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { chromiumMissing, DESKTOP_ZH, launchBrowser, pageErrors, screenshotOnFailure } from '../../support/browser.js';

const missing = chromiumMissing();
if (missing) console.warn(`login page tests skipped: ${missing}`);

const PASSWORD = 'duty-room-2024';

describe.skipIf(missing !== null)('logging in on the page', () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let g: RunningGateway;
  let browser: Browser;
  let base: string;
  let offsetMs = 0;

  beforeAll(async () => {
    // The live stream's bearer is checked again every second (api.streamPingS) rather than every 15.
    g = await fx.start({ clock: () => Date.now() + offsetMs, patch: (c) => void (c.api = { ...c.api, streamPingS: 1 }) });
    const users = new UserStore(g.stateDb);
    const hash = await hashPassword(PASSWORD);
    users.create({ name: 'li.wei', displayName: '李伟', passwordHash: hash, role: 'officer', scope: { kind: 'all' } }, 'test');
    users.create({ name: 'wang', displayName: '王芳', passwordHash: hash, role: 'officer', scope: { kind: 'all' } }, 'test');
    users.create({ name: 'owner.liu', displayName: '刘老板', passwordHash: hash, role: 'owner', scope: { kind: 'site', site: DEMO_SITE } }, 'test');
    base = `http://127.0.0.1:${g.apiPort}/`;
    browser = await launchBrowser(fx.defer);
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const context = await browser.newContext(DESKTOP_ZH);
    fx.defer(() => context.close());
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(base);
    return { page, errors };
  }

  async function logIn(page: Page, name: string, password: string): Promise<void> {
    await page.locator('#login-name').fill(name);
    await page.locator('#login-password').fill(password);
    await page.locator('#password-form button[type=submit]').click();
  }

  it('shows the name-and-password form in Chinese above the token form, and locks after five wrong passwords', async () => {
    const { page, errors } = await open();
    await screenshotOnFailure(page, 'login-lock', async () => {
      const form = page.locator('#password-form');
      await expect.poll(() => form.isVisible()).toBe(true);
      expect(await form.locator('label').allInnerTexts()).toEqual(['用户名', '密码']);
      expect(await form.locator('button').innerText()).toBe('登录');
      // The token form is still there, after the password form.
      expect(await page.locator('#login > form').evaluateAll((forms) => forms.map((f) => f.id))).toEqual(['password-form', 'login-form']);

      await logIn(page, 'wang', 'wrong password 1');
      await expect.poll(() => page.locator('#password-error').innerText()).toBe('用户名或密码错误。');
      for (let i = 2; i <= 5; i++) await logIn(page, 'wang', `wrong password ${i}`);
      await expect.poll(() => page.locator('#password-error').innerText()).toBe('账户已锁定，请 15 分钟后再试（或请管理员解锁）');
      // The right password while locked: still locked, the dashboard stays closed.
      await logIn(page, 'wang', PASSWORD);
      await expect.poll(() => page.locator('#password-error').innerText()).toMatch(/^账户已锁定，请 15 分钟后再试/);
      expect(await page.locator('#dashboard').isVisible()).toBe(false);
    });
    expect(errors).toEqual([]);
  });

  it('opens the dashboard as the user, and logout ends the session on the server', async () => {
    const { page, errors } = await open();
    await screenshotOnFailure(page, 'login-logout', async () => {
      await logIn(page, 'li.wei', PASSWORD);
      await expect.poll(() => page.locator('#dashboard').isVisible()).toBe(true);
      await expect.poll(() => page.locator('#whoami').innerText()).toBe('li.wei · 值班员');
      const token = await page.evaluate(() => localStorage.getItem('shaobing.token'));
      expect(token).toMatch(/^ss_/);
      expect((await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

      await page.locator('#logout').click();
      await expect.poll(() => page.locator('#password-form').isVisible()).toBe(true);
      expect(await page.evaluate(() => localStorage.getItem('shaobing.token'))).toBeNull();
      await eventually(async () => (await g.api!.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode === 401, 5000, 'the session ended on the server');
    });
    expect(errors).toEqual([]);
  });

  it('returns to the login form saying the session expired once it has been idle too long', async () => {
    const { page, errors } = await open();
    await screenshotOnFailure(page, 'login-expired', async () => {
      await logIn(page, 'li.wei', PASSWORD);
      await expect.poll(() => page.locator('#dashboard').isVisible()).toBe(true);
      offsetMs += 31 * 60_000; // api.sessions.idleMinutes is 30
      try {
        await page.reload();
        await expect.poll(() => page.locator('#password-form').isVisible()).toBe(true);
        await expect.poll(() => page.locator('#password-error').innerText()).toBe('会话已过期，请重新登录。');
        expect(await page.locator('#dashboard').isVisible()).toBe(false);
      } finally {
        offsetMs = 0;
      }
    });
    expect(errors).toEqual([]);
  });

  it('returns an open page to the login form when an admin disables the user', async () => {
    const users = new UserStore(g.stateDb);
    users.create({ name: 'zhao', displayName: '赵磊', passwordHash: await hashPassword(PASSWORD), role: 'officer', scope: { kind: 'all' } }, 'test');
    const { page, errors } = await open();
    await screenshotOnFailure(page, 'login-disabled', async () => {
      await logIn(page, 'zhao', PASSWORD);
      await expect.poll(() => page.locator('#dashboard').isVisible()).toBe(true);
      await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
      users.update('zhao', { disabled: true });
      // The stream is ended at its next check; its reconnect is refused and the page asks who it is.
      await expect.poll(() => page.locator('#password-error').innerText(), { timeout: 15_000 }).toBe('账户已停用，请联系管理员。');
      expect(await page.locator('#dashboard').isVisible()).toBe(false);
    });
    expect(errors).toEqual([]);
  });

  it('offers a site owner the acknowledge button on its alarm, and no shelve', async () => {
    await publishRedMethane(g);
    await eventually(() => g.alarms.activeAlarms().find((a) => a.site === DEMO_SITE && a.state === 'active_unacked'), 5000, 'a red alarm');
    const { page, errors } = await open();
    await screenshotOnFailure(page, 'login-owner', async () => {
      await logIn(page, 'owner.liu', PASSWORD);
      await expect.poll(() => page.locator('#whoami').innerText()).toBe('owner.liu · 场所负责人');
      const row = page.locator('#alarms li.alarm').first();
      await expect.poll(() => row.locator('button[data-action=ack]').count()).toBe(1);
      expect(await row.locator('button[data-action=shelve]').count()).toBe(0);
    });
    expect(errors).toEqual([]);
  });
});
