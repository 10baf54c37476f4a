// StalenessWatch: silence and last-will alarms on a timing wheel, lazy re-arm, clock jumps.

import { describe, it, expect } from 'vitest';
import type { ChannelId, DeviceId, SiteId } from '../../../gateway/src/contract/ids.js';
import { StalenessWatch, type WatchKey } from '../../../gateway/src/detect/stale.js';

const hq = 'hq' as SiteId;
const dev = 'det-1' as DeviceId;
const ch4 = 'ch4' as ChannelId;
const co = 'co' as ChannelId;
const T0 = Date.UTC(2025, 0, 1);
const PERIOD = 30_000;
const HOUR = 3_600_000;

const key = (channel: ChannelId = ch4, device: DeviceId = dev): WatchKey => ({ site: hq, device, channel, quantity: channel === co ? 'co_ppm' : 'methane_lel' });
const moves = (t: { from: unknown; to: unknown; ruleId: string; channel: string }) => [t.ruleId, t.channel, t.from, t.to];

/** Ticks every second from `fromMs` (exclusive) to `toMs` (inclusive); returns all transitions. */
function tickThrough(w: StalenessWatch, fromMs: number, toMs: number) {
  const out = [];
  for (let t = fromMs + 1000; t <= toMs; t += 1000) out.push(...w.tick(t));
  return out;
}

describe('StalenessWatch: silence', () => {
  it('raises at a silence of exactly the period, not 1 ms before, and only once', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'yellow', T0);
    expect(w.seen(hq, dev, ch4, T0 + 1000)).toEqual([]);
    expect(w.tick(T0 + 1000 + PERIOD - 1)).toEqual([]);
    expect(w.tick(T0 + 1000 + PERIOD)).toEqual([
      { kind: 'level', site: hq, device: dev, channel: ch4, quantity: 'methane_lel', ruleId: 'stale', alarmKind: 'stale', from: null, to: 'yellow', value: 30, atMs: T0 + 1000 + PERIOD, stopWork: false, detail: 'no reading for 30 s (period 30 s)' },
    ]);
    expect(w.isSilent(hq, dev, ch4)).toBe(true);
    expect(tickThrough(w, T0 + 1000 + PERIOD, T0 + 10 * PERIOD)).toEqual([]);
  });

  it('raises a deadline between bucket edges at the next edge: never early, at most bucketMs late', () => {
    const w = new StalenessWatch({ bucketMs: 1000 });
    w.watch(key(), PERIOD, 'yellow', T0 + 700); // deadline T0 + 30 700
    expect(w.tick(T0 + PERIOD + 699)).toEqual([]);
    expect(w.tick(T0 + PERIOD + 999)).toEqual([]);
    expect(w.tick(T0 + PERIOD + 1000).map(moves)).toEqual([['stale', 'ch4', null, 'yellow']]);
    const fine = new StalenessWatch({ bucketMs: 100 });
    fine.watch(key(), PERIOD, 'yellow', T0 + 700);
    expect(fine.tick(T0 + PERIOD + 699)).toEqual([]);
    expect(fine.tick(T0 + PERIOD + 700)).toHaveLength(1);
  });

  it('clears on the next reading at once, without waiting for a tick, and raises again on a new silence', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'orange', T0);
    w.tick(T0 + PERIOD);
    const cleared = w.seen(hq, dev, ch4, T0 + PERIOD + 4000);
    expect(cleared.map(moves)).toEqual([['stale', 'ch4', 'orange', null]]);
    expect(cleared[0]!.value).toBe(34);
    expect(w.isSilent(hq, dev, ch4)).toBe(false);
    expect(w.tick(T0 + 2 * PERIOD + 3999)).toEqual([]);
    expect(w.tick(T0 + 2 * PERIOD + 4000).map(moves)).toEqual([['stale', 'ch4', null, 'orange']]);
  });

  it('never raises for a reading every period − 1 ms over an hour', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'yellow', T0);
    const out = [];
    let next = T0 + PERIOD - 1;
    for (let t = T0 + 1000; t <= T0 + HOUR; t += 1000) {
      while (next <= t) {
        out.push(...w.seen(hq, dev, ch4, next));
        next += PERIOD - 1;
      }
      out.push(...w.tick(t));
    }
    expect(out).toEqual([]);
    expect(w.stats.moves).toBeLessThanOrEqual(HOUR / (PERIOD - 1) + 2);
  });

  it('moves each of 100 000 sensors seen every second at most once per period (60 s, period 30 s)', () => {
    const n = 100_000;
    const w = new StalenessWatch();
    const devices = Array.from({ length: n }, (_, i) => `d${i}` as DeviceId);
    for (let i = 0; i < n; i++) w.watch(key(ch4, devices[i]!), PERIOD, 'yellow', T0);
    let transitions = 0;
    for (let s = 1; s <= 60; s++) {
      for (let i = 0; i < n; i++) transitions += w.seen(hq, devices[i]!, ch4, T0 + s * 1000 - (i % 997)).length;
      transitions += w.tick(T0 + s * 1000).length;
    }
    expect(transitions).toBe(0);
    expect(w.size).toBe(n);
    expect(w.stats.moves).toBeLessThanOrEqual(n * (60 / 30 + 1));
  });

  it('ignores readings of sensors it does not watch', () => {
    const w = new StalenessWatch();
    expect(w.seen(hq, dev, ch4, T0)).toEqual([]);
    expect(w.size).toBe(0);
  });

  it('arms sensors watched before the clock is known at the first tick', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'yellow');
    expect(w.tick(T0)).toEqual([]);
    expect(w.tick(T0 + PERIOD - 1000)).toEqual([]);
    expect(w.tick(T0 + PERIOD).map(moves)).toEqual([['stale', 'ch4', null, 'yellow']]);
  });

  it('refreshes a device-level watch from a reading on any channel', () => {
    const w = new StalenessWatch();
    w.watch({ site: hq, device: dev, channel: '_device' as ChannelId, quantity: 'methane_lel' }, PERIOD, 'yellow', T0);
    w.seen(hq, dev, co, T0 + 20_000);
    expect(w.tick(T0 + PERIOD)).toEqual([]);
    expect(w.tick(T0 + 20_000 + PERIOD).map(moves)).toEqual([['stale', '_device', null, 'yellow']]);
    expect(w.seen(hq, dev, ch4, T0 + 60_000).map(moves)).toEqual([['stale', '_device', 'yellow', null]]);
  });

  it('refuses a period that is not a positive finite number', () => {
    const w = new StalenessWatch();
    for (const p of [0, -1, NaN, Infinity]) expect(() => w.watch(key(), p, 'yellow')).toThrow(RangeError);
  });
});

