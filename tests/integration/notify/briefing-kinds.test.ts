// The daily briefing names each open rectification by what it is, from the one text per alarm
// kind: a silent detector as 数据中断 in seconds, a valve that never closed as the valve, never
// as a gas reading.

import { describe, expect, it } from 'vitest';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { buildBriefing } from '../../../gateway/src/notify/briefing.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { openHarness, rosterInput, SITE } from './notify-fixture.js';

const NOWHERE = { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } };
const FROM = Date.parse('2026-11-23T00:00:00Z');
const TO = Date.parse('2026-11-24T00:00:00Z');

describe('daily briefing by alarm kind', () => {
  const fx = useGatewayFixture();

  it('lists open rectifications by their cause in the briefing language', () => {
    let now = Date.parse('2026-11-23T02:00:00Z');
    const h = openHarness(fx.dataDir(), rosterInput(NOWHERE, { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] }), () => now);
    fx.defer(() => h.close());
    h.alarms.onTransition({ kind: 'level', site: SITE as SiteId, device: 'gas-01' as DeviceId, channel: 'co' as ChannelId, quantity: 'co_ppm', ruleId: 'stale', alarmKind: 'stale', from: null, to: 'orange', value: 112.81, atMs: now, stopWork: false });
    now += 60_000;
    h.alarms.raiseDirect({ kind: 'actuator_unconfirmed', site: SITE, device: 'valve-01', actuator: 'valve', attempts: 5 }, 'red');

    const zh = buildBriefing(h.db, { fromMs: FROM, toMs: TO, sites: [SITE], siteNames: { [SITE]: '示范餐馆后厨' } });
    expect(zh.rectificationsOpen.map((r) => r.cause)).toEqual(['数据中断：一氧化碳探测器 gas-01 已 113 秒未上报', '阀门 valve-01 未确认关闭（已重试 4 次）']);
    expect(zh.markdown).toContain('- 示范餐馆后厨 数据中断：一氧化碳探测器 gas-01 已 113 秒未上报 橙色预警');
    expect(zh.markdown).not.toMatch(/112\.81|ppm/);
    const en = buildBriefing(h.db, { fromMs: FROM, toMs: TO, sites: [SITE], siteNames: { [SITE]: 'demo kitchen' }, language: 'en' });
    expect(en.rectificationsOpen.map((r) => r.cause)).toEqual(['No data: carbon monoxide detector gas-01 silent for 113 s', 'Valve valve-01 has not confirmed closed (4 retries)']);
  });
});
