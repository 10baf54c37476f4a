// The page over a fleet of 2 000 kitchens in 101 regions, in Chromium against the real gateway and
// its state.db: the region tree narrows the cards to a county's subtree (and the address keeps the
// choice), search by name and by address finds 烧烤 exactly, the level filter, sites in alarm first,
// one page of cards in the DOM however many sites, the 到期更换 view with its CJJ/T 146-2011 basis,
// the alarm list filtered through a site search box, and nothing overlapping on a phone or a desktop.

import { beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startSeeded, useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { testConfig } from '../../support/gateway.js';
import { countOverflowingRight, DESKTOP_ZH, hasHorizontalScroll, launchBrowser, newOfficer, openAsOfficer, RESULTS_DIR, screenshotOnFailure, withOfficer } from '../../support/browser.js';
import { seedFleet, type SeededFleet } from '../../support/fleet-seed.js';
import { hashToken } from '../../../dashboard-api/src/token-store.js';

const SITES = 2000;
/** fleet-nav.js SITE_PAGE: the cards one page holds on a desktop (20 on a phone). */
const PAGE = 60;
const OFFICER = newOfficer('county-officer');
const ADMIN = newOfficer('fleet-admin');
const SHOTS = join(RESULTS_DIR, 'fleet-page');
const PHONE = { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true, hasTouch: true };

/** Pairs of elements matching `selector` whose boxes overlap by more than a pixel. */
function overlapping(page: Page, selector: string): Promise<number> {
  type Box = { left: number; right: number; top: number; bottom: number; width: number };
  type Doc = { querySelectorAll(s: string): Iterable<{ getBoundingClientRect(): Box }> };
  return page.evaluate((sel) => {
    const boxes = [...(globalThis as unknown as { document: Doc }).document.querySelectorAll(sel)].map((e) => e.getBoundingClientRect()).filter((b) => b.width > 0);
    let n = 0;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) n++;
      }
    }
    return n;
  }, selector);
}

