// Staleness: a sensor silent for its period, or a device whose last will says it is offline,
// raises an alarm. Pure: the runtime calls tick(nowMs) about once a second.
//
// No timer per sensor re-armed per reading: a hashed timing wheel (Varghese & Lauck, SOSP 1987) keyed
// by absolute bucket number files each sensor under its last known deadline; seen() only writes a
// number. An expiring entry checks its real last-seen time: refreshed, it moves once to its new
// deadline (lazy re-arm: ≤ 1 move per period, whatever the reading rate); silent, it raises.
// Times are the GATEWAY's receive times, never the payload ts (a wrong device clock must not make a
// live sensor look silent), through one monotonic internal clock so the gateway's own clock jumping
// neither raises nor clears anything.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import { LEVELS, levelRank, type Level } from '../contract/levels.js';
import { QUANTITIES, type Quantity } from '../config/quantities.js';
import { parseSensorKey, sensorKey, type SensorRef } from './sensor-state.js';
import { DEVICE_CHANNEL, type DetailedTransition } from './fault.js';

export interface StaleOptions {
  /** Wheel resolution: raising is at most this late; a tick costs one map lookup per bucket passed. */
  bucketMs?: number;
  /** A gateway clock step forward larger than this since the last call is a clock fault, not silence. */
  maxJumpMs?: number;
}

export interface WatchKey extends SensorRef {
  readonly quantity: Quantity;
}

export interface StaleStats {
  /** Entries filed into a bucket: one per watch, one per lazy re-arm. */
  moves: number;
  /** Gateway clock faults; the last one's size (ms, negative backwards) and gateway time. */
  clockJumps: number;
  lastJumpMs: number;
  lastJumpAtMs: number;
}

export interface StaleSnapshot {
  /** Silence is kept as a duration: the time the gateway itself was down is not the sensor's. */
  sensors: Record<string, { quantity: Quantity; periodMs: number; level: Level; silentMs: number; stale: boolean }>;
  /** Keyed `site/device`: devices whose offline alarm is active. */
  offline: Record<string, { level: Level; quantity: Quantity }>;
}

interface Watch {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
  quantity: Quantity;
  periodMs: number;
  level: Level;
  lastSeenMs: number; // internal clock; NaN until the clock is known
  bucket: number; // the bucket it is filed in, -1 for none; copies left in other buckets are skipped
  stale: boolean;
  readonly dev: DeviceEntry;
  /** The device's next channel watch, in the order they were added. */
  next: Watch | null;
}

// A device's channel watches are chained, not kept in a Map: a device has a handful of channels,
// and a Map with its table cost ~220 B per device, 11 MB at 50 000 devices.
interface DeviceEntry {
  first: Watch | null;
  self: Watch | null; // the device-level watch (channel `_device`), refreshed by any channel's reading
  offline: { level: Level; quantity: Quantity } | null; // the active offline alarm
}

const NONE: readonly DetailedTransition[] = Object.freeze([]);

function* channelWatches(dev: DeviceEntry): Generator<Watch> {
  for (let w = dev.first; w !== null; w = w.next) yield w;
}

function channelWatch(dev: DeviceEntry, channel: ChannelId): Watch | undefined {
  let w = dev.first;
  while (w !== null && w.channel !== channel) w = w.next;
  return w ?? undefined;
}

function appendWatch(dev: DeviceEntry, w: Watch): void {
  if (dev.first === null) {
    dev.first = w;
    return;
  }
  let tail = dev.first;
  while (tail.next !== null) tail = tail.next;
  tail.next = w;
}

function watchesOf(dev: DeviceEntry): Iterable<Watch> {
  return dev.self === null ? channelWatches(dev) : [dev.self, ...channelWatches(dev)];
}

export class StalenessWatch {
  private readonly bucketMs: number;
  private maxJumpMs: number;
  private readonly sites = new Map<SiteId, Map<DeviceId, DeviceEntry>>();
  private readonly buckets = new Map<number, Watch[]>();
  private wallMs = 0; // the latest gateway time observed
  private offsetMs = 0; // internal time = gateway time + offset, moved only by clock faults
  private nowMs = NaN; // internal time; NaN until a first time is observed
  private doneBucket = 0;
  private count = 0;
  private readonly counters: StaleStats = { moves: 0, clockJumps: 0, lastJumpMs: 0, lastJumpAtMs: 0 };