describe('StalenessWatch: last will', () => {
  it('raises offline at once on _device at the highest channel level; online clears it', () => {
    const w = new StalenessWatch();
    w.watch(key(ch4), PERIOD, 'yellow', T0);
    w.watch(key(co), PERIOD, 'orange', T0);
    const down = w.offline(hq, dev, T0 + 1000);
    expect(down).toEqual([
      { kind: 'level', site: hq, device: dev, channel: '_device', quantity: 'co_ppm', ruleId: 'offline', alarmKind: 'offline', from: null, to: 'orange', value: 0, atMs: T0 + 1000, stopWork: false, detail: 'last will: device offline' },
    ]);
    expect(w.offline(hq, dev, T0 + 2000)).toEqual([]);
    expect(w.isSilent(hq, dev, ch4)).toBe(true);
    expect(w.online(hq, dev, T0 + 3000).map(moves)).toEqual([['offline', '_device', 'orange', null]]);
    expect(w.online(hq, dev, T0 + 4000)).toEqual([]);
  });

  it('clears offline on a fresh reading', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'yellow', T0);
    w.offline(hq, dev, T0 + 1000);
    expect(w.seen(hq, dev, ch4, T0 + 2000).map(moves)).toEqual([['offline', '_device', 'yellow', null]]);
  });

  it('adds no stale alarms for the channels of an offline device, and resumes after it comes back', () => {
    const w = new StalenessWatch();
    w.watch(key(ch4), PERIOD, 'yellow', T0);
    w.watch(key(co), PERIOD, 'yellow', T0);
    w.offline(hq, dev, T0 + 1000);
    expect(tickThrough(w, T0, T0 + 10 * PERIOD)).toEqual([]);
    w.online(hq, dev, T0 + 10 * PERIOD);
    const after = tickThrough(w, T0 + 10 * PERIOD, T0 + 12 * PERIOD);
    expect(after.map(moves).sort()).toEqual([['stale', 'ch4', null, 'yellow'], ['stale', 'co', null, 'yellow']]);
  });

  it('says nothing about a device it does not watch', () => {
    expect(new StalenessWatch().offline(hq, dev, T0)).toEqual([]);
  });
});

