// An overdue hazard on the page, with the gateway's clock and the browser's moved past the
// deadline: the list's 只看逾期 filter finds it, its row says how many days overdue in red, an owner
// sees only the acts an owner may take (progress, ask for acceptance); and the list reads itself
// again each minute.

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DEMO_SITE } from '../../../gateway/src/config/demo.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { startTestGateway, testConfig } from '../../support/gateway.js';
import { backgroundColor, chromiumMissing, launchBrowser, newOfficer, openAsOfficer, RESULTS_DIR, screenshotOnFailure } from '../../support/browser.js';

const OWNER = newOfficer('owner Chen');
const SHOTS = join(RESULTS_DIR, 'hazard-ledger');
const DAY_MS = 86_400_000;
const missing = chromiumMissing();

describe.skipIf(missing !== null)(`an overdue hazard on the page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;
  let nowMs = Date.parse('2026-03-10T02:00:00Z'); // 10:00 in Shanghai

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    gateway = await startTestGateway(
      testConfig(fx.dataDir(), (c) => void (c.api = { ...c.api, bootstrapTokens: [{ name: OWNER.name, role: 'owner', scope: `site:${DEMO_SITE}`, tokenHash: hashToken(OWNER.secret) }] })),
      () => nowMs,
    );
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser(fx.defer);
  });

  it('lists it under 只看逾期 with its days overdue, and offers an owner only his acts', async () => {
    const officer = { name: 'officer Li', role: 'officer' };
    const reg = (description: string) => {
      const move = gateway.hazards!.register({ site: DEMO_SITE, source: 'patrol', sourceRef: null, category: 'valve', description, location: '阀井', foundBy: '巡检员', foundAtMs: nowMs }, officer);
      if (!move.ok) throw new Error(move.rejected);
      return move.hazard.id;
    };
    const late = reg('紧急切断阀无法关闭');
    reg('通风不足（未定期限）');
    for (const act of [
      { kind: 'grade', grade: 'general', basis: null, criterion: null },
      { kind: 'plan', responsible: '王师傅', measures: '更换阀门', fundsYuan: null, deadlineDate: '2026-03-11', emergencyPlan: null },
    ] as const) {
      const move = gateway.hazards!.act(late, act, officer);
      if (!move.ok) throw new Error(move.rejected);
    }
    // Three days and a bit past the end of 11 March in the site's calendar.
    nowMs += 4 * DAY_MS;
    expect(gateway.hazards!.isOverdue(gateway.hazards!.get(late)!, nowMs)).toBe(true);

    const { page, errors } = await openAsOfficer(browser, fx.defer, OWNER, base);
    await page.clock.setFixedTime(nowMs);
    await page.reload();
    await screenshotOnFailure(page, 'hazard-overdue', async () => {
      await expect.poll(() => page.locator('#hazards .hz-row').count()).toBe(2);
      await page.locator('#hazards input[name=overdue]').check();
      await expect.poll(() => page.locator('#hazards .hz-row').count()).toBe(1);
      const row = page.locator(`#hazards .hz-row[data-hazard="${late}"]`);
      expect(await row.getAttribute('class')).toMatch(/hz-overdue/);
      expect(await row.locator('.hz-deadline').textContent()).toBe('整改期限：2026-03-11 · 逾期 3 天');
      expect(await backgroundColor(row.locator('.hz-grade'))).toBe('rgb(255, 248, 225)');
      await page.screenshot({ path: join(SHOTS, 'desk-overdue.png') });
      await row.locator('.hz-open').click();
      const acts = page.locator('.hz-acts button');
      await acts.first().waitFor();
      expect(await acts.evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { act: string } }).dataset.act))).toEqual(['progress', 'acceptanceRequest']);
      // In English, the detail's words and the list's follow the switch.
      await page.locator('#lang-switch').click();
      await expect.poll(() => page.locator('.hz-detail .hz-state').textContent()).toBe('Rectifying');
      expect(await page.locator('.hz-facts').textContent()).toMatch(/Valve.*Patrol|Patrol.*Valve/);
      await page.locator('.hz-back').click();
      expect(await row.locator('.hz-deadline').textContent()).toBe('Deadline: 2026-03-11 · 3 days overdue');
      expect(errors).toEqual([]);
    });
  });

  it('reads the list again each minute, so a hazard registered elsewhere shows up without a reload', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OWNER, base);
    await page.clock.install({ time: nowMs });
    await page.reload();
    await screenshotOnFailure(page, 'hazard-refresh', async () => {
      await expect.poll(() => page.locator('#hazards .hz-row').count()).toBe(2);
      const move = gateway.hazards!.register({ site: DEMO_SITE, source: 'public_report', sourceRef: null, category: 'gas_leak', description: '群众举报闻到燃气味', location: '后门', foundBy: '12345 热线', foundAtMs: nowMs }, { name: 'officer Li', role: 'officer' });
      if (!move.ok) throw new Error(move.rejected);
      await page.clock.runFor(30_000);
      expect(await page.locator('#hazards .hz-row').count()).toBe(2);
      await page.clock.runFor(31_000);
      await expect.poll(() => page.locator(`#hazards .hz-row[data-hazard="${move.hazard.id}"]`).count()).toBe(1);
      expect(errors).toEqual([]);
    });
  });
});
