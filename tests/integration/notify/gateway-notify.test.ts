// End to end through the real gateway: a detector publishes a red methane reading through the
// embedded broker, and the duty officer's webhook and DingTalk robot receive the alarm, signed,
// in Chinese, with a link to the alarm.

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../gateway/src/errors.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { startHttpReceiver } from '../../support/receivers.js';
import { RECEIVER_SECRETS, zhangOnDuty } from '../../support/duty-notify.js';
import { tempDir } from '../../support/tmp.js';
import { SYSTEM_SITE } from '../../../gateway/src/alarms/system-alarms.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

/** The demo kitchen with 张 on duty around the clock, on a webhook and a DingTalk robot. */
function notifyConfig(dataDir: string, rxUrl: string): ReturnType<typeof testConfig> {
  return testConfig(dataDir, (input) => {
    input.notify = zhangOnDuty(rxUrl);
  });
}

/** Four red methane readings one second apart: the kitchen preset's 2 s on-delay
 * (presets/kitchen.ts) must pass. */
async function publishRed(gateway: RunningGateway): Promise<void> {
  const device = await connectClient(gateway.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
  const topic = gateway.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
  const base = Date.now() - 4000;
  for (let seq = 1; seq <= 4; seq++) await device.publishAsync(topic, JSON.stringify({ ts: base + seq * 1000, seq, readings: { ch4: 70 } }), { qos: 1 });
  await device.endAsync();
}

describe('gateway notifications', () => {
  const fx = useGatewayFixture();

  it('a red reading through the broker reaches the webhook and the DingTalk robot', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    fx.defer(() => rx.close());
    const config = notifyConfig(dir.path, rx.url);
    const gateway = await startTestGateway(config);
    fx.defer(() => gateway.stop());

    await publishRed(gateway);

    const hook = await eventually(() => rx.shown('/webhook').find((d) => (d.json as { level?: string }).level === 'red'), 10_000, 'webhook notification');
    const body = hook.json as { title: string; text: string; alarmId: string; link: string; key: string };
    expect(body.title).toMatch(/^【红色预警】示范餐馆后厨/);
    expect(body.text).toContain('数值：70 %LEL');
    expect(body.link).toBe(`http://127.0.0.1:8080/#/alarms/${body.alarmId}`);
    expect(gateway.alarmRepo.get(body.alarmId)).toMatchObject({ site: DEMO_SITE, device: 'gas-01', level: 'red' });
    expect(body.key).toMatch(/^\d+:zhang:hook$/);

    const ding = await eventually(() => rx.shown('/dingtalk')[0], 10_000, 'DingTalk notification');
    expect((ding.json as { markdown: { title: string } }).markdown.title).toBe(body.title);
    expect(rx.refused).toEqual([]);
    await eventually(() => gateway.notifier.stats().pending === 0, 5000, 'outbox drained');
    expect(gateway.notifier.stats().sent).toBeGreaterThanOrEqual(2);
  });

  // Killed between the transition and the delivery: killed-before-delivery.test.ts (a child process and SIGKILL).

  it('refuses to start when the roster or a region names a site that does not exist', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const config = testConfig(dir.path, (input) => {
      input.notify = {
        channels: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/webhook', secret: 'webhook-secret-0123' } },
        roster: {
          people: { zhang: { name: '张值班', contacts: [{ channel: 'hook' }] } },
          shifts: [{ id: 'all-day', start: '00:00', end: '00:00', sites: ['kitchen-0l'], duty: ['zhang'] }],
        },
        briefing: { regions: [{ id: 'north', name: '北区', sites: [DEMO_SITE, 'nowhere'] }] },
      };
    });
    const err = await startTestGateway(config).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      { path: 'notify.roster.shifts[0].sites[0]', message: 'no site kitchen-0l in sites (did you mean "kitchen-01"? use an id from sites:)' },
      { path: 'notify.briefing.regions[0].sites[1]', message: 'no site nowhere in sites (use an id from sites:)' },
    ]);
  });
});

describe('a notification channel that fails for good', () => {
  it('raises an orange gateway alarm, which clears once a delivery through the channel succeeds', async () => {
    const dir = tempDir();
    const rx = await startHttpReceiver(RECEIVER_SECRETS);
    await rx.down();
    const config = notifyConfig(dir.path, rx.url);
    const gateway = await startTestGateway({ ...config, notify: { ...config.notify, delivery: { ...config.notify.delivery, maxAttempts: 2 } } });
    try {
      await publishRed(gateway);
      const failed = await eventually(
        () => gateway.alarms.activeAlarms().find((a) => a.site === SYSTEM_SITE && a.device === 'notify-hook'),
        10_000,
        'gateway alarm for the failing webhook',
      );
      expect(failed).toMatchObject({ ruleId: 'system:notify_failed', level: 'orange', channel: 'notify_failed', state: 'active_unacked' });
      // The gateway alarm is itself notified; once the receiver is back its delivery clears it.
      await rx.up();
      await eventually(() => gateway.alarmRepo.get(failed.id)?.state === 'cleared_unacked', 10_000, 'gateway alarm cleared by a later delivery');
      const told = await eventually(() => rx.shown('/webhook').find((d) => (d.json as { alarmId?: string }).alarmId === failed.id), 10_000, 'gateway alarm delivered');
      // Its own notice went out while the receiver was down: under load it may have failed for good
      // before the receiver came back, and then the all-clear is the first to arrive.
      expect((told.json as { title: string }).title).toMatch(/^【(橙色预警|已解除)】哨兵网关 网关告警：通知发送失败/);
      expect(gateway.notifier.outbox.list({ alarmId: failed.id, limit: 10 }).map((r) => r.kind)).toContain('raised');
    } finally {
      await gateway.stop();
      await rx.close();
      dir.remove();
    }
  });
});
