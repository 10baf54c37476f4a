// Detector faults as alarms, never silently dropped: a reading outside the
// physical range of its quantity, a reading stuck at one value, fault codes the device reports.
// Pure: time is the reading's own tsMs; no clock, no I/O.
//
// GB 16808 (as quoted by a secondary source): a fault must be signalled within 100 s. Every fault
// here is raised on the first faulty reading, so the delay is the device's reporting interval;
// a device silent for longer is stale.ts's business, whose period must then be ≤ 100 s too.

import { alarmKindOfRule } from '../contract/alarm-kind.js';
import { isId, type ChannelId, type DeviceId, type SiteId } from '../contract/ids.js';
import { LEVELS, type Level } from '../contract/levels.js';
import { QUANTITIES, QUANTITY_INFO, type Quantity } from '../config/quantities.js';
import type { LevelTransition, SensorReading } from './engine.js';
import { parseSensorKey, sensorKey } from './sensor-state.js';

/** The channel id of alarms about a whole device (offline, device fault codes). */
export const DEVICE_CHANNEL = '_device' as ChannelId;

/** A LevelTransition with a human-readable reason (fault codes, silence); the alarm service can take it unchanged. */
export interface DetailedTransition extends LevelTransition {
  detail?: string;
}

export interface StuckSetting {
  /** A value unchanged for longer than this is a stuck sensor. */
  afterMs: number;
  /** Changes of at most this much (from the first value of the run) do not count as a change. */
  epsilon: number;
  /** A run at this value (± epsilon) is never stuck: a zero-suppressed detector reads exactly 0 for days in clean air. */
  baseline?: number;
}

export interface FaultConfig {
  /** Level of `fault:range`; orange since a detector reading impossible values cannot see a leak. */
  rangeLevel: Level;
  /** Consecutive in-range readings before `fault:range` clears. */
  rangeClearReadings: number;
  stuckLevel: Level;
  /** Per quantity; a quantity without an entry is never stuck. */
  stuck: Partial<Record<Quantity, StuckSetting>>;
  /** Level of `fault:device` (device-reported fault codes). */
  deviceLevel: Level;
}

// No standard figure for "stuck" was found: 6 h is a conservative per-site default
// for gas, with the clean-air baseline exempt. Oxygen (20.9 %vol in clean air at 0.1 resolution),
// water level and temperature can legitimately sit flat for hours: off unless a site sets them.
const SIX_HOURS_MS = 6 * 3_600_000;
const GAS_STUCK: StuckSetting = { afterMs: SIX_HOURS_MS, epsilon: 0, baseline: 0 };

export const DEFAULT_FAULT_CONFIG: Readonly<FaultConfig> = Object.freeze({
  rangeLevel: 'orange',
  rangeClearReadings: 3,
  stuckLevel: 'yellow',
  stuck: { methane_lel: GAS_STUCK, lpg_lel: GAS_STUCK, co_ppm: GAS_STUCK, h2s_ppm: GAS_STUCK },
  deviceLevel: 'orange',
});

export interface ChannelFaultState {
  /** Latest accepted reading time; -Infinity before the first. Older readings are ignored. */
  lastTsMs: number;
  range: boolean;
  /** Consecutive in-range readings since the last out-of-range one, while `range`. */
  inRangeCount: number;
  /** First value of the current run of equal values; NaN before the first reading. */
  runValue: number;
  runStartMs: number;
  stuck: boolean;
}

export const RANGE_CHANGED = 1;
export const STUCK_CHANGED = 2;

export function initialChannelFaultState(): ChannelFaultState {
  return { lastTsMs: -Infinity, range: false, inRangeCount: 0, runValue: NaN, runStartMs: 0, stuck: false };
}

/** Bounds inclusive; NaN is out of range (written so that every comparison with NaN fails). */
export function inPhysicalRange(quantity: Quantity, value: number): boolean {
  const info = QUANTITY_INFO[quantity];
  return value >= info.min && value <= info.max;
}

