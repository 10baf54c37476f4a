// The admin panel in Chromium against the real gateway: an admin of the whole fleet creates an
// officer scoped to county A from the page (the scope offered from the region the tree selected),
// adds, renames and removes a region under it, is told in Chinese why a region still in use cannot
// be removed, unlocks the officer after five wrong passwords and disables another account; the
// officer then logs in with the page's own password form and sees county A's kitchen only.
// Screenshots in test-results/users-admin/.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { REGION_A, SITE_A, SITE_B, twoCounties } from '../../support/regions.js';
import { chromiumMissing, DESKTOP_ZH, hasHorizontalScroll, launchBrowser, newOfficer, openAsOfficer, pageErrors, RESULTS_DIR, screenshotOnFailure } from '../../support/browser.js';

const ADMIN = newOfficer('admin Zhao');
const SHOTS = join(RESULTS_DIR, 'users-admin');
const PASSWORD = 'jianghan-duty-2026';
const missing = chromiumMissing();

describe.skipIf(missing !== null)(`users and regions edited from the page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway(
      testConfig(fx.dataDir(), (c) => {
        twoCounties(c);
        c.api = { ...c.api, bootstrapTokens: [{ name: ADMIN.name, role: 'admin', tokenHash: hashToken(ADMIN.secret) }] };
      }),
    );
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser(fx.defer);
  });

  const userRow = (page: Page, name: string) => page.locator(`table.users tr[data-user="${name}"]`);
  const submit = (page: Page, action: string) => page.locator(`form[data-action="${action}"] button[type=submit]`).click();

  async function createUser(page: Page, fields: { name: string; displayName: string; role?: string; scope?: string; site?: string }): Promise<void> {
    await page.locator('.user-new').click();
    const form = page.locator('form[data-action="create-user"]');
    await form.locator('[name=name]').fill(fields.name);
    await form.locator('[name=displayName]').fill(fields.displayName);
    if (fields.role) await form.locator('[name=role]').selectOption(fields.role);
    if (fields.scope) await form.locator('[name=scope]').selectOption(fields.scope);
    if (fields.site) await form.locator('[name=site]').fill(fields.site);
    await form.locator('[name=password]').fill(PASSWORD);
    await submit(page, 'create-user');
    await userRow(page, fields.name).waitFor();
  }

  /** Five wrong passwords lock an account (the login route's limit): the fifth answers 423 Locked. */
  async function lockOut(name: string): Promise<void> {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password: `wrong password ${i}` }) });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
  }

  it('an admin creates an officer for county A, who logs in with the form and sees county A only', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, ADMIN, base);
    await screenshotOnFailure(page, 'users-admin', async () => {
      const panel = page.locator('#admin');
      await expect.poll(() => panel.isVisible()).toBe(true);
      expect(await panel.locator('h2').innerText()).toBe('系统管理');

      // ---- county A picked in the tree: the editor and the new user's scope follow it
      await page.locator(`.region-pick[data-region="${REGION_A}"]`).click();
      await expect.poll(() => panel.locator('.region-admin-selected').innerText()).toBe(`所选区域：江汉区（${REGION_A}）`);
      await page.locator('.user-new').click();
      const form = page.locator('form[data-action="create-user"]');
      expect(await form.locator('[name=scope]').inputValue()).toBe(`region:${REGION_A}`);
      expect(await form.locator('[name=role]').inputValue()).toBe('officer');
      // The site box is for a one-site scope only.
      expect(await form.locator('[name=site]').isVisible()).toBe(false);
      await form.locator('[name=displayName]').fill('李明');
      // What the API refuses keeps the dialog open with each reason, in Chinese.
      await form.locator('[name=name]').fill('-li');
      await form.locator('[name=password]').fill('short');
      await submit(page, 'create-user');
      await expect.poll(() => form.locator('.dialog-error').innerText()).toBe('操作被拒绝：登录名只能用字母、数字及 . _ - @，以字母或数字开头，最多 64 位；初始密码至少 8 位');
      await form.locator('[name=name]').fill('li.ming');
      await form.locator('[name=password]').fill(PASSWORD);
      await page.screenshot({ path: join(SHOTS, 'create-user.png') });
      await submit(page, 'create-user');
      await userRow(page, 'li.ming').waitFor();
      expect(await userRow(page, 'li.ming').locator('td').allInnerTexts()).toEqual(['li.ming', '李明', '值班员', '区域：江汉区', '正常', '停用']);
      expect(await panel.locator('.admin-users .admin-status').innerText()).toMatch(/li\.ming 已创建/);
      const made = await apiGet<{ users: { name: string; role: string; scope: unknown }[] }>('/users');
      expect(made.users.find((u) => u.name === 'li.ming')).toMatchObject({ role: 'officer', scope: { kind: 'regions', regions: [REGION_A] } });

      // ---- locked out by five wrong passwords, unlocked from the page
      await lockOut('li.ming');
      await page.reload();
      await userRow(page, 'li.ming').waitFor();
      expect(await userRow(page, 'li.ming').getAttribute('data-state')).toBe('locked');
      expect(await userRow(page, 'li.ming').locator('.user-state').innerText()).toBe('已锁定');
      await userRow(page, 'li.ming').locator('.user-unlock').click();
      await expect.poll(() => userRow(page, 'li.ming').getAttribute('data-state')).toBe('active');
      expect(await userRow(page, 'li.ming').locator('.user-unlock').count()).toBe(0);

      // ---- another account disabled after a confirmation
      // A name taken (in another case) is said in Chinese, the dialog kept open.
      await page.locator('.user-new').click();
      const again = page.locator('form[data-action="create-user"]');
      await again.locator('[name=name]').fill('Li.Ming');
      await again.locator('[name=displayName]').fill('李明二');
      await again.locator('[name=password]').fill(PASSWORD);
      await submit(page, 'create-user');
      await expect.poll(() => again.locator('.dialog-error').innerText()).toBe('操作被拒绝：登录名 Li.Ming 已被使用（不区分大小写）');
      await again.locator('button[value=cancel]').click();
      await createUser(page, { name: 'wang.fang', displayName: '王芳', role: 'owner', scope: 'site', site: SITE_B });
      expect(await userRow(page, 'wang.fang').locator('.user-scope').innerText()).toBe(`场所：${SITE_B}`);
      await userRow(page, 'wang.fang').locator('.user-disable').click();
      expect(await page.locator('form[data-action="disable-user"]').innerText()).toMatch(/立即退出登录/);
      await submit(page, 'disable-user');
      await expect.poll(() => userRow(page, 'wang.fang').getAttribute('data-state')).toBe('disabled');
      const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'wang.fang', password: PASSWORD }) });
      expect(login.status).toBe(403); // a disabled account, said apart from a wrong password
      await page.screenshot({ path: join(SHOTS, 'users.png'), fullPage: true });
      await panel.screenshot({ path: join(SHOTS, 'admin-panel.png') });
    });
    expect(errors).toEqual([]);

    // ---- the officer logs in with the page's own form: county A's kitchen, not county B's
    const context = await browser.newContext(DESKTOP_ZH);
    fx.defer(() => context.close());
    const officer = await context.newPage();
    const officerErrors = pageErrors(officer);
    await officer.goto(base);
    await screenshotOnFailure(officer, 'users-admin-officer', async () => {
      await officer.locator('#login-name').fill('li.ming');
      await officer.locator('#login-password').fill(PASSWORD);
      await officer.locator('#password-form button[type=submit]').click();
      await expect.poll(() => officer.locator('#dashboard').isVisible()).toBe(true);
      await officer.locator(`#site-cards .site-tile[data-site="${SITE_A}"]`).waitFor();
      const sites = await officer.locator('#site-cards .site-tile').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { site: string } }).dataset.site));
      expect(sites).toEqual([SITE_A]);
      expect(await officer.locator('#whoami').innerText()).toMatch(/li\.ming · 值班员/);
      // Not an admin: no panel, and the tree starts at county A.
      expect(await officer.locator('#admin').isVisible()).toBe(false);
      expect(await officer.locator('.region-pick[data-region="county-b"]').count()).toBe(0);
      await officer.screenshot({ path: join(SHOTS, 'officer-county-a.png') });
    });
    expect(officerErrors).toEqual([]);
  });

  it('adds, renames and removes a region, and says in Chinese why one in use stays', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, ADMIN, base);
    await screenshotOnFailure(page, 'users-admin-regions', async () => {
      const panel = page.locator('#admin');
      await page.locator(`.region-pick[data-region="${REGION_A}"]`).click();
      await expect.poll(() => panel.locator('.region-admin-selected').innerText()).toMatch(/江汉区/);

      // ---- a child region under county A: a town by default
      await panel.locator('.region-add').click();
      const add = page.locator('form[data-action="add-region"]');
      expect(await add.locator('h2').innerText()).toBe('在 江汉区 下添加区域');
      expect(await add.locator('[name=level]').inputValue()).toBe('town');
      // An id the tree already has would rename that region: refused before asking the API.
      await add.locator('[name=id]').fill('town-a1');
      await add.locator('[name=name]').fill('新街道');
      await submit(page, 'add-region');
      await expect.poll(() => add.locator('.dialog-error').innerText()).toMatch(/town-a1 已被区域 唐家墩街道 使用/);
      expect(gateway.fleet!.regions().find((r) => r.id === 'town-a1')?.name).toBe('唐家墩街道');
      await add.locator('[name=id]').fill('town-a9');
      await add.locator('[name=name]').fill('万松街道');
      await submit(page, 'add-region');
      await expect.poll(() => gateway.fleet!.regions().find((r) => r.id === 'town-a9')).toMatchObject({ name: '万松街道', level: 'town', parent: REGION_A });
      // The tree reads again and shows it under county A.
      await page.locator('.region-pick[data-region="town-a9"]').waitFor();

      // ---- county A still has its towns and, below, a kitchen: the reason in Chinese
      await panel.locator('.region-remove').click();
      await submit(page, 'remove-region');
      const refusal = page.locator('form[data-action="remove-region"] .dialog-error');
      await expect.poll(() => refusal.innerText()).toBe(`操作被拒绝：区域 ${REGION_A} 仍被 2 个下级区域使用，请先移走或删除它们`);
      await page.screenshot({ path: join(SHOTS, 'remove-refused.png') });
      await page.locator('form[data-action="remove-region"] button[value=cancel]').click();
      expect(gateway.fleet!.regions().some((r) => r.id === REGION_A)).toBe(true);

      // ---- the new town renamed, then removed
      await page.locator('.region-pick[data-region="town-a9"]').click();
      await expect.poll(() => panel.locator('.region-admin-selected').innerText()).toBe('所选区域：万松街道（town-a9）');
      await panel.locator('.region-rename').click();
      await page.locator('form[data-action="rename-region"] [name=name]').fill('万松园街道');
      await submit(page, 'rename-region');
      await expect.poll(() => gateway.fleet!.regions().find((r) => r.id === 'town-a9')).toMatchObject({ name: '万松园街道', level: 'town', parent: REGION_A });
      await panel.locator('.region-remove').click();
      await submit(page, 'remove-region');
      await expect.poll(() => gateway.fleet!.regions().some((r) => r.id === 'town-a9')).toBe(false);
      // The tree reads at most every 2 s (main.js refreshTree), the rename's read just before.
      await expect.poll(() => page.locator('.region-pick[data-region="town-a9"]').count(), { timeout: 5000 }).toBe(0);
      expect(await panel.locator('.region-admin-selected').innerText()).toMatch(/^未选中区域/);
    });
    expect(errors).toEqual([]);
  });

  it('an admin of one county gets no panel: the users and the tree are the whole fleet\'s', async () => {
    const made = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'county.admin', displayName: '县管理员', role: 'admin', scope: `region:${REGION_A}`, password: PASSWORD }),
    });
    expect(made.status).toBe(200);
    const context = await browser.newContext(DESKTOP_ZH);
    fx.defer(() => context.close());
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.goto(base);
    await screenshotOnFailure(page, 'users-admin-county', async () => {
      await page.locator('#login-name').fill('county.admin');
      await page.locator('#login-password').fill(PASSWORD);
      await page.locator('#password-form button[type=submit]').click();
      await page.locator(`#site-cards .site-tile[data-site="${SITE_A}"]`).waitFor();
      // Its own site tools stay (site-admin.js); the fleet-wide panel does not appear.
      expect(await page.locator('#admin').isVisible()).toBe(false);
      expect(await page.locator('#admin *').count()).toBe(0);
    });
    expect(errors).toEqual([]);
  });

  it('pages the users twenty at a time, and fits a phone without a sideways scroll', async () => {
    for (let i = 0; i < 25; i++) {
      const res = await fetch(`${base}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `grid.${String(i).padStart(2, '0')}`, displayName: `网格员${i}`, role: 'viewer', scope: `region:${REGION_A}`, password: PASSWORD }),
      });
      expect(res.status).toBe(200);
    }
    const all = (await apiGet<{ users: { name: string }[] }>('/users?limit=500')).users.map((u) => u.name);
    expect(all.length).toBeGreaterThan(25);
    const phone = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
    const { page, errors } = await openAsOfficer(browser, fx.defer, ADMIN, base, phone);
    await screenshotOnFailure(page, 'users-admin-pages', async () => {
      const rows = page.locator('table.users tbody tr');
      await expect.poll(() => rows.count()).toBe(20);
      expect(await rows.evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { user: string } }).dataset.user))).toEqual(all.slice(0, 20));
      const pagerNav = page.locator('#admin .site-pager');
      expect(await pagerNav.locator('.site-pager-where').innerText()).toBe('第 1 页');
      await pagerNav.locator('[data-page=next]').click();
      await expect.poll(() => rows.first().getAttribute('data-user')).toBe(all[20]);
      expect(await rows.count()).toBe(all.length - 20);
      expect(await pagerNav.locator('[data-page=next]').isDisabled()).toBe(true);
      // The table scrolls inside its box; the page itself does not widen.
      expect(await hasHorizontalScroll(page)).toBe(false);
      await page.locator('#admin').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'users-phone.png') });
      await pagerNav.locator('[data-page=prev]').click();
      await expect.poll(() => rows.first().getAttribute('data-user')).toBe(all[0]);
    });
    expect(errors).toEqual([]);
  });

  async function apiGet<T>(path: string): Promise<T> {
    const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN.secret}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }
});
