// Through the real gateway: the kitchen's contactPhone is set in the live registry after start,
// a red methane reading comes through the embedded broker, and the SMS provider receives the
// alarm and then the stop-work order's notice for the owner's number.

import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';

const OWNER = '13900000001';

interface Sms {
  mobile: string;
  content: string;
  requestId: string;
}

describe('the site contact through the gateway', () => {
  const fx = useGatewayFixture();

  it('a red reading texts the owner set in the registry at run time, then the stop-work notice', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    const config = testConfig(dir.path, (input) => {
      const notify = zhangOnDuty(rx.url);
      notify.channels = { ...notify.channels, sms: { type: 'sms', url: `${rx.url}/sms`, body: '{"mobile":"{{to}}","content":"{{text}}","requestId":"{{key}}"}', okField: 'code', okValue: 0 } };
      input.notify = notify;
    });
    const gateway = await startTestGateway(config);
    fx.defer(() => gateway.stop());

    const site = gateway.fleet.site(DEMO_SITE)!;
    expect(site.contactPhone).toBeUndefined();
    gateway.fleet.putSite({ ...site, contact: '王老板', contactPhone: OWNER }, { actor: 'test', atMs: Date.now() });

    const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
    await device.endAsync();

    const texts = (): Sms[] => rx.shown('/sms').map((d) => d.json as Sms);
    const alarm = await eventually(() => texts().find((t) => /^\d+:site:/.test(t.requestId)), 10_000, 'the alarm texted to the owner');
    expect(alarm.mobile).toBe(OWNER);
    expect(alarm.content).toMatch(/^【红色预警】示范餐馆后厨/);
    const order = await eventually(() => texts().find((t) => t.requestId.startsWith('order:')), 10_000, 'the stop-work notice texted to the owner');
    expect(order.mobile).toBe(OWNER);
    expect(order.content).toContain('停产停工');
    // The duty officer is on the webhook, never texted; the owner gets nothing on the webhook.
    expect(texts().every((t) => t.mobile === OWNER)).toBe(true);
    expect(rx.shown('/webhook').some((d) => JSON.stringify(d.json).includes(OWNER))).toBe(false);
  });
});