/** Advances `state` IN PLACE; returns RANGE_CHANGED | STUCK_CHANGED bits, 0 when nothing changed. */
export function advanceChannelFault(state: ChannelFaultState, value: number, tsMs: number, quantity: Quantity, config: FaultConfig): number {
  // Out-of-order readings (backfill) must not rewind the state; newer readings already tell it.
  if (!(tsMs >= state.lastTsMs)) return 0;
  state.lastTsMs = tsMs;
  let changed = 0;
  if (!inPhysicalRange(quantity, value)) {
    state.inRangeCount = 0;
    if (!state.range) {
      state.range = true;
      changed |= RANGE_CHANGED;
    }
  } else if (state.range && ++state.inRangeCount >= config.rangeClearReadings) {
    state.range = false;
    state.inRangeCount = 0;
    changed |= RANGE_CHANGED;
  }
  const stuck = config.stuck[quantity];
  if (stuck !== undefined) {
    // Compared with the run's first value, so a slow drift in steps ≤ epsilon still ends the run.
    if (!(Math.abs(value - state.runValue) <= stuck.epsilon)) {
      state.runValue = value;
      state.runStartMs = tsMs;
      if (state.stuck) {
        state.stuck = false;
        changed |= STUCK_CHANGED;
      }
    } else if (!state.stuck && tsMs - state.runStartMs > stuck.afterMs && !atBaseline(state.runValue, stuck)) {
      state.stuck = true;
      changed |= STUCK_CHANGED;
    }
  }
  return changed;
}

function atBaseline(value: number, s: StuckSetting): boolean {
  return s.baseline !== undefined && Math.abs(value - s.baseline) <= s.epsilon;
}

/** A channel's state, chained to the device's next channel. */
interface ChannelEntry extends ChannelFaultState {
  readonly channel: ChannelId;
  next: ChannelEntry | null;
}

// Channels chained rather than in a Map per device: a device has a handful, and a Map with its
// table cost ~220 B per device, 11 MB at 50 000 devices.
interface DeviceFaults {
  /** Fault codes of the active `fault:device`, or null when none is active. */
  codes: string[] | null;
  first: ChannelEntry | null;
}

function channelState(dev: DeviceFaults, channel: ChannelId): ChannelEntry | undefined {
  let e = dev.first;
  while (e !== null && e.channel !== channel) e = e.next;
  return e ?? undefined;
}

/** Sets the channel's state (a new entry goes last, keeping the order channels were first seen). */
function putChannelState(dev: DeviceFaults, channel: ChannelId, state: ChannelFaultState): ChannelEntry {
  let prev: ChannelEntry | null = null;
  let e = dev.first;
  while (e !== null && e.channel !== channel) {
    prev = e;
    e = e.next;
  }
  // A literal with every field (no spread), so that all entries share one hidden class.
  const entry: ChannelEntry = {
    lastTsMs: state.lastTsMs,
    range: state.range,
    inRangeCount: state.inRangeCount,
    runValue: state.runValue,
    runStartMs: state.runStartMs,
    stuck: state.stuck,
    channel,
    next: e?.next ?? null,
  };
  if (prev === null) dev.first = entry;
  else prev.next = entry;
  return entry;
}

export interface FaultSnapshot {
  channels: Record<string, ChannelFaultState>;
  /** Keyed `site/device`; only devices with an active `fault:device`. */
  devices: Record<string, string[]>;
}

const NONE: readonly DetailedTransition[] = Object.freeze([]);

export class FaultDetector {
  readonly config: Readonly<FaultConfig>;
  private readonly sites = new Map<SiteId, Map<DeviceId, DeviceFaults>>();
  private count = 0;

  constructor(config: Partial<FaultConfig> = {}) {
    this.config = Object.freeze({ ...DEFAULT_FAULT_CONFIG, ...config });
    validate(this.config);
  }

  /** Channels with fault state. */
  get size(): number {
    return this.count;
  }

