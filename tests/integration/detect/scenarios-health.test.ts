// Sensor-health scenarios through the real embedded broker: a simulated detector that
// loses power (last will) or falls silent while connected, a stuck detector, and a chattering one.
// sensor-health.test.ts covers each alarm raising and clearing with raw clients; these check the
// scenario facts: the will acts at once and not after the silence period, silence is measured
// per channel and never early, stuck time is reading time and a clean-air zero is never stuck,
// and a chattering sensor gives one held alarm, not one per crossing.

import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../gateway/src/config/schema.js';
import { createGasDetector, type GasDetector } from '../../../simulators/src/devices/gas-detector.js';
import { DEMO_PASSWORDS, DEMO_SITE, eventually } from '../../support/gateway.js';
import { connectClient, deviceLogin } from '../../support/mqtt.js';
import { useGatewayFixture, type RunningGateway } from '../../support/fixture.js';

describe('sensor-health scenarios through the broker', () => {
  const fx = useGatewayFixture();

  async function start(patch: (c: ConfigInput) => void = () => {}): Promise<RunningGateway> {
    const g = await fx.start({ patch: patch });
    return g;
  }

  const detectorSettings = (staleAfterS: number) => (c: ConfigInput) => {
    const gas = c.sites[0]!.devices.find((d) => d.id === 'gas-01')!;
    gas.staleAfterS = staleAfterS;
    gas.staleLevel = 'orange';
  };

  /** The simulator's detector: persistent session, retained birth and an `offline` last will. */
  async function detector(g: RunningGateway): Promise<GasDetector> {
    const d = createGasDetector({
      url: g.url,
      topics: g.topics,
      site: DEMO_SITE,
      device: 'gas-01',
      password: DEMO_PASSWORDS['gas-01'],
      intervalMs: 60_000, // readings only when the test asks (publishOnce)
      reconnectPeriodMs: 100,
      source: () => ({ ch4: 2, co: 3 }),
    });
    fx.defer(() => d.stop());
    await d.start();
    return d;
  }

  /** Raw readings with a controlled reading time: `readings[i]` at t0 + i seconds, seq from `fromSeq`. */
  async function replay(g: RunningGateway, readings: Record<string, number>[], t0: number, fromSeq = 1): Promise<void> {
    const d = await connectClient(g.url, deviceLogin(DEMO_SITE, 'gas-01', DEMO_PASSWORDS['gas-01']));
    const topic = g.topics.telemetry({ site: DEMO_SITE as never, device: 'gas-01' as never });
    for (const [i, r] of readings.entries()) await d.publishAsync(topic, JSON.stringify({ ts: t0 + i * 1000, seq: fromSeq + i, readings: r }), { qos: 1 });
    await d.endAsync();
  }

  const active = (g: RunningGateway, ruleId: string) => g.alarms.activeAlarms().filter((a) => a.ruleId === ruleId);

  it('raises offline at once from the last will of a detector that loses power, long before its silence period', async () => {
    const g = await start(detectorSettings(60));
    const d = await detector(g);
    await d.publishOnce();
    const cutAt = Date.now();
    d.connection!.client.stream.destroy(); // power cut: no DISCONNECT, the broker publishes the will

    // Read from the store, not the active set: the simulator reconnects within 100 ms and may
    // clear the alarm before a poll of the active alarms sees it.
    const offline = await eventually(() => g.alarmRepo.list({ site: DEMO_SITE, limit: 10 }).find((a) => a.ruleId === 'offline'), 5000, 'offline alarm');
    // At the detector's configured level, on the device rather than a channel, and from the will:
    // the 60 s silence period is nowhere near over.
    expect(offline).toMatchObject({ device: 'gas-01', channel: '_device', level: 'orange' });
    expect(offline.raisedAtMs - cutAt).toBeLessThan(2000);
    expect(g.alarmRepo.list({ site: DEMO_SITE, limit: 10 }).filter((a) => a.ruleId === 'stale')).toEqual([]);
    expect(g.interlock.activeOrder(DEMO_SITE)).toBeUndefined();

    // Power back: the simulator reconnects by itself and its birth message clears the alarm.
    await eventually(() => active(g, 'offline').length === 0, 5000, 'offline cleared by the birth message');
    expect(g.alarmRepo.get(offline.id)?.state).toBe('cleared_unacked');
    expect(g.alarmRepo.events(offline.id).map((e) => e.kind)).toEqual(['raised', 'cleared']);
  });

  it('raises stale per channel for a detector that stays connected but falls silent, never before its period', async () => {
    const g = await start(detectorSettings(1));
    const d = await detector(g);
    await d.publishOnce();
    const lastAt = Date.now();

    const stale = await eventually(() => active(g, 'stale').length === 2 && active(g, 'stale'), 5000, 'stale on both channels');
    expect(stale.map((a) => a.channel).sort()).toEqual(['ch4', 'co']);
    for (const a of stale) {
      expect(a.level).toBe('orange');
      expect(a.raisedAtMs - lastAt).toBeGreaterThanOrEqual(1000);
    }
    // Silence is not a last will: the connection is up and no offline alarm was raised.
    expect(d.connection!.client.connected).toBe(true);
    expect(active(g, 'offline')).toEqual([]);

    await d.publishOnce();
    await eventually(() => active(g, 'stale').length === 0, 3000, 'stale cleared by a reading');
  });

  it('raises a stuck fault after the configured reading time at one value, but never for a clean-air zero', async () => {
    // 0.001 h = 3.6 s of reading time (config health.stuckGasAfterH).
    const g = await start((c) => void (c.health = { stuckGasAfterH: 0.001 }));
    const t0 = Date.now() - 60_000;
    // ch4 flat at 5 %LEL (below every level), CO flat at its zero for the same time.
    await replay(g, Array.from({ length: 4 }, () => ({ ch4: 5, co: 0 })), t0);
    expect(active(g, 'fault:stuck')).toEqual([]); // 3 s of reading time: not yet

    await replay(g, [{ ch4: 5, co: 0 }], t0 + 4000, 5);
    const stuck = active(g, 'fault:stuck');
    expect(stuck).toHaveLength(1);
    // Raised at the reading that passed 3.6 s, in reading time, on the flat channel only.
    expect(stuck[0]).toMatchObject({ channel: 'ch4', level: 'yellow', value: 5, raisedAtMs: t0 + 4000 });

    await replay(g, [{ ch4: 5.4, co: 0 }], t0 + 5000, 6);
    expect(active(g, 'fault:stuck')).toEqual([]);
  });

  it('holds one alarm for a chattering sensor: three crossings in a minute, flagged, not one per crossing', async () => {
    const g = await start();
    const t0 = Date.now() - 60_000;
    // Four cycles of yellow methane (22 %LEL held past the 2 s on-delay) then clean air, within 16 s.
    const cycle = [{ ch4: 22 }, { ch4: 22 }, { ch4: 22 }, { ch4: 3 }];
    await replay(g, [...cycle, ...cycle, ...cycle, ...cycle], t0);

    const methane = g.alarmRepo.list({ site: DEMO_SITE, limit: 20 }).filter((a) => a.ruleId === 'kitchen-methane');
    // Two crossings raise and clear; the third is flagged and held, and the fourth joins it.
    expect(methane).toHaveLength(3);
    const held = active(g, 'kitchen-methane');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ level: 'yellow', state: 'active_unacked' });
    const kinds = g.alarmRepo.events(held[0]!.id).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'chattering')).toHaveLength(1);
    expect(kinds).not.toContain('cleared');
  });
});
