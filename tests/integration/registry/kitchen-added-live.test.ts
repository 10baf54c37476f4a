// A kitchen added to the registry while the gateway runs is watched end to end without a restart:
// its devices log in, its detector's red closes its own valve through a stop-work order; removed,
// its devices are cut and refused. The runtime wires the followers (broker accounts, detection,
// interlock, alarms) to the fleet; nothing here calls a follower by hand.

import { describe, expect, it } from 'vitest';
import { tempDir } from '../../support/tmp.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually, startTestGateway, testConfig } from '../../support/gateway.js';
import { collect, connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture } from '../../support/fixture.js';

const by = { actor: 'admin-li', atMs: Date.UTC(2026, 11, 8) };

describe('a kitchen added while the gateway runs', () => {
  const fx = useGatewayFixture();

  it('is watched at once: its red stops work at its own valve; removed, its devices are refused', async () => {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const g = await startTestGateway(testConfig(dir.path));
    fx.defer(() => g.stop());
    // The new kitchen has the demo kitchen's devices (same credentials), under another id.
    const demo = g.faces.fleet.site(DEMO_SITE)!;
    g.faces.fleet.putSite({ id: 'kitchen-42', name: '新开的面馆', address: '解放路 42 号', devices: demo.devices.map((d) => ({ ...d, channels: { ...d.channels } })) }, by);

    const valve = await connectClient(g.url, deviceLogin('kitchen-42', 'valve-01', DEMO_PASSWORDS['valve-01']));
    const { messages } = await collect(valve, g.topics.cmd({ site: 'kitchen-42' as never, device: 'valve-01' as never }));
    const gas = await connectClient(g.url, deviceLogin('kitchen-42', 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: 'kitchen-42' as never, device: 'gas-01' as never });
    const t0 = Date.now() - 5000;
    for (let i = 0; i < 4; i++) await gas.publishAsync(topic, JSON.stringify({ ts: t0 + i * 1000, seq: i + 1, readings: { ch4: 70 } }), { qos: 1 });

    const red = await eventually(() => g.alarms.activeAlarms().find((a) => a.site === 'kitchen-42' && a.level === 'red'), 5000, 'red alarm at the new kitchen');
    expect(red.device).toBe('gas-01');
    const command = await eventually(() => messages[0], 5000, 'close command to the new valve');
    expect(JSON.parse(command.payload.toString())).toMatchObject({ action: 'close' });
    expect(g.interlock.activeOrder('kitchen-42')).toBeDefined();
    // The demo kitchen is untouched by the new one's order.
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();

    const closed = new Promise<void>((resolve) => gas.once('close', () => resolve()));
    g.faces.fleet.removeDevice('kitchen-42', 'gas-01', by);
    await closed;
    gas.end(true);
    await expect(connectClient(g.url, { ...deviceLogin('kitchen-42', 'gas-01', DEMO_PASSWORDS['gas-01']), reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password|Not authorized/);
    await valve.endAsync();
  });
});
