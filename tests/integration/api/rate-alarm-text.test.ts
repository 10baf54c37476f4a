// A reservoir rising fast, through the real gateway: readings published over MQTT raise the
// preset's rise rule, and the API says the alarm's speed in m/h with the change within the rule's
// hour, the same after a restart (the speed and window are stored with the alarm).

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { hashToken, type Role } from '../../../dashboard-api/src/token-store.js';
import { DEMO_PASSWORDS, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';
import { bearer, NAMES, TOKENS } from './helpers.js';

const MIN = 60_000;
type Text = { cause: string; value: string | null; peak: string | null };
type AlarmBody = { id: string; kind: string; ruleId: string; value: number; rateWindowS: number | null; ratePerS: number | null; text: { zh: Text; en: Text } };

/** The demo kitchen plus reservoir res-1 (its gauge logs in as gas-01), with the role tokens. */
function withReservoir(c: ConfigInput): void {
  const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
  c.sites.push({ id: 'res-1', name: '东湖水库', preset: 'reservoir', reservoirLevels: { floodLimitM: 25, warningM: 27.3, guaranteedM: 28.28, historicalMaxM: 29.73 }, devices: [{ ...gas, channels: { level: { quantity: 'water_level_m' } } }] } as ConfigInput['sites'][number]);
  c.api = { ...c.api, bootstrapTokens: (Object.keys(TOKENS) as Role[]).map((role) => ({ name: NAMES[role], role, tokenHash: hashToken(TOKENS[role]), ...(role === 'owner' ? { scope: 'site:res-1' } : {}) })) };
}

async function riseAlarm(g: RunningGateway): Promise<AlarmBody | undefined> {
  const res = await g.api!.inject({ method: 'GET', url: '/api/v1/alarms?site=res-1&limit=20', headers: bearer('viewer') });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { alarms: AlarmBody[] }).alarms.find((a) => a.ruleId === 'reservoir-level-rise');
}

describe('a reservoir rate alarm in the API', () => {
  const fx = useGatewayFixture();

  it('says its speed in m/h and the change within the hour, before and after a restart', async () => {
    const first = await fx.start({ patch: withReservoir });
    // Flat at 25.2 m from 0 to 40 min, then up 0.12 m every 5 minutes: orange (0.3 m within the
    // hour) at 60 min, 0.36 m above the lowest point, the 45-min reading: 1.44 m/h.
    const levels = [...Array<number>(9).fill(25.2), 25.32, 25.44, 25.56, 25.68];
    const gauge = await connectClient(first.url, deviceLogin('res-1', 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = first.topics.telemetry({ site: 'res-1' as never, device: 'gas-01' as never });
    const t0 = Date.now() - levels.length * 5 * MIN;
    for (const [i, v] of levels.entries()) await gauge.publishAsync(topic, JSON.stringify({ ts: t0 + i * 5 * MIN, seq: i + 1, readings: { level: v } }), { qos: 1 });
    await gauge.endAsync();

    const alarm = await eventually(() => riseAlarm(first), 5000, 'the reservoir rise alarm in the API');
    expect(alarm).toMatchObject({ kind: 'rate', rateWindowS: 3600 });
    expect(alarm.value).toBeCloseTo(0.36, 9);
    const text = {
      zh: { cause: '水位上升过快：水位计 gas-01', value: '+1.44 m/h（60 分钟内上升 0.36 m）', peak: '+1.44 m/h（60 分钟内上升 0.36 m）' },
      en: { cause: 'Water level rising fast: water-level gauge gas-01', value: '+1.44 m/h (up 0.36 m within 60 min)', peak: '+1.44 m/h (up 0.36 m within 60 min)' },
    };
    expect(alarm.text).toEqual(text);

    await first.stop();
    const second = await fx.start({ dataDir: first.dataDir, patch: withReservoir });
    const one = await second.api!.inject({ method: 'GET', url: `/api/v1/alarms/${alarm.id}`, headers: bearer('viewer') });
    expect(one.statusCode, one.body).toBe(200);
    expect((one.json() as { alarm: AlarmBody }).alarm.text).toEqual(text);
    expect((await riseAlarm(second))?.text).toEqual(text);
  });
});
