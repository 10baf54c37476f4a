// What a receiving system and a duty officer get, at a real HTTP receiver through the real
// gateway: every webhook body names the alarm's kind and rule id, and a detector that stopped
// reporting is announced as 数据中断 with seconds of silence, never as a methane reading in %LEL
// (as the DingTalk robot once said: `甲烷报警 … 数值：101.36 %LEL`).

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';

type Body = { title: string; text: string; kind: string; notice: string; ruleId: string; level: string; alarmId: string; cause: string; valueText: string | null };

/** The demo kitchen with 张 on duty on a webhook and a DingTalk robot; gas-01 goes stale after 4 s (the clock-jump bound is half of that: a tick is no jump). */
function config(rxUrl: string) {
  return (input: ConfigInput): void => {
    for (const site of input.sites ?? []) for (const d of site.devices ?? []) if (d.id === 'gas-01') Object.assign(d, { staleAfterS: 4, staleLevel: 'yellow' });
    input.notify = zhangOnDuty(rxUrl);
  };
}

describe('alarm kinds at a real receiver', () => {
  const fx = useGatewayFixture();

  async function start() {
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    const gateway = await fx.start({ patch: config(rx.url) });
    return { rx, gateway };
  }

  it('announces a silent detector as 数据中断 with its seconds of silence, on the webhook and on DingTalk, without a gas unit', async () => {
    const { rx } = await start();
    const hook = await eventually(() => rx.shown('/webhook').find((d) => (d.json as Body).kind === 'stale'), 15_000, 'stale alarm on the webhook');
    const body = hook.json as Body;
    expect(body).toMatchObject({ kind: 'stale', ruleId: 'stale', notice: 'raised', level: 'yellow' });
    expect(body.title).toMatch(/^【黄色预警】示范餐馆后厨.* 数据中断$/);
    expect(body.cause).toMatch(/^数据中断：(甲烷探测器|设备) gas-01 已 \d+ 秒未上报$/);
    expect(body.valueText).toMatch(/^\d+ 秒$/);
    expect(body.text).not.toMatch(/%LEL|ppm/);

    const ding = await eventually(() => rx.shown('/dingtalk').find((d) => (d.json as { markdown: { text: string } }).markdown.text.includes('数据中断')), 10_000, 'stale alarm on DingTalk');
    const markdown = (ding.json as { markdown: { title: string; text: string } }).markdown;
    expect(markdown.title).toMatch(/^【黄色预警】示范餐馆后厨.* 数据中断$/);
    expect(markdown.text).toMatch(/数据中断：(甲烷探测器|设备) gas-01 已 \d+ 秒未上报/);
    expect(markdown.text).not.toMatch(/%LEL|ppm/);
    expect(markdown.text).toMatch(/\n> stale · stale · \d+:zhang:ding$/);
  });

  it('names the kind and the rule of a gas reading in the webhook body', async () => {
    const { rx, gateway } = await start();
    const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
    await device.endAsync();
    const hook = await eventually(() => rx.shown('/webhook').find((d) => (d.json as Body).level === 'red'), 10_000, 'red alarm on the webhook');
    const body = hook.json as Body;
    expect(body).toMatchObject({ kind: 'threshold', notice: 'raised', cause: '甲烷报警：探测器 gas-01', valueText: '70 %LEL' });
    expect(body.ruleId).toBe(gateway.alarmRepo.get(body.alarmId)!.ruleId);
    expect(body.ruleId).not.toBe('');
  });
});
