// An actuator that never confirms its stop-work command raises its own red alarm (the gas may
// still flow); its late confirmation clears it, and it does not block an officer's lift.

import { describe, expect, it } from 'vitest';
import { ACTUATOR_RULE } from '../../../gateway/src/orders/interlock.js';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture } from '../../support/fixture.js';

describe('an actuator that does not confirm', () => {
  const fx = useGatewayFixture();

  it('raises a red alarm of its own, cleared by its late ack', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(testConfig(dir.path, (c) => void (c.orders = { ackTimeoutMs: 100, maxAttempts: 2 })));
    fx.defer(() => g.stop());
    // The valve is connected but silent: it receives the command and never answers.
    const valve = await connectClient(g.url, deviceLogin(DEMO_SITE, 'valve-01', DEMO_PASSWORDS['valve-01']));
    fx.defer(() => valve.endAsync());
    const { messages } = await collect(valve, g.topics.cmd({ site: DEMO_SITE as never, device: 'valve-01' as never }));

    const gas = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const t0 = Date.now() - 5000;
    for (let i = 0; i < 4; i++) await gas.publishAsync(topic, JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: { ch4: 70 } }), { qos: 1 });
    await gas.endAsync();

    const alarm = await eventually(() => g.alarms.activeAlarms().find((a) => a.ruleId === ACTUATOR_RULE && a.device === 'valve-01'), 5000, 'actuator alarm');
    expect(alarm).toMatchObject({ level: 'red', channel: '_device' });
    // The fan never connected at all: it has its own alarm too.
    await eventually(() => g.alarms.activeAlarms().find((a) => a.ruleId === ACTUATOR_RULE && a.device === 'fan-01'), 5000, 'fan alarm');

    const command = JSON.parse(messages[0]!.payload.toString()) as { id: string };
    await valve.publishAsync(g.topics.cmdAck({ site: DEMO_SITE as never, device: 'valve-01' as never }), JSON.stringify({ id: command.id, ok: true, state: 'closed', ts: Date.now() }), { qos: 1 });
    await eventually(() => !g.alarms.activeAlarms().some((a) => a.ruleId === ACTUATOR_RULE && a.device === 'valve-01'), 5000, 'actuator alarm cleared');
    expect(g.alarmRepo.get(alarm.id)?.state).toBe('cleared_unacked');
  });
});
