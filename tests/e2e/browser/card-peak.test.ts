// An alarm card follows the readings with its peak beside it, and the peak is never below the value
// shown: orange at 26 %LEL, then 28 arriving, read "28 %LEL · 峰值 26 %LEL" (the gateway records the
// peak value when the alarm reaches its worst level, not each worse reading within that level).

import { beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { type RunningGateway, startSeeded, useGatewayFixture } from '../../support/fixture.js';
import { chromiumMissing, launchBrowser, newOfficer, openAsOfficer, screenshotOnFailure, withOfficer } from '../../support/browser.js';

const missing = chromiumMissing();
const OFFICER = newOfficer();
const ALARM = 'orange-climbing';

describe.skipIf(missing !== null)(`alarm card value and peak${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const fx = useGatewayFixture({ per: 'suite' });
  let browser: Browser;
  let gateway: RunningGateway;

  beforeAll(async () => {
    const dataDir = fx.dataDir();
    // Orange on the demo kitchen's methane (orange 25, red 50 %LEL), raised at 26 %LEL.
    gateway = await startSeeded(testConfig(dataDir, withOfficer(OFFICER)), dataDir, (db) => {
      const at = Date.now() - 60_000;
      db.prepare(
        `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
         VALUES (?, ?, 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', 'threshold', 'orange', 'orange', 26, 26, 'active_unacked', ?, ?)`,
      ).run(ALARM, DEMO_SITE, at, at);
    });
    fx.defer(() => gateway.stop());
    browser = await launchBrowser(fx.defer);
  }, 60_000);

  it('shows the climbing reading with no lower peak beside it, then keeps the worst as the peak when it falls back', async () => {
    const { page, errors } = await openAsOfficer(browser, fx.defer, OFFICER, `http://127.0.0.1:${gateway.apiPort}/`);
    const value = page.locator(`li.alarm[data-alarm="${ALARM}"] .alarm-value`);
    await value.waitFor();
    const client = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => client.endAsync());
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
