// Device state that survives: a detector that sends readings but never a status message is online,
// and after a gateway restart GET /devices shows each channel's last value and the online state
// from state.db, before any new reading arrives.

import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { hashToken } from '../../../dashboard-api/src/token-store.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';

const TOKEN = 'sb_test-viewer-0123456789abcdefghijklmnopqrstuvwxyz';

interface DeviceView {
  id: string;
  online: boolean | null;
  battery: number | null;
  channels: { channel: string; value: number | null; tsMs: number | null }[];
}

describe('device state across a restart', () => {
  const fx = useGatewayFixture();
  const viewerToken = (c: ConfigInput): void => {
    c.api = { ...c.api, bootstrapTokens: [{ name: 'viewer', role: 'viewer', tokenHash: hashToken(TOKEN) }] };
  };

  async function devices(g: RunningGateway): Promise<Map<string, DeviceView>> {
    const res = await g.api!.inject({ method: 'GET', url: `/api/v1/devices?site=${DEMO_SITE}`, headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode, res.body).toBe(200);
    return new Map((res.json() as { devices: DeviceView[] }).devices.map((d) => [d.id, d]));
  }

  it('shows a reporting detector online without a status message, and its last values and online state after a restart', async () => {
    let g = await fx.start({ patch: viewerToken });

    // The detector publishes readings only: no birth message on the status topic.
    const device: MqttClient = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    const tsMs = Date.now();
    await device.publishAsync(topic, JSON.stringify({ ts: tsMs - 1000, seq: 1, readings: { ch4: 3.5, co: 4 } }), { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ ts: tsMs, seq: 2, readings: { ch4: 4.25, co: 6 }, meta: { battery: 87 } }), { qos: 1 });

    const before = await eventually(async () => {
      const d = (await devices(g)).get('gas-01');
      return d?.channels.find((c) => c.channel === 'ch4')?.value === 4.25 ? d : undefined;
    }, 5_000, 'last reading on GET /devices');
    expect(before.online).toBe(true); // today: null ("unknown") for want of a status message
    expect(before.battery).toBe(87);
    // The valve has said nothing at all: unknown, not offline.
    expect((await devices(g)).get('valve-01')?.online).toBeNull();

    await device.endAsync();
    await g.stop();

    // The same data directory: a restart.
    g = await fx.start({ dataDir: g.dataDir, patch: viewerToken });
    const after = (await devices(g)).get('gas-01')!;
    expect(after.channels.find((c) => c.channel === 'ch4')).toMatchObject({ value: 4.25, tsMs });
    expect(after.channels.find((c) => c.channel === 'co')).toMatchObject({ value: 6, tsMs });
    expect(after.battery).toBe(87);
    expect(after.online).toBe(true); // heard well within its staleAfterS (100 s) before the restart
  });

  it('says offline once a detector without status messages has been silent past its staleAfterS', async () => {
    let now = Date.now();
    const g = await fx.start({ patch: viewerToken, clock: () => now });
    const device = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    fx.defer(() => device.endAsync());
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    await device.publishAsync(topic, JSON.stringify({ ts: now, seq: 1, readings: { ch4: 1, co: 1 } }), { qos: 1 });
    await eventually(async () => (await devices(g)).get('gas-01')?.online === true, 5_000, 'online');
    now += 101_000;
    expect((await devices(g)).get('gas-01')?.online).toBe(false);
  });
});