describe('the page over 2 000 sites in a region tree', () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;
  let fleet: SeededFleet;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // Written while the gateway is stopped, as an import before a restart would leave it: the
    // registry loads it at start.
    const dataDir = fx.dataDir();
    // One officer token opens the page ten times here, each load some 70 requests (the rules of
    // every site in alarm among them): above the default 600 a minute per token.
    const config = testConfig(dataDir, (c) => {
      withOfficer(OFFICER)(c);
      c.api = { ...c.api, rateLimit: { max: 5000, windowS: 60 }, bootstrapTokens: [...(c.api?.bootstrapTokens ?? []), { name: ADMIN.name, role: 'admin', tokenHash: hashToken(ADMIN.secret) }] };
    });
    gateway = await startSeeded(config, dataDir, (db) => void (fleet = seedFleet(db, SITES, Date.now())));
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser(fx.defer);
  });

  const cards = (page: Page) => page.locator('#site-cards .site-tile');
  const cardIds = (page: Page) => cards(page).evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { site: string } }).dataset.site));

  it('shows one page of cards, sites in alarm first, grouped under their region', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, base);
    await screenshotOnFailure(page, 'fleet-first-page', async () => {
      await cards(page).first().waitFor();
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toMatch(/共 20\d\d 个场所/);
      // However many sites, the DOM holds one page.
      expect(await page.locator('.site-tile').count()).toBeLessThanOrEqual(PAGE);
      const reds = fleet.sites.filter((s) => s.level === 'red').length;
      const levels = await cards(page).evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { level: string } }).dataset.level));
      expect(levels.slice(0, reds)).toEqual(Array(reds).fill('red'));
      expect(await page.locator('#site-cards .site-group-title').first().textContent()).toBe('报警中的场所（按级别）');
      // The tree shows the province with its worst level in words, and the Chinese level names.
      const province = page.locator('.region-pick[data-region="hb"]');
      expect(await province.textContent()).toContain('省');
      expect(await province.textContent()).toContain('红色');
      expect(await province.locator('.region-sites').textContent()).toBe(`${SITES} 个场所`);
      await page.screenshot({ path: join(SHOTS, 'desktop.png') });
    });
    expect(errors).toEqual([]);
  });

  it('narrows the cards to a county’s subtree, with breadcrumbs, and keeps it in the address', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, base);
    await screenshotOnFailure(page, 'fleet-county', async () => {
      await cards(page).first().waitFor();
      await page.locator('.region-row:has(.region-pick[data-region="c1"]) .region-toggle').click();
      await page.locator('.region-pick[data-region="c1k2"]').click();
      const inCounty = fleet.sites.filter((s) => s.region.startsWith('c1k2t'));
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toContain(`共 ${inCounty.length} 个场所`);
      expect(page.url()).toContain('#/region/c1k2');
      const shown = await cardIds(page);
      expect(shown.length).toBe(Math.min(PAGE, inCounty.length));
      const ids = new Set(inCounty.map((s) => s.id));
      expect(shown.every((id) => ids.has(id))).toBe(true);
      expect(await page.locator('.breadcrumbs').textContent()).toMatch(/全部区域.*湖北省.*宜昌市.*宜昌硚口区/);
      // Below the sites in alarm, the others under their town.
      expect(await page.locator('#site-cards .site-group:not(.in-alarm) .site-group-title').first().textContent()).toMatch(/^宜昌市 › 宜昌硚口区 › 硚口街道.$/);

      // The next page holds the rest of the county, none twice.
      await page.locator('#site-cards [data-page="next"]').click();
      await expect.poll(async () => (await cardIds(page))[0]).not.toBe(shown[0]);
      const second = await cardIds(page);
      expect(second.every((id) => ids.has(id) && !shown.includes(id))).toBe(true);
      expect(shown.length + second.length).toBe(inCounty.length);

      // A reload (or a link sent to a colleague) opens on the same county.
      await page.reload();
      await cards(page).first().waitFor();
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toContain(`共 ${inCounty.length} 个场所`);
      expect(await page.locator('.region-row.selected .region-pick').getAttribute('data-region')).toBe('c1k2');
      // The breadcrumb back to the city widens the cards again.
      await page.locator('.breadcrumbs .crumb[data-region="c1"]').click();
      const inCity = fleet.sites.filter((s) => s.region.startsWith('c1k')).length;
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toContain(`共 ${inCity} 个场所`);
      expect(page.url()).toContain('#/region/c1');
    });
    expect(errors).toEqual([]);
  });

  it('says so when the address names a region that is not there, and shows every site', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/region/atlantis`);
    await screenshotOnFailure(page, 'fleet-region-gone', async () => {
      await expect.poll(() => page.locator('#notice').textContent()).toContain('没有区域 atlantis');
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toMatch(/^共 20\d\d 个场所$/);
      expect(page.url()).not.toContain('atlantis');
      expect(await page.locator('.region-all').getAttribute('aria-current')).toBe('true');
    });
    expect(errors).toEqual([]);
  });

  it('finds 烧烤 by name and by address, and the level filter keeps only that level', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, base);
    await screenshotOnFailure(page, 'fleet-search', async () => {
      await cards(page).first().waitFor();
      await page.locator('#site-search').fill('烧烤');
      await expect.poll(async () => (await cardIds(page)).sort()).toEqual([fleet.bbqByName.id, fleet.bbqByAddress.id].sort());
      expect(await page.locator(`.site-tile[data-site="${fleet.bbqByAddress.id}"] .site-address`).textContent()).toContain('烧烤一条街');
      await page.locator('#site-search').fill('');
      await expect.poll(async () => (await cardIds(page)).length).toBe(PAGE);

      const reds = fleet.sites.filter((s) => s.level === 'red');
      await page.locator('[data-level-filter="red"]').click();
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toContain(`共 ${reds.length} 个场所`);
      const levels = await cards(page).evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { level: string } }).dataset.level));
      expect(levels.length).toBe(reds.length);
      expect(new Set(levels)).toEqual(new Set(['red']));
      const normal = fleet.sites.filter((s) => s.level === null).length;
      await page.locator('[data-level-filter="none"]').click();
      // The demo kitchen of the config may be in the registry too, without an alarm.
      await expect.poll(async () => Number(/共 (\d+) 个场所/.exec((await page.locator('.fleet-summary').textContent()) ?? '')?.[1]) - normal).toBeGreaterThanOrEqual(0);
      expect(Number(/共 (\d+) 个场所/.exec((await page.locator('.fleet-summary').textContent()) ?? '')?.[1])).toBeLessThanOrEqual(normal + 1);
      expect(await page.locator('#site-cards .site-tile:not([data-level="none"])').count()).toBe(0);
    });
    expect(errors).toEqual([]);
  });

  it('lists devices due within 30 days and overdue, with the CJJ/T 146-2011 basis', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/due`);
    await screenshotOnFailure(page, 'fleet-due', async () => {
      const list = page.locator('#due-list');
      await list.locator('.due-item').first().waitFor();
      expect(await list.locator('.due-basis').textContent()).toContain('CJJ/T 146-2011');
      expect(await list.locator('.due-count').textContent()).toBe(`共 ${fleet.overdue + fleet.dueSoon} 台设备`);
      expect(await list.locator('.due-item').first().locator('.due-status').textContent()).toMatch(/^已逾期 \d+ 天$/);
      // One page of 50 in the DOM; the overdue come first, those still due follow on the next page.
      expect(await list.locator('.due-item').count()).toBe(50);
      expect(await list.locator('.due-item.due-soon').count()).toBe(0);
      await list.locator('[data-page="next"]').click();
      await expect.poll(() => list.locator('.due-item.due-soon').count()).toBe(fleet.dueSoon);
      expect(await list.locator('.due-item.due-soon .due-status').first().textContent()).toMatch(/^\d+ 天后到期$/);
      expect(await page.locator('.fleet-tab[data-view="due"]').getAttribute('aria-selected')).toBe('true');
      await page.screenshot({ path: join(SHOTS, 'due-desktop.png') });
    });
    expect(errors).toEqual([]);
  });

  it('filters the alarm list through a site search box', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, base);
    const red = fleet.sites.find((s) => s.level === 'red' && s.id !== fleet.sites[0]!.id)!;
    await screenshotOnFailure(page, 'fleet-alarm-site', async () => {
      await page.locator('li.alarm').first().waitFor();
      const box = page.locator('#alarm-filters input[name="site"]');
      await box.fill(red.name);
      await box.press('Enter');
      await expect.poll(() => page.locator('li.alarm').evaluateAll((els) => els.map((e) => (e as unknown as { textContent: string }).textContent))).toEqual([expect.stringContaining(red.name)]);
      await box.fill('');
      await box.dispatchEvent('input');
      await expect.poll(() => page.locator('li.alarm').count()).toBeGreaterThan(1);
    });
    expect(errors).toEqual([]);
  });

  it('keeps the count standing while the cards are read again after an alarm moved', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/region/c0k1`);
    const n = fleet.sites.filter((x) => x.region.startsWith('c0k1t')).length;
    await screenshotOnFailure(page, 'fleet-refresh-count', async () => {
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toBe(`江汉区 · 共 ${n} 个场所`);
      // Every text the count takes from now on (the page's refreshes included).
      await page.evaluate(`(() => {
        window.__summaries = [];
        const el = document.querySelector('.fleet-summary');
        new MutationObserver(() => window.__summaries.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
      })()`);
      // A change of the alarm list reads the cards and the tree again (as an alarm's move does).
      await page.locator('#alarm-filters select[name="level"]').selectOption('red');
      await page.waitForTimeout(1500);
      const seen = await page.evaluate<string[]>('window.__summaries');
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen)).toEqual(new Set([`江汉区 · 共 ${n} 个场所`]));
    });
    expect(errors).toEqual([]);
  });

  it('shows a city officer his city as the top of the tree, and only its sites and due devices', async () => {
    const made = await fetch(`${base}/api/v1/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'xy.officer', displayName: '襄阳值班员', password: 'correct horse battery', role: 'officer', scope: 'region:c2' }),
    });
    expect(made.status, await made.text()).toBe(200);
    const login = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'xy.officer', password: 'correct horse battery' }) });
    const session = { name: 'xy.officer', secret: ((await login.json()) as { token: string }).token };
    const { page, errors } = await openAsOfficer(browser, fx.defer, session, base);
    const inCity = fleet.sites.filter((x) => x.region.startsWith('c2k'));
    await screenshotOnFailure(page, 'fleet-city-officer', async () => {
      await expect.poll(() => page.locator('.fleet-summary').textContent()).toBe(`共 ${inCity.length} 个场所`);
      const roots = await page.locator('.region-tree > li > .region-row .region-pick').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { region: string } }).dataset.region));
      expect(roots).toEqual(['c2']);
      expect(await page.locator('.region-pick[data-region="hb"]').count()).toBe(0);
      const ids = new Set(inCity.map((x) => x.id));
      expect((await cardIds(page)).every((id) => ids.has(id))).toBe(true);
      await page.locator('.fleet-tab[data-view="due"]').click();
      await page.locator('#due-list .due-item').first().waitFor();
      const dueSites = await page.locator('#due-list .due-item').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: { site: string } }).dataset.site));
      expect(dueSites.every((id) => ids.has(id))).toBe(true);
    });
    expect(errors).toEqual([]);
  });

  it('says the fleet views in English after the language switch', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/region/c0k1`);
    await screenshotOnFailure(page, 'fleet-english', async () => {
      await cards(page).first().waitFor();
      await page.locator('#lang-switch').click();
      await expect.poll(() => page.locator('.fleet-tab[data-view="due"]').textContent()).toMatch(/^Due for replacement \(\d+\)$/);
      expect(await page.locator('[data-level-filter="red"]').textContent()).toBe('Red');
      expect(await page.locator('.region-pick[data-region="c0k1"] .region-kind').textContent()).toBe('County');
      expect(await page.locator('.fleet-summary').textContent()).toBe(`江汉区 · ${fleet.sites.filter((x) => x.region.startsWith('c0k1t')).length} sites`);
      expect(await page.locator('#alarm-filters input[name="site"]').getAttribute('placeholder')).toBe('Type a site name or address');
      await page.screenshot({ path: join(SHOTS, 'desktop-english.png') });
    });
    expect(errors).toEqual([]);
  });

  for (const [name, options] of [
    ['phone', PHONE],
    ['desktop', DESKTOP_ZH],
  ] as const) {
    it(`lays out the tree, cards and due list without overlap on a ${name}`, async () => {
      const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/region/c0`, options);
      await screenshotOnFailure(page, `fleet-${name}`, async () => {
        await cards(page).first().waitFor();
        if (name === 'phone') await page.locator('.region-summary').click(); // folded on a phone
        await page.locator('.region-pick[data-region="c0k0"]').waitFor();
        expect(await hasHorizontalScroll(page)).toBe(false);
        expect(await countOverflowingRight(page, '.site-tile, .region-pick, .level-chip, #site-search, .breadcrumbs')).toBe(0);
        expect(await overlapping(page, '#site-cards .site-tile')).toBe(0);
        expect(await overlapping(page, '.region-pick')).toBe(0);
        await page.screenshot({ path: join(SHOTS, `${name}-sites.png`) });
        await page.locator('#sites').screenshot({ path: join(SHOTS, `${name}-sites-panel.png`) });
        await page.locator('.fleet-tab[data-view="due"]').click();
        await page.locator('#due-list .due-item').first().waitFor();
        expect(await hasHorizontalScroll(page)).toBe(false);
        expect(await overlapping(page, '#due-list .due-item')).toBe(0);
        await page.locator('#due-list').screenshot({ path: join(SHOTS, `${name}-due.png`) });
      });
      expect(errors).toEqual([]);
    });
  }
});
