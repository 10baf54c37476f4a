// Sensor health restored from the alarms active at a restart: each restored fault or silence is
// cleared by the first evidence against it, and nothing is raised twice.

import { describe, expect, it } from 'vitest';
import { SensorHealth, type ActiveHealthAlarm, type WatchedChannel } from '../../../gateway/src/detect/health.js';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';

const site = 'k1' as SiteId;
const device = 'gas-01' as DeviceId;
const ch4 = 'ch4' as ChannelId;
const T0 = 1_800_000_000_000;
const CHANNELS: WatchedChannel[] = [{ site, device, channel: ch4, quantity: 'methane_lel', stalePeriodMs: 100_000, staleLevel: 'yellow' }];

function alarm(ruleId: string, channel = 'ch4', value = 0): ActiveHealthAlarm {
  return { site, device, channel, quantity: 'methane_lel', ruleId, level: 'orange', value, raisedAtMs: T0 - 60_000 };
}

const reading = (value: number, tsMs: number) => ({ site, device, channel: ch4, quantity: 'methane_lel' as const, value, tsMs });

describe('sensor health after a restart', () => {
  it('clears a restored stale alarm on the first reading', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    health.restore([alarm('stale')], T0);
    expect(health.votes(site, device, ch4)).toBe(false);
    const out = health.reading(reading(2, T0 + 1000), T0 + 1000);
    expect(out.map((t) => `${t.ruleId}:${t.to}`)).toEqual(['stale:null']);
    expect(health.votes(site, device, ch4)).toBe(true);
  });

  it('clears a restored offline alarm on the birth message, and raises no second one meanwhile', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    health.restore([alarm('offline', '_device')], T0);
    expect(health.status(site, device, 'offline', T0 + 10)).toEqual([]);
    expect(health.status(site, device, 'online', T0 + 20).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['offline:null']);
  });

  it('keeps a restored range fault until enough good readings arrive', () => {
    const health = new SensorHealth(CHANNELS, { faults: { rangeClearReadings: 3 } }, T0);
    health.restore([alarm('fault:range')], T0);
    expect(health.reading(reading(2, T0 + 1), T0 + 1)).toEqual([]);
    expect(health.reading(reading(2, T0 + 2), T0 + 2)).toEqual([]);
    expect(health.reading(reading(2, T0 + 3), T0 + 3).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['fault:range:null']);
  });

  it('keeps a restored stuck fault while the value stays at the stuck value, clears on change', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    health.restore([alarm('fault:stuck', 'ch4', 7.5)], T0);
    expect(health.reading(reading(7.5, T0 + 1), T0 + 1)).toEqual([]);
    expect(health.votes(site, device, ch4)).toBe(false);
    expect(health.reading(reading(7.6, T0 + 2), T0 + 2).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['fault:stuck:null']);
  });

  it('clears a restored device fault on the first message without fault codes', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    health.restore([alarm('fault:device', '_device')], T0);
    expect(health.deviceMessage(site, device, 'methane_lel', ['sensor_open'], T0 + 1)).toEqual([]);
    expect(health.deviceMessage(site, device, 'methane_lel', undefined, T0 + 2).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['fault:device:null']);
  });

  it('ignores alarms of devices that are no longer configured', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    expect(() => health.restore([{ ...alarm('offline', '_device'), device: 'gone' }, { ...alarm('stale'), device: 'gone' }], T0)).not.toThrow();
  });

  it('raises stale after the period of silence and offline from a last will', () => {
    const health = new SensorHealth(CHANNELS, {}, T0);
    expect(health.tick(T0 + 99_000)).toEqual([]);
    expect(health.tick(T0 + 100_000).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['stale:yellow']);
    expect(health.status(site, device, 'offline', T0 + 100_500).map((t) => `${t.ruleId}:${t.to}`)).toEqual(['offline:yellow']);
  });
});
