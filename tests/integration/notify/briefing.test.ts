// The daily briefing (值班日报) over a real state database: counts by level and site, orders
// issued and lifted, rectifications closed and open, devices offline, the longest time to
// acknowledge; sent once at its local hour through a real receiver, not again after a restart.

import { describe, expect, it } from 'vitest';
import { levelTransition } from '../../support/transitions.js';
import { buildBriefing } from '../../../gateway/src/notify/briefing.js';
import { buildChannels } from '../../../gateway/src/notify/channels/index.js';
import { notifySchema } from '../../../gateway/src/config/notify-schema.js';
import { eventually } from '../../support/gateway.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { tempDir } from '../../support/tmp.js';
import { openHarness, rosterInput, SITE, type Harness } from './notify-fixture.js';
import { useGatewayFixture } from '../../support/fixture.js';

const at = (iso: string): number => Date.parse(iso);
const FROM = at('2026-11-23T00:00:00Z'); // 08:00 Shanghai
const TO = at('2026-11-24T00:00:00Z');
/** Alarm notifications of the seeded day go nowhere: these tests read the outbox, not a receiver. */
const NOWHERE = { hook: { type: 'webhook' as const, url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } };

describe('daily briefing', () => {
  const fx = useGatewayFixture();

  /** A day at two kitchens, with events just outside the window on both sides. */
  function seed(h: Harness, setNow: (ms: number) => void, now: () => number): void {
    const other = (to: 'red' | null, from: 'red' | null, value: number): void => {
      h.alarms.onTransition(levelTransition({ site: 'kitchen-02', device: 'gas-09', channel: 'ch4', quantity: 'methane_lel', ruleId: 'methane', from, to, value, atMs: now(), stopWork: false }));
    };
    setNow(at('2026-11-22T20:00:00Z')); // the day before: orange, cleared and acked, never signed off
    const old = h.move('gas-05', null, 'orange', 40)!;
    h.move('gas-05', 'orange', null, 2);
    h.alarms.acknowledge(old.id, 'li');

    setNow(at('2026-11-23T02:00:00Z'));
    const red = h.move('gas-01', null, 'red', 62)!;
    setNow(at('2026-11-23T02:12:30Z'));
    h.alarms.acknowledge(red.id, 'zhang');
    setNow(at('2026-11-23T03:00:00Z'));
    const yellow = h.move('gas-02', null, 'yellow', 22)!;
    setNow(at('2026-11-23T03:01:00Z'));
    h.alarms.acknowledge(yellow.id, 'zhang');
    setNow(at('2026-11-23T04:00:00Z'));
    h.move('gas-03', null, 'orange', 40); // never acknowledged
    h.move('gas-01', 'red', null, 1);
    setNow(at('2026-11-23T05:00:00Z'));
    expect(h.alarms.close(red.id, 'zhang', '更换软管 hose replaced')?.rejected).toBeUndefined();
    other('red', null, 70);
    setNow(at('2026-11-24T01:00:00Z')); // after the window
    h.move('gas-06', null, 'yellow', 21);

    const order = h.db.prepare(
      `INSERT INTO stop_work_order (id, site, state, reason, alarm_id, issued_at_ms, lifted_at_ms, lifted_by, lift_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    order.run('o-old', SITE, 'lifted', '甲烷红色预警', old.id, at('2026-11-22T21:00:00Z'), at('2026-11-23T01:00:00Z'), 'li', 'ok');
    order.run('o-1', SITE, 'lifted', '甲烷红色预警', red.id, at('2026-11-23T02:00:01Z'), at('2026-11-23T06:00:00Z'), 'zhang', '检测合格');
    const status = h.db.prepare('INSERT INTO device_status (site, device, state, at_ms) VALUES (?, ?, ?, ?)');
    status.run(SITE, 'gas-04', 'offline', at('2026-11-23T10:00:00Z'));
    status.run(SITE, 'valve-01', 'online', at('2026-11-23T10:00:00Z'));
  }

  it('counts the day and writes it as Markdown and HTML', () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    let now = 0;
    const h = openHarness(dir.path, rosterInput(NOWHERE, { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] }), () => now);
    fx.defer(() => h.close());
    seed(h, (ms) => (now = ms), () => now);

    const b = buildBriefing(h.db, { fromMs: FROM, toMs: TO, sites: [SITE, 'kitchen-02'], siteNames: { [SITE]: '示范餐馆后厨' } });
    expect(b.alarmsByLevel).toEqual({ blue: 0, yellow: 1, orange: 1, red: 2 });
    expect(b.alarmsBySite.map((s) => [s.site, s.byLevel.red, s.byLevel.orange, s.byLevel.yellow, s.total])).toEqual([
      [SITE, 1, 1, 1, 3],
      ['kitchen-02', 1, 0, 0, 1],
    ]);
    expect(b.ordersIssued.map((o) => o.id)).toEqual(['o-1']);
    expect(b.ordersLifted.map((o) => o.id)).toEqual(['o-old', 'o-1']);
    expect(b.rectificationsClosed).toBe(1);
    expect(b.rectificationsOpen.map((r) => r.device)).toEqual(['gas-05', 'gas-03', 'gas-09']);
    expect(b.devicesOffline).toEqual([{ site: SITE, device: 'gas-04', sinceMs: at('2026-11-23T10:00:00Z') }]);
    expect(b.longestAck).toMatchObject({ device: 'gas-01', level: 'red', ms: 750_000 });
    expect(b.unacked).toBe(2);

    expect(b.title).toBe('值班日报 · 全部场所 · 2026-11-24');
    expect(b.markdown).toContain('统计时段：2026-11-23 08:00 至 2026-11-24 08:00（Asia/Shanghai）');
    expect(b.markdown).toContain('| 示范餐馆后厨 | 1 | 1 | 1 | 0 | 3 |');
    expect(b.markdown).toContain('- 下达 1 起，解除 2 起');
    expect(b.markdown).toContain('- 已销号 1 项，未销号 3 项');
    expect(b.markdown).toContain('- 示范餐馆后厨 gas-04 离线自 2026-11-23 18:00');
    expect(b.markdown).toContain('- 最长确认用时 12 分 30 秒（示范餐馆后厨 gas-01，红色预警）');
    // For robots without Markdown tables (DingTalk, WeCom) the same rows as bullets.
    expect(b.markdownLists).toContain('- **示范餐馆后厨**：红色预警 1，橙色预警 1，黄色预警 1，蓝色预警 0，合计 3');
    expect(b.markdownLists).toContain('- **合计**：红色预警 2，橙色预警 1，黄色预警 1，蓝色预警 0，合计 4');
    expect(b.markdownLists).not.toMatch(/^\|/m);
    expect(b.markdownLists).toContain('- 下达 1 起，解除 2 起');
    expect(b.html).toContain('<th>红色预警</th>');
    expect(b.html).toContain('<li>尚未确认 2 起</li>');

    // A region sees its own sites only.
    const north = buildBriefing(h.db, { fromMs: FROM, toMs: TO, sites: ['kitchen-02'], language: 'en', regionName: 'North' });
    expect(north.alarmsByLevel).toEqual({ blue: 0, yellow: 0, orange: 0, red: 1 });
    expect(north.ordersIssued).toEqual([]);
    expect(north.title).toBe('Duty briefing · North · 2026-11-24');
    expect(north.markdownLists).toContain('- **kitchen-02**: Red warning 1, Orange warning 0, Yellow warning 0, Blue warning 0, Total 1');
  });

  it('is sent once at 08:00 local per region and recipient, and not again after a restart', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver({ webhookSecret: 'webhook-secret-0123' });
    fx.defer(() => rx.close());
    const input = {
      ...rosterInput({ hook: { type: 'webhook' as const, url: `${rx.url}/webhook`, secret: 'webhook-secret-0123' } }, { zhang: [{ channel: 'hook' }], wang: [{ channel: 'hook' }], zhao: [{ channel: 'hook' }] }),
      briefing: { enabled: true, at: '08:00', to: ['wang'], regions: [{ id: 'south', name: '南区', sites: [SITE] }, { id: 'north', name: '北区', sites: ['kitchen-02'] }] },
      delivery: { pollMs: 10, baseDelayMs: 20 },
    };
    let now = 0;
    const h = openHarness(dir.path, input, () => now);
    fx.defer(() => h.close());
    seed(h, (ms) => (now = ms), () => now);

    expect(h.notifier.briefings.tick(TO - 1)).toBe(0);
    expect(h.notifier.briefings.tick(TO)).toBe(2);
    expect(h.notifier.briefings.tick(TO + 60_000)).toBe(0);
    h.notifier.start();
    const briefings = (): typeof rx.accepted => rx.shown().filter((d) => d.key?.startsWith('briefing:'));
    await eventually(() => briefings().length === 2, 5000, 'two briefings');
    const titles = briefings().map((d) => (d.json as { title: string }).title).sort();
    expect(titles).toEqual(['值班日报 · 北区 · 2026-11-24', '值班日报 · 南区 · 2026-11-24']);
    const south = briefings().find((d) => (d.json as { title: string }).title.includes('南区'))!;
    expect((south.json as { markdown: string }).markdown).toContain('| 示范餐馆后厨 | 1 | 1 | 1 | 0 | 3 |');
    expect(briefings().map((d) => d.key).sort()).toEqual(['briefing:north:2026-11-24:wang:hook', 'briefing:south:2026-11-24:wang:hook']);
    h.close();

    const again = openHarness(dir.path, input, () => TO + 3_600_000);
    fx.defer(() => again.close());
    expect(again.notifier.briefings.tick(TO + 3_600_000)).toBe(0);
    expect(again.notifier.outbox.list({ limit: 100 }).filter((r) => r.kind === 'briefing')).toHaveLength(2);
  });

  it('reaches DingTalk and WeCom robots with its tables as lists, a webhook with the tables', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver({ webhookSecret: 'webhook-secret-0123', dingtalkSecret: 'SEC-ding-secret-01' });
    fx.defer(() => rx.close());
    const channels = {
      hook: { type: 'webhook' as const, url: `${rx.url}/webhook`, secret: 'webhook-secret-0123' },
      ding: { type: 'dingtalk' as const, url: `${rx.url}/dingtalk?access_token=t`, secret: 'SEC-ding-secret-01' },
      wecom: { type: 'wecom' as const, url: `${rx.url}/wecom?key=k1` },
    };
    const all = [{ channel: 'hook' }, { channel: 'ding', to: '13800000002' }, { channel: 'wecom' }];
    const input = { ...rosterInput(channels, { zhang: [{ channel: 'hook' }], wang: all, zhao: [{ channel: 'hook' }] }), briefing: { enabled: true, to: ['wang'] }, delivery: { pollMs: 10, baseDelayMs: 20 } };
    let now = 0;
    // The robots sign with the wall clock (DingTalk refuses a timestamp an hour off), not the seed's.
    const h = openHarness(dir.path, input, () => now, { channels: buildChannels(notifySchema.parse(input).channels, Date.now) });
    fx.defer(() => h.close());
    seed(h, (ms) => (now = ms), () => now);
    // The seeded alarms' own notifications went nowhere yet (the worker is not started): drop them.
    h.db.prepare("DELETE FROM notify_outbox WHERE kind != 'briefing'").run();

    expect(h.notifier.briefings.tick(TO)).toBe(3);
    h.notifier.start();
    const briefing = (path: string) => rx.shown(path).find((d) => d.key?.startsWith('briefing:'));
    const row = '示范餐馆后厨**：红色预警 1，橙色预警 1，黄色预警 1，蓝色预警 0，合计 3';
    const ding = await eventually(() => briefing('/dingtalk'), 5000, 'briefing on DingTalk');
    const dingText = (ding.json as { markdown: { text: string }; at: unknown }).markdown.text;
    expect(dingText).toContain(row);
    expect(dingText).not.toMatch(/^\|/m);
    // The briefing calls nobody by name: no @-mention.
    expect((ding.json as { at: unknown }).at).toEqual({ atMobiles: [], isAtAll: false });
    const wecom = await eventually(() => briefing('/wecom'), 5000, 'briefing on WeCom');
    const content = (wecom.json as { markdown: { content: string } }).markdown.content;
    expect(content).toContain(row);
    expect(content).not.toMatch(/^\|/m);
    const hook = await eventually(() => briefing('/webhook'), 5000, 'briefing on the webhook');
    expect((hook.json as { markdown: string }).markdown).toContain('| 示范餐馆后厨 | 1 | 1 | 1 | 0 | 3 |');
    expect(rx.refused).toEqual([]);
  });
});