  /** One reading; the returned array is shared and frozen when empty. */
  reading(r: SensorReading): readonly DetailedTransition[] {
    const dev = this.device(r.site, r.device);
    let state = channelState(dev, r.channel);
    if (state === undefined) {
      state = putChannelState(dev, r.channel, initialChannelFaultState());
      this.count++;
    }
    const before = state.runValue;
    const beforeStartMs = state.runStartMs;
    const changed = advanceChannelFault(state, r.value, r.tsMs, r.quantity, this.config);
    if (changed === 0) return NONE;
    const out: DetailedTransition[] = [];
    if (changed & RANGE_CHANGED) {
      const info = QUANTITY_INFO[r.quantity];
      const detail = state.range
        ? `reading ${r.value} outside the physical range ${info.min}..${info.max} ${info.unit}`
        : `back in range for ${this.config.rangeClearReadings} readings`;
      out.push(transition(r, r.channel, 'fault:range', state.range ? null : this.config.rangeLevel, state.range ? this.config.rangeLevel : null, r.value, r.tsMs, detail));
    }
    if (changed & STUCK_CHANGED) {
      const detail = state.stuck
        ? `unchanged at ${state.runValue} for ${hours(r.tsMs - state.runStartMs)} h`
        : `changed from ${before} after ${hours(r.tsMs - beforeStartMs)} h`;
      out.push(transition(r, r.channel, 'fault:stuck', state.stuck ? null : this.config.stuckLevel, state.stuck ? this.config.stuckLevel : null, r.value, r.tsMs, detail));
    }
    return out;
  }

  /**
   * The fault codes (meta.fault) of every message of the device: codes raise `fault:device`, none
   * clear it. New codes while active give no transition (same level): deviceCodes() has the list.
   * `quantity` is the device's main quantity, which the transition must carry.
   */
  deviceFault(ref: DeviceQuantity, codes: readonly string[] | undefined, atMs: number): readonly DetailedTransition[] {
    const has = codes !== undefined && codes.length > 0;
    const existing = this.sites.get(ref.site)?.get(ref.device);
    if (!has) {
      if (existing === undefined || existing.codes === null) return NONE;
      const was = existing.codes;
      existing.codes = null;
      return [transition(ref, DEVICE_CHANNEL, 'fault:device', this.config.deviceLevel, null, 0, atMs, `cleared: ${was.join(',')}`)];
    }
    const dev = existing ?? this.device(ref.site, ref.device);
    const raised = dev.codes === null;
    if (raised || !sameCodes(dev.codes!, codes)) dev.codes = codes.slice();
    if (!raised) return NONE;
    return [transition(ref, DEVICE_CHANNEL, 'fault:device', null, this.config.deviceLevel, codes.length, atMs, codes.join(','))];
  }

  /** Drops a device's fault state (or only its `channels`'): removed from the fleet, or a channel gone. */
  forget(site: SiteId, device: DeviceId, channels?: readonly ChannelId[]): void {
    const devices = this.sites.get(site);
    const dev = devices?.get(device);
    if (devices === undefined || dev === undefined) return;
    let prev: ChannelEntry | null = null;
    for (let e = dev.first; e !== null; e = e.next) {
      if (channels !== undefined && !channels.includes(e.channel)) prev = e;
      else {
        this.count--;
        if (prev === null) dev.first = e.next;
        else prev.next = e.next;
      }
    }
    if (channels !== undefined) return;
    devices.delete(device);
    if (devices.size === 0) this.sites.delete(site);
  }

  /** Voting excludes a detector in fault (GB 16808-2025 §5.5.1.8); a device fault covers all its channels. */
  inFault(site: SiteId, device: DeviceId, channel: ChannelId): boolean {
    const dev = this.sites.get(site)?.get(device);
    if (dev === undefined) return false;
    if (dev.codes !== null) return true;
    const s = channelState(dev, channel);
    return s !== undefined && (s.range || s.stuck);
  }

  deviceCodes(site: SiteId, device: DeviceId): readonly string[] {
    return this.sites.get(site)?.get(device)?.codes ?? [];
  }

