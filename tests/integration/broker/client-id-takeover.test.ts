// A client id belongs to one identity (broker/src/client-id-owner.ts): over the real gateway, a
// leaked detector password reusing the valve's client id is refused with CONNACK 2 and the valve
// stays connected and still closes on its stop-work command.

import { describe, expect, it } from 'vitest';
import type { Aedes } from 'aedes';
import { hashPassword } from '../../../broker/src/auth.js';
import { AedesIngress } from '../../../gateway/src/ingest/aedes-ingress.js';
import { createValve } from '../../../simulators/src/devices/valve.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';

type Gateway = RunningGateway;
const VALVE_ID = 'valve-01-live';
const OPS = { username: 'ops-tool', password: 'ops-tool-secret-1' };

function refusalCode(url: string, options: Parameters<typeof connectClient>[1]): Promise<number | 'accepted'> {
  return connectClient(url, options).then(
    async (client) => {
      await client.endAsync(true);
      return 'accepted' as const;
    },
    (err: Error & { code?: number }) => err.code ?? -1,
  );
}

describe('client-id takeover across identities', () => {
  const fx = useGatewayFixture();

  async function gateway(): Promise<Gateway> {
    const opsHash = await hashPassword(OPS.password, { N: 1024 });
    return fx.start({
      patch: (input) => {
        input.broker = { ...input.broker, users: [{ username: OPS.username, passwordHash: opsHash, role: 'gateway' }] };
      },
    });
  }

  const aedesOf = (g: Gateway): Aedes => (g.inside.ingress as AedesIngress).aedes;
  const liveClient = (g: Gateway, id: string): unknown => (aedesOf(g) as unknown as { clients: Record<string, unknown> }).clients[id];

  it('refuses another device reusing a live valve client id, keeps the valve, and the valve still closes on stop-work', async () => {
    const g = await gateway();
    const valve = await connectClient(g.url, deviceLogin(DEMO_SITE, 'valve-01', DEMO_PASSWORDS['valve-01'], VALVE_ID));
    fx.defer(() => valve.endAsync(true));
    let valveCloses = 0;
    valve.on('close', () => valveCloses++);
    const cmds: string[] = [];
    valve.on('message', (_topic, payload) => cmds.push(payload.toString()));
    await valve.subscribeAsync(g.topics.cmd({ site: DEMO_SITE as never, device: 'valve-01' as never }), { qos: 1 });
    const held = liveClient(g, VALVE_ID);
    expect(held).toBeDefined();

    // Another device of the same site, with its own valid password, tries the valve's id 5 times.
    for (let i = 0; i < 5; i++) {
      expect(await refusalCode(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01'], VALVE_ID))).toBe(2);
    }
    expect((g.inside.ingress as AedesIngress).brokerStats().takeoversRefused).toBe(5);
    const metrics = await g.api!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('shaobing_broker_logins{what="takeovers_refused"} 5');
    expect(valveCloses).toBe(0);
    expect(valve.connected).toBe(true);
    expect(liveClient(g, VALVE_ID)).toBe(held);

    // The gateway's command still reaches the valve on the session that was never dropped.
    await g.inside.ingress.publish(g.topics.cmd({ site: DEMO_SITE as never, device: 'valve-01' as never }), JSON.stringify({ id: 'cmd-1', action: 'close' }), { qos: 1, retain: false });
    await eventually(() => cmds.some((c) => c.includes('"close"')), 5000, 'close command at the valve');
    expect(valveCloses).toBe(0);
  });

  it('a simulated valve under a takeover attempt still closes on a real stop-work order', async () => {
    const g = await gateway();
    const valve = createValve({ url: g.url, topics: g.topics, site: DEMO_SITE, device: 'valve-01', password: DEMO_PASSWORDS['valve-01'], actuationMs: 20 });
    fx.defer(() => valve.stop());
    await valve.start();
    const valveClientId = `${DEMO_SITE}-valve-01`;
    await eventually(() => liveClient(g, valveClientId), 5000, 'valve connected');
    expect(await refusalCode(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01'], valveClientId))).toBe(2);

    const gas = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const base = Date.now() - 4000;
    for (let i = 0; i < 4; i++) await gas.publishAsync(topic, JSON.stringify({ ts: base + i * 1000, seq: i + 1, readings: { ch4: 70 } }), { qos: 1 });
    await gas.endAsync();
    await eventually(() => valve.position === 'closed', 5000, 'valve closed by the stop-work order');
  });

  it('lets the same device take its own client id back, and a gateway account take any', async () => {
    const g = await gateway();
    const first = await connectClient(g.url, deviceLogin(DEMO_SITE, 'valve-01', DEMO_PASSWORDS['valve-01'], VALVE_ID));
    fx.defer(() => first.endAsync(true));
    const firstClosed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    // A valve that gave up on a half-open connection comes back under its own name: it wins.
    const second = await connectClient(g.url, deviceLogin(DEMO_SITE, 'valve-01', DEMO_PASSWORDS['valve-01'], VALVE_ID));
    fx.defer(() => second.endAsync(true));
    await firstClosed;
    expect(second.connected).toBe(true);

    const ops = await connectClient(g.url, { username: OPS.username, password: OPS.password, clientId: VALVE_ID });
    fx.defer(() => ops.endAsync(true));
    await eventually(() => !second.connected, 5000, 'valve evicted by the gateway account');
    expect((g.inside.ingress as AedesIngress).brokerStats().takeoversRefused).toBe(0);
  });
});