  constructor(options: StaleOptions = {}) {
    this.bucketMs = options.bucketMs ?? 1000;
    this.maxJumpMs = options.maxJumpMs ?? 300_000;
    if (!(this.bucketMs > 0) || !(this.maxJumpMs >= this.bucketMs)) throw new RangeError('StalenessWatch: need bucketMs > 0 and maxJumpMs ≥ bucketMs');
  }

  get size(): number {
    return this.count;
  }

  get stats(): StaleStats {
    return { ...this.counters };
  }

  /**
   * Lowers the largest clock step taken as elapsed time (never below a bucket): a detector with a
   * shorter period joined the fleet, and a step longer than half its period would make it look
   * silent (parts/alarms.ts maxClockJumpMs). Never raised again while running: the safe side.
   */
  lowerMaxJump(ms: number): void {
    this.maxJumpMs = Math.max(this.bucketMs, Math.min(this.maxJumpMs, ms));
  }

  get maxJump(): number {
    return this.maxJumpMs;
  }

  /** Watches a sensor (or with channel `_device` a device) allowed `periodMs` of silence, counted from now. */
  watch(key: WatchKey, periodMs: number, level: Level, atMs?: number): void {
    if (!(periodMs > 0) || !Number.isFinite(periodMs)) throw new RangeError(`StalenessWatch: period of ${sensorKey(key.site, key.device, key.channel)} must be > 0, got ${periodMs}`);
    if (atMs !== undefined) this.observe(atMs, false);
    const w = this.upsert(key, periodMs, level);
    if (!w.stale && !Number.isNaN(this.nowMs)) this.arm(w, this.nowMs); // else: a reading re-arms it, or the first observe()
  }

  /**
   * Stops watching a device (or only its `channels`): removed from the fleet, its silence means
   * nothing. Entries still filed in a bucket are skipped there (bucket -1), like a lazy re-arm.
   */
  unwatch(site: SiteId, device: DeviceId, channels?: readonly ChannelId[]): void {
    const devices = this.sites.get(site);
    const dev = devices?.get(device);
    if (devices === undefined || dev === undefined) return;
    let kept: Watch | null = null;
    let tail: Watch | null = null;
    for (let w = dev.first; w !== null; ) {
      const next = w.next;
      w.next = null;
      if (channels === undefined || channels.includes(w.channel)) {
        w.bucket = -1;
        this.count--;
      } else {
        if (tail === null) kept = w;
        else tail.next = w;
        tail = w;
      }
      w = next;
    }
    dev.first = kept;
    if (channels !== undefined && kept !== null) return;
    if (dev.self !== null) {
      dev.self.bucket = -1;
      this.count--;
    }
    devices.delete(device);
    if (devices.size === 0) this.sites.delete(site);
  }

  /** A reading received at gateway time `atMs`: O(1), no re-arming; returns at once what it clears. */
  seen(site: SiteId, device: DeviceId, channel: ChannelId, atMs: number): readonly DetailedTransition[] {
    const dev = this.sites.get(site)?.get(device);
    if (dev === undefined) return NONE;
    const now = this.observe(atMs, false);
    let out: DetailedTransition[] | null = null;
    if (dev.offline !== null) (out ??= []).push(this.clearOffline(site, device, dev, atMs, 'reading received'));
    if (dev.self !== null && dev.self.stale) (out ??= []).push(this.recover(dev.self, now, atMs));
    else if (dev.self !== null && now > dev.self.lastSeenMs) dev.self.lastSeenMs = now;
    const w = channelWatch(dev, channel);
    if (w !== undefined && w.stale) (out ??= []).push(this.recover(w, now, atMs));
    else if (w !== undefined && now > w.lastSeenMs) w.lastSeenMs = now;
    return out ?? NONE;
  }

  /** The device's last will: `offline` at once, at its `_device` watch's level or else its highest channel's. */
  offline(site: SiteId, device: DeviceId, atMs: number): readonly DetailedTransition[] {
    this.observe(atMs, false);
    const dev = this.sites.get(site)?.get(device);
    if (dev === undefined || dev.offline !== null) return NONE;
    let top = dev.self;
    if (top === null) for (let w = dev.first; w !== null; w = w.next) if (top === null || levelRank(w.level) > levelRank(top.level)) top = w;
    if (top === null) return NONE;
    dev.offline = { level: top.level, quantity: top.quantity };
    return [this.transition({ site, device, channel: DEVICE_CHANNEL, quantity: top.quantity }, 'offline', null, top.level, 0, atMs, 'last will: device offline')];
  }

