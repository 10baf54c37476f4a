// The detection engine: one reading in, level transitions out (DESIGN.md, Data flow). Pure in
// the sense that matters: no I/O, no clock; it owns a map of per-sensor states and nothing else.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import type { Level } from '../contract/levels.js';
import type { ThresholdRule } from '../config/schema.js';
import type { Quantity } from '../config/quantities.js';
import { advanceThreshold, initialThresholdState } from './threshold.js';
import { cloneSensorState, initialSensorState, parseSensorKey, reviveSensorState, sensorKey, type SensorState } from './sensor-state.js';

export interface SensorReading {
  site: SiteId;
  device: DeviceId;
  channel: ChannelId;
  quantity: Quantity;
  value: number;
  tsMs: number;
}

export interface LevelTransition {
  kind: 'level';
  site: SiteId;
  device: DeviceId;
  channel: ChannelId;
  quantity: Quantity;
  ruleId: string;
  from: Level | null;
  to: Level | null;
  value: number;
  atMs: number;
  /** rule.stopWork && to === 'red': the alarm service issues a stop-work order (停产停工令). */
  stopWork: boolean;
}

interface SensorEntry {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
  readonly state: SensorState;
  /** Resolved on the first reading: restore() and load() do not know the channel's quantity. */
  quantity: Quantity | null;
  rules: readonly ThresholdRule[];
}

type Channels = Map<ChannelId, SensorEntry>;

/** Shared and frozen: the common "nothing changed" answer costs no allocation. */
const NO_TRANSITIONS: readonly LevelTransition[] = Object.freeze([]);
const NO_RULES: readonly ThresholdRule[] = Object.freeze([]);

export class DetectionEngine {
  private readonly byQuantity = new Map<Quantity, ThresholdRule[]>();
  private readonly byId = new Map<string, ThresholdRule>();
  // Nested by site, device, channel rather than one map keyed by sensorKey(): the ids arrive as
  // separate strings, and joining them on every reading would allocate on the hot path.
  private readonly sites = new Map<SiteId, Map<DeviceId, Channels>>();
  private count = 0;

  constructor(rules: readonly ThresholdRule[]) {
    for (const rule of rules) {
      if (this.byId.has(rule.id)) throw new Error(`DetectionEngine: rule id ${rule.id} given twice`);
      this.byId.set(rule.id, rule);
      const list = this.byQuantity.get(rule.quantity);
      if (list) list.push(rule);
      else this.byQuantity.set(rule.quantity, [rule]);
    }
  }

  get sensorCount(): number {
    return this.count;
  }

  /**
   * Feeds one reading through every rule for its quantity and site. The returned array is
   * shared and frozen when empty: read it, do not push to it.
   */
  process(reading: SensorReading): readonly LevelTransition[] {
    let entry = this.sites.get(reading.site)?.get(reading.device)?.get(reading.channel);
    if (entry === undefined) {
      // A channel no rule watches gets no state: memory stays proportional to watched sensors.
      if (this.rulesFor(reading.site, reading.quantity).length === 0) return NO_TRANSITIONS;
      entry = this.create(reading.site, reading.device, reading.channel);
    }
    if (entry.quantity !== reading.quantity) {
      entry.quantity = reading.quantity;
      entry.rules = this.rulesFor(reading.site, reading.quantity);
    }
    let out: LevelTransition[] | null = null;
    const rules = entry.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      let state = entry.state.rules[rule.id];
      if (state === undefined) {
        state = initialThresholdState();
        entry.state.rules[rule.id] = state;
      }
      const from = state.level;
      if (!advanceThreshold(state, reading.value, reading.tsMs, rule)) continue;
      const to = state.level;
      (out ??= []).push({
        kind: 'level',
        site: reading.site,
        device: reading.device,
        channel: reading.channel,
        quantity: reading.quantity,
        ruleId: rule.id,
        from,
        to,
        value: reading.value,
        atMs: reading.tsMs,
        stopWork: rule.stopWork && to === 'red',
      });
    }
    return out ?? NO_TRANSITIONS;
  }

  /**
   * Sets a rule's latched level without a transition, from an alarm still open at start, so a
   * restart does not raise the same episode twice. Returns false when the rule is unknown or
   * does not apply to the site (a rule removed from config): the caller decides what to log.
   */
  restore(site: SiteId, device: DeviceId, channel: ChannelId, ruleId: string, level: Level): boolean {
    const rule = this.byId.get(ruleId);
    if (rule === undefined || (rule.sites !== undefined && !rule.sites.includes(site))) return false;
    const entry = this.sites.get(site)?.get(device)?.get(channel) ?? this.create(site, device, channel);
    let state = entry.state.rules[ruleId];
    if (state === undefined) {
      state = initialThresholdState();
      entry.state.rules[ruleId] = state;
    }
    state.level = level;
    return true;
  }

  levelOf(site: SiteId, device: DeviceId, channel: ChannelId, ruleId: string): Level | null {
    return this.sites.get(site)?.get(device)?.get(channel)?.state.rules[ruleId]?.level ?? null;
  }

  /** A deep copy keyed by sensorKey(); later readings do not change it. */
  snapshot(): Record<string, SensorState> {
    const out: Record<string, SensorState> = {};
    for (const devices of this.sites.values()) {
      for (const channels of devices.values()) {
        for (const e of channels.values()) out[sensorKey(e.site, e.device, e.channel)] = cloneSensorState(e.state);
      }
    }
    return out;
  }

  /**
   * Merges a snapshot (possibly through JSON) into this engine: its sensors replace any state
   * held for the same sensor, others are kept, so a gateway can take over a second partition.
   */
  load(snapshot: Record<string, SensorState>): void {
    for (const key of Object.keys(snapshot)) {
      const ref = parseSensorKey(key);
      if (ref === null) throw new TypeError(`snapshot: ${JSON.stringify(key)} is not a site/device/channel key`);
      const state = reviveSensorState(snapshot[key]!);
      const channels = this.channels(ref.site, ref.device);
      if (!channels.has(ref.channel)) this.count++;
      channels.set(ref.channel, { site: ref.site, device: ref.device, channel: ref.channel, state, quantity: null, rules: NO_RULES });
    }
  }

  private rulesFor(site: SiteId, quantity: Quantity): readonly ThresholdRule[] {
    const all = this.byQuantity.get(quantity);
    if (all === undefined) return NO_RULES;
    return all.every((r) => r.sites === undefined) ? all : all.filter((r) => r.sites === undefined || r.sites.includes(site));
  }

  private channels(site: SiteId, device: DeviceId): Channels {
    let devices = this.sites.get(site);
    if (devices === undefined) {
      devices = new Map();
      this.sites.set(site, devices);
    }
    let channels = devices.get(device);
    if (channels === undefined) {
      channels = new Map();
      devices.set(device, channels);
    }
    return channels;
  }

  private create(site: SiteId, device: DeviceId, channel: ChannelId): SensorEntry {
    const entry: SensorEntry = { site, device, channel, state: initialSensorState(), quantity: null, rules: NO_RULES };
    this.channels(site, device).set(channel, entry);
    this.count++;
    return entry;
  }
}
