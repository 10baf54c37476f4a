// Scenario tests through the real embedded broker, with readings stamped in reading time: CO dose
// timing against EN 50291-1, a reservoir rising 0.3 m within an hour, oxygen deficiency in a
// confined space. The alarm's raise time is the reading time that crossed, so timing is exact.

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { KITCHEN_RISE_RULES, KITCHEN_RULES } from '../../../gateway/src/config/presets/kitchen.js';
import { DEMO_PASSWORDS, DEMO_SITE } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

const MIN = 60_000;

describe('detection scenarios through the broker', () => {
  const fx = useGatewayFixture();

  async function start(patch: (c: ConfigInput) => void): Promise<RunningGateway> {
    const g = await fx.start({ patch: patch });
    return g;
  }

  /** Publishes `values` from one device, one every `stepMs` of reading time ending now. */
  async function replay(g: RunningGateway, site: string, channel: string, values: number[], stepMs: number): Promise<number> {
    const d = await connectClient(g.url, deviceLogin(site, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: site as never, device: 'gas-01' as never });
    const t0 = Date.now() - values.length * stepMs;
    for (const [i, v] of values.entries()) {
      await d.publishAsync(topic, JSON.stringify({ ts: t0 + i * stepMs, seq: i + 1, readings: { [channel]: v } }), { qos: 1 });
    }
    await d.endAsync();
    return t0;
  }

  function addSite(c: ConfigInput, site: Record<string, unknown>, channel: string, quantity: string): void {
    const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
    c.sites.push({ name: String(site.id), ...site, devices: [{ ...gas, channels: { [channel]: { quantity } } }] } as ConfigInput['sites'][number]);
  }

  it('raises the CO dose alarm at 100 ppm between 10 and 40 minutes (EN 50291-1)', async () => {
    const g = await start((c) => void (c.rules = [...KITCHEN_RULES, ...KITCHEN_RISE_RULES]));
    const t0 = await replay(g, DEMO_SITE, 'co', Array(120).fill(100), 30_000); // an hour at 100 ppm
    const dose = g.alarmRepo.list({ site: DEMO_SITE, limit: 20 }).find((a) => a.ruleId === 'kitchen-co-dose');
    expect(dose).toBeDefined();
    const minutes = (dose!.raisedAtMs - t0) / MIN;
    expect(minutes).toBeGreaterThanOrEqual(10);
    expect(minutes).toBeLessThanOrEqual(40);
  });

  it('gives no CO dose alarm in two hours at 30 ppm (EN 50291-1: none within 120 min)', async () => {
    const g = await start((c) => void (c.rules = [...KITCHEN_RULES, ...KITCHEN_RISE_RULES]));
    await replay(g, DEMO_SITE, 'co', Array(240).fill(30), 30_000); // two hours at 30 ppm
    expect(g.alarmRepo.list({ site: DEMO_SITE, limit: 20 }).filter((a) => a.ruleId === 'kitchen-co-dose')).toEqual([]);
  });

  it('raises orange for a reservoir rising 0.3 m within an hour, with no stop-work order', async () => {
    const g = await start((c) =>
      addSite(c, { id: 'res-1', preset: 'reservoir', reservoirLevels: { floodLimitM: 25, warningM: 27.3, guaranteedM: 28.28, historicalMaxM: 29.73 } }, 'level', 'water_level_m'),
    );
    // Every 5 minutes for two hours, rising 0.4 m an hour from 25.2 m.
    const levels = Array.from({ length: 24 }, (_, i) => Math.round((25.2 + (0.4 * i) / 12) * 1000) / 1000);
    await replay(g, 'res-1', 'level', levels, 5 * MIN);
    const rise = g.alarms.activeAlarms().find((a) => a.site === 'res-1' && a.ruleId === 'reservoir-level-rise');
    expect(rise?.level).toBe('orange');
    expect(g.interlock.activeOrder('res-1')).toBeUndefined();
  });

  it('raises red for oxygen deficiency in a confined space and orders the work stopped', async () => {
    const g = await start((c) => addSite(c, { id: 'tank-3', preset: 'confined_space' }, 'o2', 'o2_pct'));
    await replay(g, 'tank-3', 'o2', [20.9, 20.9, 20.1, 19.3, 19.2, 19.2, 19.1], 10_000);
    const o2 = g.alarms.activeAlarms().find((a) => a.site === 'tank-3' && a.ruleId === 'confined-o2-low');
    expect(o2?.level).toBe('red'); // GB 8958: deficiency below 19.5 %vol
    expect(g.interlock.activeOrder('tank-3')?.state).toBe('active');
  });
});
