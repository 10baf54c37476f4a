// The events of an alarm on its page, said in the page's language: the gateway's own notes on an
// escalation step were shown raw on the Chinese page (`备注：tier:leader climbed to leader:
// unacknowledged for 121 s`); an officer's own note is shown as written.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_SITE, testConfig } from '../../support/gateway.js';
import { startSeeded, useGatewayFixture } from '../../support/fixture.js';
import { chromiumMissing, launchBrowser, newOfficer, openAsOfficer, screenshotOnFailure, withOfficer } from '../../support/browser.js';

const missing = chromiumMissing();
const OFFICER = newOfficer();
const ALARM = 'red-escalated';
const GATEWAY_ALARM = 'gateway-notify-failed';
const SILENT = 'stale-10-min';

describe.skipIf(missing !== null)(`alarm events on the page${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const dataDir = fx.dataDir();
    const gateway = await startSeeded(testConfig(dataDir, withOfficer(OFFICER)), dataDir, (db) => {
      const at = Date.now() - 10 * 60_000;
      db.prepare(
        `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms, acked_at_ms, acked_by)
         VALUES (?, ?, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', 'red', 'red', 60, 60, 'active_acked', ?, ?, ?, 'duty-officer')`,
      ).run(ALARM, DEMO_SITE, at, at, at + 400_000);
      const event = db.prepare(`INSERT INTO alarm_event (alarm_id, kind, from_level, to_level, state, value, at_ms, actor, note) VALUES (?, ?, 'red', 'red', 'active_unacked', 60, ?, ?, ?)`);
      event.run(ALARM, 'escalation', at + 121_000, null, 'tier:leader climbed to leader: unacknowledged for 121 s');
      event.run(ALARM, 'reminder', at + 300_000, null, 'tier:onCall reminded onCall: unacknowledged for 300 s');
      event.run(ALARM, 'stale_alarm', at + 350_000, null, 'active for more than 24 h (ISA-18.2 stale alarm)');
      event.run(ALARM, 'acked', at + 400_000, 'duty-officer', '已到现场');
      // A long night of reminders: the detail is taller than a phone's screen.
      for (let i = 1; i <= 20; i++) event.run(ALARM, 'reminder', at + 400_000 + i * 1000, null, `tier:onCall reminded onCall: unacknowledged for ${400 + i} s`);
      db.prepare(
        `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
         VALUES (?, '_gateway', 'notify-ops-hook', 'notify_failed', 'system', 'system:notify_failed', 'gateway', 'orange', 'orange', 2, 2, 'active_unacked', ?, ?)`,
      ).run(GATEWAY_ALARM, at, at);
      // Raised after 21 s of silence, ten minutes ago: the detector has been silent for over 10 min.
      db.prepare(
        `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
         VALUES (?, ?, 'gas-77', 'ch4', 'methane_lel', 'stale', 'stale', 'yellow', 'yellow', 21, 21, 'active_unacked', ?, ?)`,
      ).run(SILENT, DEMO_SITE, at, at);
    });
    fx.defer(() => gateway.stop());
    base = `http://127.0.0.1:${gateway.apiPort}`;
    browser = await launchBrowser(fx.defer);
  }, 60_000);

  it('says who an escalation reached and how long it waited, in Chinese, and keeps the officer note', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/alarms/${ALARM}`);
    await screenshotOnFailure(page, 'event-notes', async () => {
      const events = page.locator('#alarm-detail li.alarm-event');
      await events.nth(3).waitFor();
      const lines = await events.allInnerTexts();
      expect(lines.find((l) => l.includes('通知升级至值班长'))).toContain('2 分钟未确认');
      expect(lines.find((l) => l.includes('再次提醒带班领导'))).toContain('5 分钟未确认');
      expect(lines.find((l) => l.includes('已确认'))).toContain('备注：已到现场');
      const all = lines.join('\n');
      expect(all).not.toMatch(/tier:|climbed|reminded|unacknowledged|ISA-18\.2|active for/);
    });
    expect(errors).toEqual([]);
  });

  it('opens a long alarm detail on a phone at its top: level, what happened and the value, not its last button', async () => {
    const { page } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/alarms/${ALARM}`, { viewport: { width: 390, height: 844 }, locale: 'zh-CN', isMobile: true });
    await screenshotOnFailure(page, 'detail-on-phone', async () => {
      await page.locator('#alarm-detail li.alarm-event').nth(20).waitFor();
      const sizes = await page.evaluate<{ top: number; scrollHeight: number; clientHeight: number }>(
        "(() => { const d = document.getElementById('alarm-detail'); return { top: d.scrollTop, scrollHeight: d.scrollHeight, clientHeight: d.clientHeight }; })()",
      );
      expect(sizes.scrollHeight, 'the detail must be taller than the phone for this test to mean anything').toBeGreaterThan(sizes.clientHeight);
      expect(sizes.top).toBe(0);
      const title = await page.locator('#alarm-detail-title').boundingBox();
      expect(title!.y).toBeGreaterThanOrEqual(0);
      expect(title!.y + title!.height).toBeLessThanOrEqual(844);
    });
  });

  it('names the gateway as 哨兵网关 on its own alarm, in the list and in the detail, never _gateway', async () => {
    const { page } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/alarms/${GATEWAY_ALARM}`);
    await screenshotOnFailure(page, 'gateway-alarm-site', async () => {
      const title = page.locator('#alarm-detail h2');
      await title.waitFor();
      expect(await title.innerText()).toBe('哨兵网关 · 网关告警：通知发送失败（notify-ops-hook）');
      const card = page.locator(`li.alarm[data-alarm="${GATEWAY_ALARM}"] .alarm-title`);
      await card.waitFor({ state: 'attached' });
      expect(await card.textContent()).toBe('哨兵网关 · 网关告警：通知发送失败（notify-ops-hook）');
      expect(await page.locator('#alarm-detail .detail-device').innerText()).toBe('notify-ops-hook');
      const body = await page.evaluate<string>('document.body.innerText');
      expect(body).not.toContain('_gateway');
      expect(body).not.toContain('notify_failed');
    });
  });

  it('says how long a silent detector has been silent now, not the 21 s it had been when its alarm was raised', async () => {
    const { page } = await openAsOfficer(browser, fx.defer, OFFICER, `${base}/#/alarms/${SILENT}`);
    await screenshotOnFailure(page, 'silence-now', async () => {
      const card = page.locator(`li.alarm[data-alarm="${SILENT}"]`);
      await card.waitFor({ state: 'attached' });
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('数据中断：甲烷探测器 gas-77 已 10 分钟未上报');
      expect(text).not.toContain('21 秒');
      const title = page.locator('#alarm-detail h2');
      await title.waitFor();
      expect(await title.innerText()).toContain('已 10 分钟未上报');
    });
  });
});