describe('StalenessWatch: the gateway clock jumping', () => {
  /** 1 000 sensors reading every second for a minute. */
  function fleet() {
    const w = new StalenessWatch();
    const devices = Array.from({ length: 1000 }, (_, i) => `d${i}` as DeviceId);
    for (const d of devices) w.watch(key(ch4, d), PERIOD, 'yellow', T0);
    for (let s = 1; s <= 60; s++) {
      for (const d of devices) w.seen(hq, d, ch4, T0 + s * 1000);
      w.tick(T0 + s * 1000);
    }
    return { w, devices, now: T0 + 60_000 };
  }

  it('does not raise every sensor on a jump forward of an hour, and counts the jump', () => {
    const { w, devices, now } = fleet();
    expect(w.tick(now + HOUR)).toEqual([]);
    expect(w.stats).toMatchObject({ clockJumps: 1, lastJumpMs: HOUR, lastJumpAtMs: now + HOUR });
    // Still watching: the sensors that keep reading stay quiet, the one that stops raises a period later.
    const out = [];
    for (let s = 1; s <= 40; s++) {
      for (const d of devices.slice(1)) out.push(...w.seen(hq, d, ch4, now + HOUR + s * 1000));
      out.push(...w.tick(now + HOUR + s * 1000));
    }
    expect(out.map((t) => [t.device, t.to])).toEqual([['d0', 'yellow']]);
    expect(out[0]!.atMs).toBe(now + HOUR + 30_000);
  });

  it('notices a jump first seen in a reading, before the next tick', () => {
    const { w, devices, now } = fleet();
    for (const d of devices) expect(w.seen(hq, d, ch4, now + HOUR)).toEqual([]);
    expect(w.tick(now + HOUR)).toEqual([]);
    expect(tickThrough(w, now + HOUR, now + HOUR + PERIOD - 1000)).toEqual([]);
    expect(tickThrough(w, now + HOUR + PERIOD - 1000, now + HOUR + PERIOD)).toHaveLength(1000);
    expect(w.stats.clockJumps).toBe(1);
  });

  it('treats a step forward within maxJumpMs as time that passed', () => {
    const { w, now } = fleet();
    expect(w.tick(now + 60_000)).toHaveLength(1000);
    expect(w.stats.clockJumps).toBe(0);
  });

  it('neither clears nor raises on a jump back of an hour, and keeps watching afterwards', () => {
    const w = new StalenessWatch();
    w.watch(key(ch4), PERIOD, 'yellow', T0);
    w.watch(key(co), PERIOD, 'yellow', T0);
    w.seen(hq, dev, co, T0 + 20_000);
    expect(w.tick(T0 + PERIOD).map(moves)).toEqual([['stale', 'ch4', null, 'yellow']]);
    const back = T0 + PERIOD - HOUR;
    expect(w.tick(back)).toEqual([]);
    expect(w.stats).toMatchObject({ clockJumps: 1, lastJumpMs: -HOUR });
    expect(w.isSilent(hq, dev, ch4)).toBe(true);
    // co was last seen 10 s before the jump: it raises 20 s of real time after it, not an hour later.
    expect(tickThrough(w, back, back + 19_000)).toEqual([]);
    expect(w.tick(back + 20_000).map(moves)).toEqual([['stale', 'co', null, 'yellow']]);
    expect(w.seen(hq, dev, ch4, back + 21_000).map(moves)).toEqual([['stale', 'ch4', 'yellow', null]]);
  });

  it('counts a reading timed before the last tick as fresh, not as old silence', () => {
    const w = new StalenessWatch();
    w.watch(key(), PERIOD, 'yellow', T0);
    w.tick(T0 + 29_000);
    w.seen(hq, dev, ch4, T0 + 28_500); // receive time captured before the tick ran
    expect(w.tick(T0 + PERIOD)).toEqual([]);
    expect(w.tick(T0 + 29_000 + PERIOD).map(moves)).toEqual([['stale', 'ch4', null, 'yellow']]);
  });
});

describe('StalenessWatch: snapshot', () => {
  it('survives JSON: stale alarms stay raised once, silence resumes without the downtime', () => {
    const a = new StalenessWatch();
    a.watch(key(ch4), PERIOD, 'yellow', T0);
    a.watch(key(co), PERIOD, 'orange', T0);
    a.watch(key(ch4, 'det-2' as DeviceId), PERIOD, 'yellow', T0);
    a.offline(hq, 'det-2' as DeviceId, T0 + 1000);
    a.seen(hq, dev, co, T0 + 20_000);
    a.tick(T0 + PERIOD);
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    const b = new StalenessWatch();
    const later = T0 + HOUR; // the gateway was down for most of an hour
    b.load(snap, later);
    expect(b.size).toBe(3);
    expect(b.isSilent(hq, dev, ch4)).toBe(true);
    expect(b.isSilent(hq, 'det-2' as DeviceId, ch4)).toBe(true);
    expect(b.tick(later + 19_000)).toEqual([]);
    expect(b.tick(later + 20_000).map(moves)).toEqual([['stale', 'co', null, 'orange']]);
    expect(b.seen(hq, dev, ch4, later + 21_000).map(moves)).toEqual([['stale', 'ch4', 'yellow', null]]);
    expect(b.online(hq, 'det-2' as DeviceId, later + 22_000).map(moves)).toEqual([['offline', '_device', 'yellow', null]]);
  });
});