  /** The device's birth message clears `offline`; its channels still need a reading to clear `stale`. */
  online(site: SiteId, device: DeviceId, atMs: number): readonly DetailedTransition[] {
    this.observe(atMs, false);
    const dev = this.sites.get(site)?.get(device);
    return dev === undefined || dev.offline === null ? NONE : [this.clearOffline(site, device, dev, atMs, 'device online')];
  }

  /** True while the sensor is stale or its device offline: such a detector does not vote. */
  isSilent(site: SiteId, device: DeviceId, channel: ChannelId): boolean {
    const dev = this.sites.get(site)?.get(device);
    return dev !== undefined && (dev.offline !== null || dev.self?.stale === true || channelWatch(dev, channel)?.stale === true);
  }

  /**
   * Expires the buckets up to `nowMs`. A sensor is stale once nowMs − lastSeen ≥ periodMs (a silence
   * of exactly the period raises), reported by the first tick at or after that deadline rounded up
   * to a multiple of bucketMs: never early, at most bucketMs late.
   */
  tick(nowMs: number): readonly DetailedTransition[] {
    const now = this.observe(nowMs, true);
    const last = Math.floor(now / this.bucketMs);
    const first = this.doneBucket + 1;
    this.doneBucket = last; // before expiring, so a re-arm never lands in a bucket already taken
    let out: DetailedTransition[] | null = null;
    for (let b = first; b <= last; b++) {
      const list = this.buckets.get(b);
      if (list === undefined) continue;
      this.buckets.delete(b);
      for (let i = 0; i < list.length; i++) {
        const w = list[i]!;
        if (w.bucket !== b) continue; // since moved to an earlier deadline by watch() or load()
        w.bucket = -1;
        const due = w.lastSeenMs + w.periodMs;
        if (due > now) this.file(w, due); // refreshed since filed: lazy re-arm
        else if (w.dev.offline !== null) this.file(w, now + w.periodMs); // the offline alarm covers it
        else if (!w.stale) {
          w.stale = true;
          const silentMs = now - w.lastSeenMs;
          (out ??= []).push(this.transition(w, 'stale', null, w.level, silentMs, nowMs, `no reading for ${silentMs / 1000} s (period ${w.periodMs / 1000} s)`));
        }
      }
    }
    return out ?? NONE;
  }

  snapshot(): StaleSnapshot {
    const out: StaleSnapshot = { sensors: {}, offline: {} };
    for (const [site, devices] of this.sites) {
      for (const [device, dev] of devices) {
        if (dev.offline !== null) out.offline[`${site}/${device}`] = { ...dev.offline };
        for (const w of watchesOf(dev)) {
          const silentMs = Number.isNaN(w.lastSeenMs) ? 0 : this.nowMs - w.lastSeenMs;
          out.sensors[sensorKey(site, device, w.channel)] = { quantity: w.quantity, periodMs: w.periodMs, level: w.level, silentMs, stale: w.stale };
        }
      }
    }
    return out;
  }

  /** Merges a snapshot (through JSON or not) at gateway time `nowMs`; throws on one it did not write. */
  load(snapshot: StaleSnapshot, nowMs: number): void {
    const now = this.observe(nowMs, false);
    const bad = (key: string) => new TypeError(`stale snapshot: bad entry ${JSON.stringify(key)}`);
    for (const key of Object.keys(snapshot.sensors)) {
      const ref = parseSensorKey(key);
      const s = snapshot.sensors[key]!;
      if (ref === null || !QUANTITIES.includes(s.quantity) || !LEVELS.includes(s.level) || !(s.periodMs > 0) || !(s.silentMs >= 0)) throw bad(key);
      const w = this.upsert({ ...ref, quantity: s.quantity }, s.periodMs, s.level);
      w.lastSeenMs = now - s.silentMs;
      w.stale = s.stale === true;
      w.bucket = -1;
      if (!w.stale) this.file(w, w.lastSeenMs + w.periodMs);
    }
    for (const key of Object.keys(snapshot.offline)) {
      const [site, device] = key.split('/') as [SiteId, DeviceId];
      const dev = this.sites.get(site)?.get(device);
      const o = snapshot.offline[key]!;
      if (dev === undefined || !QUANTITIES.includes(o.quantity) || !LEVELS.includes(o.level)) throw bad(key);
      dev.offline = { level: o.level, quantity: o.quantity };
    }
  }

