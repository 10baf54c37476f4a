// The red alarm's own message says the stop-work order it issues: when the order goes out in the
// same step as the red (no vote pending), the duty officer's first message already reads
// 已下达停产停工令 with each actuator commanded, before the order's own notices tell what the
// interlock confirmed. Through the real gateway and broker, at a real HTTP receiver (webhook and
// DingTalk).

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';

type Body = {
  title: string;
  text: string;
  notice: string;
  level: string;
  alarmId: string;
  device: string;
  stopWork?: { alreadyInForce: boolean; interlock: { device: string; action: string; state: string }[] } | null;
};

describe('the red message says the stop-work order it issues', () => {
  const fx = useGatewayFixture();

  async function start(patch: (input: ConfigInput) => void = () => {}) {
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    const g = await fx.start({
      patch: (input) => {
        input.notify = zhangOnDuty(rx.url);
        patch(input);
      },
    });
    const hooks = () => rx.shown('/webhook').map((d) => d.json as Body);
    /** Four readings of red methane from `device`, one second apart, ending now. */
    const red = async (device: string) => {
      const client = await connectClient(g.url, deviceLogin(DEMO_SITE, device, DEMO_PASSWORDS['gas-01']));
      const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: device as never });
      const base = Date.now() - 4000;
      for (let seq = 1; seq <= 4; seq++) await client.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
      await client.endAsync();
    };
    return { g, rx, hooks, red };
  }

  it('titles the red raise 已下达停产停工令 and lists the valve and fan commanded, on the webhook and DingTalk', async () => {
    const { rx, hooks, red } = await start();
    await red('gas-01');
    const raised = await eventually(() => hooks().find((b) => b.notice === 'raised' && b.level === 'red'), 10_000, 'red raise at the webhook');
    expect(raised.title).toMatch(/^【红色预警】示范餐馆后厨.* 甲烷报警，已下达停产停工令$/);
    expect(raised.text.split('\n')).toContain('停产停工令：已下达；阀门 valve-01 已下令关闭，风机 fan-01 已下令启动，等待确认');
    expect(raised.stopWork).toEqual({
      alreadyInForce: false,
      interlock: [
        { device: 'valve-01', action: 'close', state: 'commanded' },
        { device: 'fan-01', action: 'fan_on', state: 'commanded' },
      ],
    });
    const ding = await eventually(() => rx.shown('/dingtalk').map((d) => d.json as { markdown: { title: string; text: string } }).find((m) => m.markdown.title.startsWith('【红色预警】')), 5000, 'red raise at DingTalk');
    expect(ding.markdown.title).toMatch(/，已下达停产停工令$/);
    expect(ding.markdown.text).toContain('阀门 valve-01 已下令关闭');
    // The order's own notice still follows, naming the same alarm.
    const issued = await eventually(() => hooks().find((b) => b.notice === 'order_issued'), 5000, 'order issued notice');
    expect(issued.alarmId).toBe(raised.alarmId);
  });

  it('says a second red at the site joins the order already in force', async () => {
    const { hooks, red } = await start((input) => {
      const gas = input.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
      input.sites[0]!.devices.push({ ...gas, id: 'gas-02', channels: { ch4: { quantity: 'methane_lel' } } });
    });
    await red('gas-01');
    await eventually(() => hooks().find((b) => b.notice === 'raised' && b.device === 'gas-01'), 10_000, 'first red');
    await red('gas-02');
    const second = await eventually(() => hooks().find((b) => b.notice === 'raised' && b.device === 'gas-02'), 10_000, 'second red');
    expect(second.title).toMatch(/甲烷报警，停产停工令执行中$/);
    expect(second.text).toContain('停产停工令：本场所停产停工令执行中（此前已下达）');
    expect(second.stopWork?.alreadyInForce).toBe(true);
  });

  it('says nothing of an order when the red rule does not stop work', async () => {
    const { hooks, red } = await start((input) => {
      input.rules = [{ id: 'ch4-no-stop', quantity: 'methane_lel', direction: 'above', levels: { red: 50 }, stopWork: false }];
    });
    await red('gas-01');
    const raised = await eventually(() => hooks().find((b) => b.notice === 'raised' && b.level === 'red'), 10_000, 'red raise');
    expect(raised.title).toMatch(/甲烷报警$/);
    expect(raised.text).not.toContain('停产停工令');
    expect(raised.stopWork).toBeNull();
  });
});
