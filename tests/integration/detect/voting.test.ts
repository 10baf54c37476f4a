// Stop-work voting through the real gateway (GB 16808-2025 §5.5.1.8): with two votes asked, one
// detector at red raises its red alarm but stops nothing until a second detector of the space
// confirms; a partner in fault does not vote, and then one healthy red is enough.

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

function twoDetectorsVoting(c: ConfigInput): void {
  const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
  gas.space = 'hall';
  c.sites[0]!.devices.push({ ...gas, id: 'gas-02', space: 'hall' });
  c.rules = [{ id: 'kitchen-methane', quantity: 'methane_lel', direction: 'above', levels: { orange: 25, red: 50 }, stopWork: true, stopWorkVotes: 2 }];
}

describe('stop-work voting', () => {
  const fx = useGatewayFixture();

  async function start(): Promise<RunningGateway> {
    const g = await fx.start({ patch: twoDetectorsVoting });
    return g;
  }

  async function send(g: RunningGateway, device: string, body: object, seq: number): Promise<void> {
    const d = await connectClient(g.url, deviceLogin(DEMO_SITE, device, DEMO_PASSWORDS['gas-01']));
    await d.publishAsync(g.topics.telemetry({ site: DEMO_SITE as never, device: device as never }), JSON.stringify({ ts: Date.now(), seq, ...body }), { qos: 1 });
    await d.endAsync();
  }

  it('waits for a second detector of the space before it stops work', async () => {
    const g = await start();
    await send(g, 'gas-01', { readings: { ch4: 62 } }, 1);
    expect(g.alarms.activeAlarms().find((a) => a.device === 'gas-01')?.level).toBe('red');
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
    await send(g, 'gas-02', { readings: { ch4: 55 } }, 1);
    const order = await eventually(() => g.interlock.activeOrder(DEMO_SITE), 3000, 'stop-work order');
    expect(order.alarmId).toBe(g.alarms.activeAlarms().find((a) => a.device === 'gas-02')?.id);
  });

  it('lets one healthy red stop work when the partner detector is in fault', async () => {
    const g = await start();
    await send(g, 'gas-02', { readings: { ch4: 1 }, meta: { fault: ['sensor_open'] } }, 1);
    expect(g.alarms.activeAlarms().find((a) => a.ruleId === 'fault:device')?.device).toBe('gas-02');
    await send(g, 'gas-01', { readings: { ch4: 62 } }, 1);
    await eventually(() => g.interlock.activeOrder(DEMO_SITE), 3000, 'stop-work order');
  });

  it('does not let a detector in fault stop work on its own red', async () => {
    const g = await start();
    await send(g, 'gas-02', { readings: { ch4: 70 }, meta: { fault: ['drift'] } }, 1);
    expect(g.alarms.activeAlarms().find((a) => a.device === 'gas-02' && a.ruleId === 'kitchen-methane')?.level).toBe('red');
    await send(g, 'gas-01', { readings: { ch4: 2 } }, 1);
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();
  });
});
