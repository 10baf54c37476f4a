// Sensor health through the real embedded broker: a detector that dies (last will) or falls
// silent raises its alarm, a device fault code and an impossible reading raise fault alarms,
// and the first evidence of health clears each of them.

import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

describe('sensor health alarms', () => {
  const fx = useGatewayFixture();

  async function setup(): Promise<{ g: RunningGateway; connect: () => Promise<MqttClient>; send: (d: MqttClient, body: object) => Promise<void> }> {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(
      testConfig(dir.path, (c) => {
        const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
        gas.staleAfterS = 1;
      }),
    );
    fx.defer(() => g.stop());
    const statusTopic = g.topics.status({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const connect = async () => {
      const c = await connectClient(g.url, {
        ...deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01'], 'gas-01-health'),
        will: { topic: statusTopic, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
      });
      fx.defer(() => c.endAsync(true));
      return c;
    };
    let seq = 0;
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const send = async (d: MqttClient, body: object) => {
      await d.publishAsync(topic, JSON.stringify({ ts: Date.now(), seq: ++seq, ...body }), { qos: 1 });
    };
    return { g, connect, send };
  }

  const active = (g: RunningGateway, ruleId: string) => g.alarms.activeAlarms().find((a) => a.ruleId === ruleId);

  it('raises offline from the last will of a detector that lost power, clears it on the birth message', async () => {
    const { g, connect, send } = await setup();
    const first = await connect();
    await send(first, { readings: { ch4: 2 } });
    first.stream.destroy(); // no DISCONNECT: the broker publishes the last will
    const offline = await eventually(() => active(g, 'offline'), 5000, 'offline alarm');
    expect(offline).toMatchObject({ device: 'gas-01', channel: '_device', level: 'yellow' });
    const again = await connect();
    await again.publishAsync(g.topics.status({ site: DEMO_SITE as never, device: 'gas-01' as never }), '{"state":"online"}', { qos: 1, retain: true });
    await eventually(() => !active(g, 'offline'), 5000, 'offline cleared');
    expect(g.alarmRepo.get(offline.id)?.state).toBe('cleared_unacked');
  });

  it('raises stale after the configured silence and clears it with the next reading', async () => {
    const { g, connect, send } = await setup();
    const d = await connect();
    await send(d, { readings: { ch4: 2, co: 3 } });
    const stale = await eventually(() => active(g, 'stale'), 5000, 'stale alarm');
    expect(stale.level).toBe('yellow');
    await send(d, { readings: { ch4: 2, co: 3 } });
    await eventually(() => !active(g, 'stale') || undefined, 3000, 'stale cleared');
  });

  it('raises fault alarms for device fault codes and impossible values, and clears them', async () => {
    const { g, connect, send } = await setup();
    const d = await connect();
    await send(d, { readings: { ch4: 2 }, meta: { fault: ['sensor_open'] } });
    expect(active(g, 'fault:device')).toMatchObject({ channel: '_device', level: 'orange' });
    await send(d, { readings: { ch4: 140 } });
    expect(active(g, 'fault:range')).toMatchObject({ channel: 'ch4', level: 'orange', value: 140 });
    // The level rules still see it: a catalytic detector over its range may mean a real, very
    // high concentration, so a fault never hides a possible red (held for the on-delay here).
    for (let i = 0; i < 3; i++) await send(d, { readings: { ch4: 2 } });
    expect(active(g, 'fault:device')).toBeUndefined();
    expect(active(g, 'fault:range')).toBeUndefined();
  });
});