  /** A deep copy; JSON-safe after revival by load() (JSON turns NaN and -Infinity into null). */
  snapshot(): FaultSnapshot {
    const out: FaultSnapshot = { channels: {}, devices: {} };
    for (const [site, devices] of this.sites) {
      for (const [device, dev] of devices) {
        if (dev.codes !== null) out.devices[`${site}/${device}`] = dev.codes.slice();
        for (let s = dev.first; s !== null; s = s.next) {
          out.channels[sensorKey(site, device, s.channel)] = { lastTsMs: s.lastTsMs, range: s.range, inRangeCount: s.inRangeCount, runValue: s.runValue, runStartMs: s.runStartMs, stuck: s.stuck };
        }
      }
    }
    return out;
  }

  /** Merges a snapshot: its entries replace those held for the same sensor or device. */
  load(snapshot: FaultSnapshot): void {
    for (const key of Object.keys(snapshot.channels)) {
      const ref = parseSensorKey(key);
      const raw = snapshot.channels[key] as Partial<Record<keyof ChannelFaultState, unknown>>;
      if (ref === null) throw new TypeError(`fault snapshot: ${JSON.stringify(key)} is not a site/device/channel key`);
      const dev = this.device(ref.site, ref.device);
      if (channelState(dev, ref.channel) === undefined) this.count++;
      putChannelState(dev, ref.channel, {
        lastTsMs: num(raw.lastTsMs, -Infinity),
        range: raw.range === true,
        inRangeCount: num(raw.inRangeCount, 0),
        runValue: num(raw.runValue, NaN),
        runStartMs: num(raw.runStartMs, 0),
        stuck: raw.stuck === true,
      });
    }
    for (const key of Object.keys(snapshot.devices)) {
      const [site, device, extra] = key.split('/');
      const codes: unknown = snapshot.devices[key];
      if (site === undefined || !isId(site) || device === undefined || !isId(device) || extra !== undefined || !Array.isArray(codes)) {
        throw new TypeError(`fault snapshot: bad device entry ${JSON.stringify(key)}`);
      }
      this.device(site as SiteId, device as DeviceId).codes = codes.length > 0 ? codes.map(String) : null;
    }
  }

  private device(site: SiteId, device: DeviceId): DeviceFaults {
    let devices = this.sites.get(site);
    if (devices === undefined) this.sites.set(site, (devices = new Map()));
    let dev = devices.get(device);
    if (dev === undefined) devices.set(device, (dev = { codes: null, first: null }));
    return dev;
  }
}

type DeviceQuantity = { site: SiteId; device: DeviceId; quantity: Quantity };

function transition(ref: DeviceQuantity, channel: ChannelId, ruleId: string, from: Level | null, to: Level | null, value: number, atMs: number, detail: string): DetailedTransition {
  // A faulty detector cannot justify stopping work by itself: stopWork stays with the threshold rules.
  return { kind: 'level', site: ref.site, device: ref.device, channel, quantity: ref.quantity, ruleId, alarmKind: alarmKindOfRule(ruleId), from, to, value, atMs, stopWork: false, detail };
}

function sameCodes(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hours(ms: number): string {
  return (ms / 3_600_000).toFixed(2);
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

/** Bad config is a programmer error here: the schema should have refused it at load. */
function validate(c: FaultConfig): void {
  for (const level of [c.rangeLevel, c.stuckLevel, c.deviceLevel]) {
    if (!LEVELS.includes(level)) throw new RangeError(`FaultDetector: unknown level ${String(level)}`);
  }
  if (!Number.isInteger(c.rangeClearReadings) || c.rangeClearReadings < 1) throw new RangeError(`FaultDetector: rangeClearReadings must be an integer ≥ 1, got ${c.rangeClearReadings}`);
  for (const q of Object.keys(c.stuck) as Quantity[]) {
    const s = c.stuck[q]!;
    if (!QUANTITIES.includes(q) || !(s.afterMs > 0) || !(s.epsilon >= 0)) throw new RangeError(`FaultDetector: bad stuck setting for ${q} (afterMs > 0, epsilon ≥ 0)`);
  }
}
