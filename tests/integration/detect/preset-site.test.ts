// A site that picks a preset runs that preset's rules through the real gateway: a valve well at
// 60 %LEL raises red on the valve-well rule without a stop-work order, while the kitchen beside it
// with the same reading stops work.

import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture } from '../../support/fixture.js';

describe('a preset site', () => {
  const fx = useGatewayFixture();

  it('runs its preset rules and not the kitchen rules', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(
      testConfig(dir.path, (c) => {
        const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
        c.sites.push({ id: 'well-07', name: '阀门井 07', preset: 'valve_well', devices: [{ ...gas, channels: { ch4: { quantity: 'methane_lel' } } }] });
      }),
    );
    fx.defer(() => g.stop());
    for (const site of ['well-07', DEMO_SITE]) {
      const d = await connectClient(g.url, deviceLogin(site, 'gas-01', DEMO_PASSWORDS['gas-01']));
      const topic = g.topics.telemetry({ site: site as never, device: 'gas-01' as never });
      const t0 = Date.now() - 10_000;
      for (let i = 0; i < 4; i++) await d.publishAsync(topic, JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: { ch4: 60 } }), { qos: 1 });
      await d.endAsync();
    }
    const well = await eventually(() => g.alarms.activeAlarms().find((a) => a.site === 'well-07'), 5000, 'valve-well alarm');
    expect(well).toMatchObject({ ruleId: 'valve-well-methane', level: 'red' });
    expect(g.alarms.activeAlarms().filter((a) => a.site === 'well-07').map((a) => a.ruleId)).toEqual(['valve-well-methane']);
    expect(g.interlock.activeOrder('well-07')).toBeUndefined();
    const kitchen = g.alarms.activeAlarms().find((a) => a.site === DEMO_SITE && a.channel === 'ch4');
    expect(kitchen).toMatchObject({ ruleId: 'kitchen-methane', level: 'red' });
    expect(g.interlock.activeOrder(DEMO_SITE)?.state).toBe('active');
  });
});
