// The 导出 button of the alarm page, in Chromium against the real gateway: a viewer picks the
// days and the list's site filter, and the browser saves the file under its Chinese name with
// the rows of that site and those days only, as CSV and as XLSX.

import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DEMO_SITE, startTestGateway, testConfig } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { launchBrowser, pageErrors, screenshotOnFailure } from '../../support/browser.js';
import type { RunningGateway } from '../../support/fixture.js';
import { addShop, HARD_NOTE, parseCsv, records, seed, type Seeded } from '../../integration/export/support.js';

const VIEWER = { name: 'county-viewer', secret: `sb_${randomBytes(32).toString('base64url')}` };

describe('the export button of the alarm page', () => {
  const dir = tempDir();
  let g: RunningGateway;
  let browser: Browser;
  let ids: Seeded;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    g = await startTestGateway(
      testConfig(dir.path, (c) => {
        addShop(c);
        c.api = { ...c.api, bootstrapTokens: [{ name: VIEWER.name, role: 'viewer', tokenHash: hashToken(VIEWER.secret) }] };
      }),
    );
    cleanups.push(() => g.stop(), () => dir.remove());
    ids = seed(g);
    browser = await launchBrowser();
    cleanups.push(() => browser.close());
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function signedIn(): Promise<Page> {
    // The days are read on the screen's clock: a duty room in Shanghai.
    const context = await browser.newContext({ timezoneId: 'Asia/Shanghai', acceptDownloads: true });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${g.apiPort}`);
    await page.locator('#token-input').fill(VIEWER.secret);
    await page.locator('#login-form button[type=submit]').click();
    await page.locator('#active-alarms li.alarm').first().waitFor();
    return page;
  }

  async function exportFile(page: Page, format: 'csv' | 'xlsx'): Promise<{ name: string; bytes: Buffer }> {
    const form = page.locator('form.alarm-export');
    await form.locator('input[name=from]').fill('2026-12-07');
    await form.locator('input[name=to]').fill('2026-12-07');
    await form.locator('select[name=format]').selectOption(format);
    const [download] = await Promise.all([page.waitForEvent('download'), form.getByRole('button', { name: '导出' }).click()]);
    return { name: download.suggestedFilename(), bytes: readFileSync((await download.path())!) };
  }

  it('downloads the chosen days of the filtered site as CSV and as XLSX', async () => {
    const page = await signedIn();
    const errors = pageErrors(page);
    await screenshotOnFailure(page, 'alarm-export', async () => {
      // The site filter is a search box: type the kitchen's name, take the one suggestion.
      const box = page.locator('#alarm-filters input[name=site]');
      await box.fill('示范餐馆');
      await expect.poll(() => page.locator('#alarm-site-options option').count()).toBe(1);
      await box.press('Enter');
      const csv = await exportFile(page, 'csv');
      expect(csv.name).toBe(`告警记录_${DEMO_SITE}_2026-12-07_2026-12-07.csv`);
      const text = csv.bytes.toString('utf8');
      expect(text.charCodeAt(0)).toBe(0xfeff);
      const rows = records(parseCsv(text.slice(1)));
      // The shop's alarm (another site) and the one of 1 December (another day) are not in it.
      expect(rows.map((r) => r['告警编号'])).toEqual([ids.hard, ids.stale, ids.formula]);
      expect(rows[0]!['整改说明']).toBe(HARD_NOTE);

      const xlsx = await exportFile(page, 'xlsx');
      expect(xlsx.name).toBe(`告警记录_${DEMO_SITE}_2026-12-07_2026-12-07.xlsx`);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
      expect(book.worksheets[0]!.getRow(1).getCell(1).value).toBe('告警编号');
      expect(book.worksheets[0]!.rowCount).toBe(4);
    });
    expect(errors).toEqual([]);
  }, 60_000);
});