  /** Gateway time → internal time, catching clock faults. Only tick's clock (`authoritative`) may step back. */
  private observe(atMs: number, authoritative: boolean): number {
    if (Number.isNaN(this.nowMs)) {
      this.wallMs = this.nowMs = atMs;
      this.doneBucket = Math.floor(atMs / this.bucketMs) - 1;
      for (const devices of this.sites.values()) {
        for (const dev of devices.values()) for (const w of watchesOf(dev)) if (Number.isNaN(w.lastSeenMs)) this.arm(w, atMs);
      }
      return atMs;
    }
    const d = atMs - this.wallMs;
    if (d >= 0 && d <= this.maxJumpMs) {
      this.wallMs = atMs;
      this.nowMs = atMs + this.offsetMs;
    } else if (d > this.maxJumpMs || (authoritative && -d > this.bucketMs)) {
      // A clock fault: re-baseline so internal time stands still across the step. Forward, no deadline
      // passes (no mass raise); backward, nothing clears and detection does not go blind.
      this.offsetMs -= d;
      this.wallMs = atMs;
      this.counters.clockJumps++;
      this.counters.lastJumpMs = d;
      this.counters.lastJumpAtMs = atMs;
    }
    // Else a receive time from before the last tick (or a backward step the next tick will catch): counts as now.
    return this.nowMs;
  }

  /** Files a live entry under its deadline unless it already sits in an earlier bucket (lazy). */
  private arm(w: Watch, startMs: number): void {
    if (Number.isNaN(w.lastSeenMs)) w.lastSeenMs = startMs;
    const due = w.lastSeenMs + w.periodMs;
    if (w.bucket < 0 || Math.ceil(due / this.bucketMs) < w.bucket) this.file(w, due);
  }

  // Bucket b holds deadlines in ((b−1)·bucketMs, b·bucketMs] and expires at the first tick with
  // now ≥ b·bucketMs, never before a deadline: an expiring entry is either refreshed or due, so it
  // moves at most once per period. The price is up to bucketMs of lateness.
  private file(w: Watch, dueMs: number): void {
    let b = Math.ceil(dueMs / this.bucketMs);
    if (b <= this.doneBucket) b = this.doneBucket + 1;
    const list = this.buckets.get(b);
    if (list === undefined) this.buckets.set(b, [w]);
    else list.push(w);
    w.bucket = b;
    this.counters.moves++;
  }

  /** A reading ends a stale episode: clear it and file the entry again (stale ones sit in no bucket). */
  private recover(w: Watch, now: number, atMs: number): DetailedTransition {
    const silentMs = now - w.lastSeenMs;
    w.lastSeenMs = Math.max(now, w.lastSeenMs);
    w.stale = false;
    this.file(w, w.lastSeenMs + w.periodMs);
    return this.transition(w, 'stale', w.level, null, silentMs, atMs, `reading after ${silentMs / 1000} s`);
  }

  private clearOffline(site: SiteId, device: DeviceId, dev: DeviceEntry, atMs: number, detail: string): DetailedTransition {
    const was = dev.offline!;
    dev.offline = null;
    return this.transition({ site, device, channel: DEVICE_CHANNEL, quantity: was.quantity }, 'offline', was.level, null, 0, atMs, detail);
  }

  private upsert(key: WatchKey, periodMs: number, level: Level): Watch {
    let devices = this.sites.get(key.site);
    if (devices === undefined) this.sites.set(key.site, (devices = new Map()));
    let dev = devices.get(key.device);
    if (dev === undefined) devices.set(key.device, (dev = { first: null, self: null, offline: null }));
    const isSelf = key.channel === DEVICE_CHANNEL;
    let w = isSelf ? dev.self : channelWatch(dev, key.channel);
    if (w === undefined || w === null) {
      w = { site: key.site, device: key.device, channel: key.channel, quantity: key.quantity, periodMs, level, lastSeenMs: NaN, bucket: -1, stale: false, dev, next: null };
      if (isSelf) dev.self = w;
      else appendWatch(dev, w);
      this.count++;
    }
    w.quantity = key.quantity; // fixed by the device profile; changes only with the config
    w.periodMs = periodMs;
    w.level = level;
    return w;
  }

  /** `value` is the silence in seconds for `stale` (the alarm's peak is the longest silence), 0 for `offline`. */
  private transition(ref: WatchKey, ruleId: 'stale' | 'offline', from: Level | null, to: Level | null, silentMs: number, atMs: number, detail: string): DetailedTransition {
    const value = Math.max(0, silentMs) / 1000;
    return { kind: 'level', site: ref.site, device: ref.device, channel: ref.channel, quantity: ref.quantity, ruleId, alarmKind: ruleId, from, to, value, atMs, stopWork: false, detail };
  }
}
