// An alarm card follows the readings with its peak beside it, and the peak is never below the value
// shown: orange at 26 %LEL, then 28 arriving, read "28 %LEL · 峰值 26 %LEL" (the gateway records the
// peak value when the alarm reaches its worst level, not each worse reading within that level).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { chromiumMissing, launchBrowser, pageErrors, screenshotOnFailure } from '../../support/browser.js';

const missing = chromiumMissing();
const OFFICER = { name: 'duty-officer', secret: `sb_${randomBytes(32).toString('base64url')}` };
const ALARM = 'orange-climbing';

describe.skipIf(missing !== null)(`alarm card value and peak${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const cleanups: (() => unknown)[] = [];
  let browser: Browser;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;

  beforeAll(async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const config = testConfig(dir.path, (c) => {
      c.api = { ...c.api, bootstrapTokens: [{ name: OFFICER.name, role: 'officer', tokenHash: hashToken(OFFICER.secret) }] };
    });
    await (await startTestGateway(config)).stop();
    // Orange on the demo kitchen's methane (orange 25, red 50 %LEL), raised at 26 %LEL.
    const db = new Database(join(dir.path, 'state.db'));
    const at = Date.now() - 60_000;
    db.prepare(
      `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
       VALUES (?, ?, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', 'threshold', 'orange', 'orange', 26, 26, 'active_unacked', ?, ?)`,
    ).run(ALARM, DEMO_SITE, at, at);
    db.close();
    gateway = await startTestGateway(config);
    cleanups.push(() => gateway.stop());
    browser = await launchBrowser();
    cleanups.push(() => browser.close());
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('shows the climbing reading with no lower peak beside it, then keeps the worst as the peak when it falls back', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    cleanups.push(() => context.close());
    const page = await context.newPage();
    const errors = pageErrors(page);
    await page.addInitScript((token) => localStorage.setItem('shaobing.token', token), OFFICER.secret);
    await page.goto(`http://127.0.0.1:${gateway.apiPort}/`);
    const value = page.locator(`li.alarm[data-alarm="${ALARM}"] .alarm-value`);
    await value.waitFor();
    const client = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    cleanups.push(() => client.endAsync());
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    let seq = 0;
    const send = (ch4: number) => client.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: ++seq, readings: { ch4 } }), { qos: 1 });
    await screenshotOnFailure(page, 'card-peak', async () => {
      // The page learns the rules of the sites it follows once the stream is up: give it a moment.
      await eventually(async () => {
        await send(28);
        return (await value.textContent()) === '28 %LEL' || undefined;
      }, 10_000, 'the card to read 28 %LEL with no lower peak');
      await send(27);
      await eventually(async () => ((await value.textContent()) === '27 %LEL · 峰值 28 %LEL' ? true : undefined), 10_000, 'the card to keep 28 as its peak');
    });
    expect(errors).toEqual([]);
  });
});
