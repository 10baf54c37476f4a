// /metrics counts an alarm in the detection latency by what the alarm is (its kind), not by its
// rule's name: a flood alarm, raised by the gateway's own count of a site's alarms at the
// gateway's time, is no detection from a reading and must not pull the latency towards zero.

import { describe, expect, it } from 'vitest';
import type { DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { DEMO_SITE, eventually } from '../../support/gateway.js';
import { useGatewayFixture } from '../../support/fixture.js';

describe('detection latency on /metrics', () => {
  const fx = useGatewayFixture();

  it('counts the alarms readings raised and leaves out the flood alarm the gateway raised', async () => {
    // More than one alarm at a site within the window is a flood (ISA-18.2 counts 10 in 10 min;
    // one here so that a single detector makes one).
    const g = await fx.start({ patch: (input) => void (input.alarms = { ...input.alarms, floodAlarms: 1 }) });
    const gas = await fx.device(g, 'gas-01');
    const topic = g.topics.telemetry({ site: DEMO_SITE as SiteId, device: 'gas-01' as DeviceId });
    // Stamped a minute ago: every alarm these readings raise is at least ~50 s late by its stamp.
    let ts = Date.now() - 60_000;
    for (let seq = 1; seq <= 6; seq++) await gas.client.publishAsync(topic, JSON.stringify({ ts: (ts += 1000), seq, readings: { ch4: 70, co: 500 } }), { qos: 1 });

    const flood = await eventually(() => g.alarms.activeAlarms().find((a) => a.kind === 'flood'), 5000, 'the flood alarm');
    expect(flood.site).toBe(DEMO_SITE);
    const text = (await g.api!.inject({ method: 'GET', url: '/metrics' })).body;
    const count = Number(/^shaobing_detection_latency_seconds_count (\d+)$/m.exec(text)![1]);
    expect(count).toBeGreaterThanOrEqual(1);
    // Nothing observed under 10 s: the flood alarm's moves (gateway time, latency ~0) are not in it.
    expect(text).toMatch(/^shaobing_detection_latency_seconds_bucket\{le="10"\} 0$/m);
  });
});
