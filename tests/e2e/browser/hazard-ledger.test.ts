// The hazard ledger (隐患台账) on the page, in Chromium against the real gateway and its SQLite
// ledger: an officer on a phone registers a hazard found on patrol, grades it 重大 and sets its
// 五落实 plan, reports the fix and asks for acceptance; his own acceptance is refused by the API
// (four eyes) and the page says so in Chinese; a second officer at a desk accepts the fix and
// strikes it off (销号). Screenshots in test-results/hazard-ledger/.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DEMO_SITE } from '../../../gateway/src/config/demo.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { chromiumMissing, countOverflowingRight, DESKTOP_ZH, hasHorizontalScroll, launchBrowser, newOfficer, openAsOfficer, RESULTS_DIR, screenshotOnFailure } from '../../support/browser.js';

const FIELD = newOfficer('officer Li');
const SECOND = newOfficer('officer Zhang');
const SHOTS = join(RESULTS_DIR, 'hazard-ledger');
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };
const missing = chromiumMissing();

/** A date `days` from now, YYYY-MM-DD: well inside the site's calendar whatever its zone. */
function daysAhead(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function submitAct(page: Page, act: string, fill: (form: ReturnType<Page['locator']>) => Promise<void>): Promise<void> {
  await page.locator(`.hz-acts button[data-act="${act}"]`).click();
  const form = page.locator(`form.hz-form[data-action="${act}"]`);
  await form.waitFor();
  await fill(form);
  await form.locator('button[type=submit]').click();
}

describe.skipIf(missing !== null)(`the hazard ledger on the page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway(
      testConfig(fx.dataDir(), (c) => void (c.api = { ...c.api, bootstrapTokens: [
        { name: FIELD.name, role: 'officer', tokenHash: hashToken(FIELD.secret) },
        { name: SECOND.name, role: 'officer', tokenHash: hashToken(SECOND.secret) },
      ] })),
    );
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser(fx.defer);
  });

  it('registers, grades and plans a hazard on a phone; the fixer may not accept it; a second officer accepts and strikes it off', async () => {
    const field = await openAsOfficer(browser, fx.defer, FIELD, base, PHONE);
    const page = field.page;
    await screenshotOnFailure(page, 'hazard-ledger-phone', async () => {
      await page.locator('#hazards .hz-register').waitFor();
      expect(await page.locator('#hazards-title').textContent()).toBe('隐患台账');

      // ---- register (巡检 found it)
      await page.locator('#hazards .hz-register').click();
      const reg = page.locator('form.hz-form[data-action="register"]');
      // The site box suggests sites by name from the API.
      await reg.locator('[name=site]').fill('示范');
      await expect.poll(() => reg.locator('#hz-site-options option').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).toEqual([DEMO_SITE]);
      await reg.locator('[name=site]').fill(DEMO_SITE);
      await reg.locator('[name=source]').selectOption('patrol');
      await reg.locator('[name=category]').selectOption('hose_pipe');
      await reg.locator('[name=location]').fill('后厨灶台');
      await reg.locator('[name=description]').fill('燃气软管老化开裂，超过使用年限');
      await page.screenshot({ path: join(SHOTS, 'phone-register.png'), fullPage: true });
      await reg.locator('button[type=submit]').click();
      const detail = page.locator('.hz-detail');
      await expect.poll(() => detail.getAttribute('data-state')).toBe('registered');
      const id = (await detail.getAttribute('data-hazard'))!;
      expect(gateway.hazards!.get(id, { kind: 'all' })).toMatchObject({ site: DEMO_SITE, source: 'patrol', foundBy: FIELD.name });

      // ---- grade 重大 without its criterion: the ledger refuses, in Chinese
      await submitAct(page, 'grade', async (f) => {
        await f.locator('[name=grade]').selectOption('major');
      });
      await expect.poll(() => page.locator('form.hz-form[data-action="grade"] .dialog-error').textContent()).toMatch(/重大隐患须写明判定依据/);
      const gradeForm = page.locator('form.hz-form[data-action="grade"]');
      await gradeForm.locator('[name=basis]').selectOption('order16_stop_work');
      await gradeForm.locator('[name=criterion]').fill('更换软管须停用后厨燃气');
      await gradeForm.locator('button[type=submit]').click();
      await expect.poll(() => detail.getAttribute('data-state')).toBe('graded');
      expect(await page.locator('.hz-detail .hz-grade-major').textContent()).toBe('重大');
      // 重大 and no stop-work order in force: the page asks for one or a reason.
      expect(await page.locator('.hz-warn').textContent()).toMatch(/停产停工令/);

      // ---- the plan and its 五落实
      const deadline = daysAhead(10);
      await submitAct(page, 'plan', async (f) => {
        await f.locator('[name=responsible]').fill('王师傅');
        await f.locator('[name=measures]').fill('关闭总阀，更换金属波纹软管');
        await f.locator('[name=fundsYuan]').fill('800');
        await f.locator('[name=deadline]').fill(deadline);
        await f.locator('[name=emergencyPlan]').fill('整改期间停用燃气，配灭火器');
      });
      await expect.poll(() => detail.getAttribute('data-state')).toBe('rectifying');
      expect(await page.locator('.hz-facts').textContent()).toMatch(new RegExp(`${deadline} · 剩 \\d+ 天`));

      await submitAct(page, 'progress', (f) => f.locator('[name=note]').fill('软管已采购'));
      await expect.poll(() => page.locator('.hz-trail li[data-kind="progress"]').count()).toBe(1);
      await submitAct(page, 'acceptanceRequest', (f) => f.locator('[name=note]').fill('已更换，检漏合格'));
      await expect.poll(() => detail.getAttribute('data-state')).toBe('acceptance_requested');

      // ---- four eyes: the officer who reported the fix may not accept it
      await submitAct(page, 'accept', async (f) => {
        await f.locator('[name=evidence]').fill('检漏记录 2026-001');
        await f.locator('[name=note]').fill('合格');
      });
      const refusal = page.locator('form.hz-form[data-action="accept"] .dialog-error');
      await expect.poll(() => refusal.textContent()).toMatch(/四眼原则/);
      expect(await refusal.isVisible()).toBe(true);
      expect(gateway.hazards!.get(id, { kind: 'all' })!.acceptance).toBeNull();
      expect(await hasHorizontalScroll(page)).toBe(false);
      expect(await countOverflowingRight(page, '#hazards *')).toBe(0);
      await page.screenshot({ path: join(SHOTS, 'phone-four-eyes.png'), fullPage: true });
      expect(field.errors).toEqual([]);
    });

    // ---- a second officer, at a desk, accepts and strikes it off
    const desk = await openAsOfficer(browser, fx.defer, SECOND, base, DESKTOP_ZH);
    const p2 = desk.page;
    await screenshotOnFailure(p2, 'hazard-ledger-desk', async () => {
      const row = p2.locator('#hazards .hz-row.hz-major');
      await row.waitFor();
      expect(await row.locator('.hz-state').textContent()).toBe('待验收');
      // Filters: the hazard is open, not overdue, and 重大.
      await p2.locator('#hazards select[name=grade]').selectOption('general');
      await expect.poll(() => p2.locator('#hazards .hz-row').count()).toBe(0);
      await p2.locator('#hazards select[name=grade]').selectOption('major');
      await row.waitFor();
      await row.locator('.hz-open').click();
      const detail = p2.locator('.hz-detail');
      await detail.waitFor();
      await submitAct(p2, 'accept', async (f) => {
        await f.locator('[name=evidence]').fill('检漏记录 2026-001');
        await f.locator('[name=note]').fill('现场复核合格');
      });
      await p2.locator('.hz-acts button[data-act="close"]').waitFor();
      expect(await p2.locator('.hz-state').first().textContent()).toBe('验收合格·待销号');
      await submitAct(p2, 'close', (f) => f.locator('[name=note]').fill('同意销号'));
      await expect.poll(() => detail.getAttribute('data-state')).toBe('closed');
      expect(await p2.locator('.hz-closed').textContent()).toMatch(/销号 · officer Zhang 于 .* 销号/);
      expect(await p2.locator('.hz-trail li').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { kind: string } }).dataset.kind))).toEqual([
        'registered',
        'graded',
        'planned',
        'progress',
        'acceptance_requested',
        'accepted',
        'closed',
      ]);
      await p2.screenshot({ path: join(SHOTS, 'desk-closed.png'), fullPage: true });
      await p2.locator('.hz-back').click();
      await expect.poll(() => p2.locator('#hazards .hz-row[data-state="closed"]').count()).toBe(1);
      await p2.screenshot({ path: join(SHOTS, 'desk-list.png') });
      // 未销号 (open=true) no longer lists it.
      await p2.locator('#hazards select[name=state]').selectOption('open');
      await expect.poll(() => p2.locator('#hazards .hz-row').count()).toBe(0);
      expect(await p2.locator('#hazards .empty').textContent()).toBe('没有符合条件的隐患');
      expect(desk.errors).toEqual([]);
    });
  });

  it('refuses a fix back to rectifying and extends the deadline, each from the page', async () => {
    const li = { name: FIELD.name, role: 'officer' };
    const move = gateway.hazards!.register({ site: DEMO_SITE, source: 'inspector', sourceRef: null, category: 'ventilation', description: '排风扇损坏', location: '后厨', foundBy: '执法人员', foundAtMs: Date.now() }, li);
    if (!move.ok) throw new Error(move.rejected);
    const id = move.hazard.id;
    for (const act of [
      { kind: 'grade', grade: 'general', basis: null, criterion: null },
      { kind: 'plan', responsible: '王师傅', measures: '更换排风扇', fundsYuan: null, deadlineDate: daysAhead(5), emergencyPlan: null },
      { kind: 'request_acceptance', note: '已更换' },
    ] as const) {
      const r = gateway.hazards!.act(id, act, li);
      if (!r.ok) throw new Error(r.rejected);
    }
    const { page, errors } = await openAsOfficer(browser, fx.defer, SECOND, `${base}/#/hazards/${encodeURIComponent(id)}`, DESKTOP_ZH);
    await screenshotOnFailure(page, 'hazard-ledger-refuse', async () => {
      const detail = page.locator(`.hz-detail[data-hazard="${id}"]`);
      await detail.waitFor();
      await submitAct(page, 'refuse', (f) => f.locator('[name=note]').fill('风量不足，重新整改'));
      await expect.poll(() => detail.getAttribute('data-state')).toBe('rectifying');
      expect(await page.locator('.hz-trail li[data-kind="acceptance_refused"]').textContent()).toMatch(/验收不合格 · officer Zhang.*风量不足/);
      // An extension that is not later than the deadline: the ledger's refusal, in Chinese.
      await submitAct(page, 'extend', async (f) => {
        await f.locator('[name=deadline]').fill(daysAhead(5));
        await f.locator('[name=note]').fill('等待配件');
      });
      await expect.poll(() => page.locator('form.hz-form[data-action="extend"] .dialog-error').textContent()).toBe('延期后的期限须晚于当前期限。');
      const later = daysAhead(20);
      await page.locator('form.hz-form[data-action="extend"] [name=deadline]').fill(later);
      await page.locator('form.hz-form[data-action="extend"] button[type=submit]').click();
      await expect.poll(() => page.locator('.hz-trail li[data-kind="deadline_extended"]').count()).toBe(1);
      expect(gateway.hazards!.get(id)!.plan!.deadlineDate).toBe(later);
      expect(await page.locator('.hz-facts').textContent()).toContain(later);
      expect(errors).toEqual([]);
    });
  });

  it('opens the hazard a notice links to (#/hazards/<id>), and says so when it does not exist', async () => {
    const hazard = gateway.hazards!.register(
      { site: DEMO_SITE, source: 'self_check', sourceRef: null, category: 'detector', description: '探测器未按期标定', location: '后厨', foundBy: '店长', foundAtMs: Date.now() },
      { name: 'owner Chen', role: 'owner' },
    );
    if (!hazard.ok) throw new Error(`could not register: ${hazard.rejected}`);
    const { page, errors } = await openAsOfficer(browser, fx.defer, SECOND, `${base}/#/hazards/${encodeURIComponent(hazard.hazard.id)}`, DESKTOP_ZH);
    await screenshotOnFailure(page, 'hazard-ledger-link', async () => {
      const detail = page.locator(`.hz-detail[data-hazard="${hazard.hazard.id}"]`);
      await detail.waitFor();
      expect(await detail.locator('.hz-state').textContent()).toBe('已登记');
      expect(await detail.locator('.hz-acts button').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { act: string } }).dataset.act))).toEqual(['grade', 'supervise']);
      // 挂牌督办 from the page.
      await submitAct(page, 'supervise', async (f) => {
        await f.locator('[name=level]').selectOption('county');
        await f.locator('[name=authority]').fill('江岸区应急管理局');
        await f.locator('[name=noticeNumber]').fill('岸应急督〔2026〕1号');
      });
      await expect.poll(() => detail.locator('.hz-facts').textContent()).toMatch(/县级 · 江岸区应急管理局 · 岸应急督〔2026〕1号/);
      expect(gateway.hazards!.get(hazard.hazard.id)!.supervision).toMatchObject({ level: 'county', noticeNumber: '岸应急督〔2026〕1号', by: SECOND.name });
      await page.evaluate('location.hash = "#/hazards/HZ-nope"');
      await expect.poll(() => page.locator('#notice').textContent()).toMatch(/HZ-nope/);
      expect(errors).toEqual([]);
    });
  });
});
