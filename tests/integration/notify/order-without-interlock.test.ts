// A red alarm at a site with no valve or fan (a confined space with one detector) still issues
// its stop-work order, but nothing there can act or confirm: the notice says people must act by
// hand, and no "联锁已全部确认" (interlock all confirmed) follows it, which told a duty officer
// that something had closed where nothing exists.

import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { detectorsOnly, publishRedMethane } from '../../support/fixture.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { renderOrderNotice } from '../../../gateway/src/notify/order-notice.js';

type Body = { title: string; text: string; notice: string; orderId?: string };

describe('a stop-work order at a site without an interlock', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('says the order was issued and must be carried out by hand, and never that the interlock confirmed', async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    cleanups.push(() => rx.close());
    const config = testConfig(dir.path, (input) => {
      // The demo kitchen with its detector only: no valve, no fan.
      detectorsOnly(input);
      input.notify = zhangOnDuty(rx.url);
    });
    const g = await startTestGateway(config);
    cleanups.push(() => g.stop());
    await publishRedMethane(g);
    const hooks = () => rx.shown('/webhook').map((d) => d.json as Body);
    const issued = await eventually(() => hooks().find((b) => b.notice === 'order_issued'), 10_000, 'order issued notice');
    expect(issued.title).toMatch(/已下达，无联锁设备，须人工处置$/);
    expect(issued.text).toContain('本场所未配置联锁设备：须人工处置（撤离人员、关断气源）');
    // The order is confirmed at once inside the gateway (no actuator to wait for): give its notice time to arrive.
    await new Promise((r) => setTimeout(r, 1000));
    expect(hooks().map((b) => b.notice)).not.toContain('order_confirmed');
    expect(hooks().some((b) => b.title.includes('联锁已全部确认'))).toBe(false);
  });

  it('says it in English too', () => {
    const m = renderOrderNotice({
      kind: 'order_issued',
      order: { id: 'o1', reason: 'red methane', alarmId: 'a1', commands: [] },
      atMs: Date.parse('2026-12-07T23:47:16Z'),
      siteName: 'Sewer vault',
      timeZone: 'Asia/Shanghai',
      publicUrl: 'http://127.0.0.1:8080',
      language: 'en',
    });
    expect(m.title).toBe('[Stop-work order] Sewer vault: issued, no interlock: act by hand');
  });
});
