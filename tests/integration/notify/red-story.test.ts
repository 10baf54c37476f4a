// The red message tells the whole story, at a real HTTP receiver through the real gateway and
// broker with the simulated valve and fan: the duty officer hears of the red alarm, then that a
// stop-work order was issued with each actuator commanded, then that the interlock confirmed,
// or, for an actuator that never answers, that it did not.

import { describe, expect, it } from 'vitest';
import { createValve } from '../../../simulators/src/devices/valve.js';
import { createFan } from '../../../simulators/src/devices/fan.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { publishRedMethane, useGatewayFixture } from '../../support/fixture.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';

type Body = { title: string; text: string; notice: string; kind: string | null; level: string; alarmId: string; orderId?: string; interlock?: { device: string; action: string; state: string; attempts: number }[] };

describe('the red message tells the whole story', () => {
  const fx = useGatewayFixture();

  async function start(options: { fan: boolean }) {
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    const g = await fx.start({
      patch: (input) => {
        input.orders = { ackTimeoutMs: 200, maxAttempts: 3 };
        input.notify = zhangOnDuty(rx.url);
      },
    });
    const common = { url: g.url, topics: g.topics, site: DEMO_SITE, actuationMs: 20 };
    const valve = createValve({ ...common, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'] });
    fx.defer(() => valve.stop());
    await valve.start();
    if (options.fan) {
      const fan = createFan({ ...common, device: 'fan-01', password: DEMO_PASSWORDS['fan-01'] });
      fx.defer(() => fan.stop());
      await fan.start();
    }
    await publishRedMethane(g);
    const hooks = () => rx.shown('/webhook').map((d) => d.json as Body);
    return { g, rx, hooks };
  }

  it('tells the red alarm, the order issued with its actuators commanded, then the interlock confirmed', async () => {
    const { rx, hooks } = await start({ fan: true });
    const confirmed = await eventually(() => hooks().find((b) => b.notice === 'order_confirmed'), 10_000, 'interlock confirmed notice');
    const red = hooks().find((b) => b.notice === 'raised' && b.level === 'red')!;
    const issued = hooks().find((b) => b.notice === 'order_issued')!;
    expect(red).toBeDefined();
    expect(issued.alarmId).toBe(red.alarmId);
    expect(issued.title).toMatch(/^【停产停工令】示范餐馆后厨.* 已下达，联锁动作中$/);
    expect(issued.text).toContain('报警：甲烷报警：探测器 gas-01');
    expect(issued.text).toContain('停产停工令：红色(I级)预警 甲烷报警：探测器 gas-01 70 %LEL — 停产停工');
    expect(issued.text).toContain('阀门 valve-01：关闭指令已发送（第 1 次），等待确认');
    expect(issued.text).toContain('风机 fan-01：启动指令已发送（第 1 次），等待确认');
    expect(issued.interlock!.map((c) => [c.device, c.state])).toEqual([['valve-01', 'commanded'], ['fan-01', 'commanded']]);
    expect(confirmed.title).toMatch(/联锁已全部确认$/);
    expect(confirmed.text).toContain('阀门 valve-01：已确认关闭');
    expect(confirmed.text).toContain('风机 fan-01：已确认启动');
    expect(confirmed.interlock!.map((c) => c.state)).toEqual(['confirmed', 'confirmed']);
    // DingTalk hears the same story.
    await eventually(() => rx.shown('/dingtalk').some((d) => (d.json as { markdown: { title: string } }).markdown.title.includes('联锁已全部确认')), 5000, 'DingTalk confirmation');
  });

  it('tells that an actuator never confirmed, with its retries', async () => {
    const { hooks } = await start({ fan: false });
    const unconfirmed = await eventually(() => hooks().find((b) => b.notice === 'order_unconfirmed'), 10_000, 'interlock unconfirmed notice');
    expect(unconfirmed.title).toMatch(/^【停产停工令·联锁未确认】示范餐馆后厨.* 风机 fan-01：未确认启动（已重试 2 次）$/);
    expect(unconfirmed.text).toContain('阀门 valve-01：已确认关闭');
    expect(unconfirmed.interlock!.find((c) => c.device === 'fan-01')).toMatchObject({ state: 'unconfirmed', attempts: 3 });
    expect(hooks().some((b) => b.notice === 'order_confirmed')).toBe(false);
  });
});
