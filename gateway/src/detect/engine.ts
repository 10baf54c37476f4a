// The detection engine: one reading in, level transitions out (DESIGN.md, Data flow). Pure in
// the sense that matters: no I/O, no clock; it owns a map of per-sensor states and nothing else.
// Every rule kind (threshold, rate, dose) is a compiled rule; a sensor keeps each rule's state as
// one array of doubles (threshold.ts, Packed), so a reading touches few cache lines.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import { levelAtRank, levelRank, type Level } from '../contract/levels.js';
import type { Rule } from '../config/schema.js';
import type { Quantity } from '../config/quantities.js';
import { advanceThreshold, compileThreshold, doubles, LEVEL, type LatchSpec, type Packed } from './threshold.js';
import { advanceRate, compileRate, restoreRate, type RateSpec } from './rate.js';
import { advanceDose, compileDose, restoreDose, type DoseSpec } from './dose.js';
import { cloneRuleState, initialSensorState, initPacked, packedSize, packRule, parseSensorKey, reviveSensorState, sensorKey, unpackRule, type RuleState, type SensorState } from './sensor-state.js';

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

/** A rule with its numbers compiled once, so the hot path reads no config. */
type Compiled =
  | { readonly kind: 'threshold'; readonly rule: Rule; readonly spec: LatchSpec }
  | { readonly kind: 'rate'; readonly rule: Rule; readonly spec: RateSpec }
  | { readonly kind: 'dose'; readonly rule: Rule; readonly spec: DoseSpec };

function compile(rule: Rule): Compiled {
  switch (rule.kind) {
    case 'threshold':
      return { kind: 'threshold', rule, spec: compileThreshold(rule) };
    case 'rate':
      return { kind: 'rate', rule, spec: compileRate(rule) };
    case 'dose':
      return { kind: 'dose', rule, spec: compileDose(rule) };
  }
}

// Each rule's state has an array of its own, so it sits at offset 0 (and a rate ring may grow).

/** One reading through one rule's packed state, in place; true when the level changed. */
function advance(c: Compiled, v: Packed, value: number, tsMs: number): boolean {
  switch (c.kind) {
    case 'threshold':
      return advanceThreshold(v, 0, value, tsMs, c.spec);
    case 'rate':
      return advanceRate(v, 0, value, tsMs, c.spec);
    case 'dose':
      return advanceDose(v, 0, value, tsMs, c.spec);
  }
}

function restoreLevel(c: Compiled, v: Packed, level: Level): void {
  if (c.kind === 'dose') restoreDose(v, 0, level, c.spec);
  else if (c.kind === 'rate') restoreRate(v, 0, level);
  else v[LEVEL] = levelRank(level);
}

interface SensorEntry {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
  /** Resolved on the first reading: load() does not know the channel's quantity. */
  quantity: Quantity | null;
  rules: readonly Compiled[];
  /** states[i] belongs to rules[i] (no lookup by rule id on the hot path), at offset 0. */
  states: Packed[];
  /** States loaded from a snapshot, by rule id, until the first reading says which rules apply. */
  loaded: Record<string, RuleState> | null;
}

type Channels = Map<ChannelId, SensorEntry>;

/** Shared and frozen: the common "nothing changed" answer costs no allocation. */
const NO_TRANSITIONS: readonly LevelTransition[] = Object.freeze([]);
const NO_RULES: readonly Compiled[] = Object.freeze([]);

export class DetectionEngine {
  private readonly byQuantity = new Map<Quantity, Compiled[]>();
  /** Rule lists by site and quantity, where a rule of the quantity is limited to some sites. */
  private readonly perSite = new Map<string, readonly Compiled[]>();
  private readonly byId = new Map<string, Compiled>();
  // Nested by site, device, channel rather than one map keyed by sensorKey(): the ids arrive as
  // separate strings, and joining them on every reading would allocate on the hot path.
  private readonly sites = new Map<SiteId, Map<DeviceId, Channels>>();
  private count = 0;

  constructor(rules: readonly Rule[]) {
    for (const rule of rules) {
      if (this.byId.has(rule.id)) throw new Error(`DetectionEngine: rule id ${rule.id} given twice`);
      const c = compile(rule);
      this.byId.set(rule.id, c);
      const list = this.byQuantity.get(rule.quantity);
      if (list) list.push(c);
      else this.byQuantity.set(rule.quantity, [c]);
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
    if (entry.quantity !== reading.quantity) this.resolve(entry, reading.quantity);
    let out: LevelTransition[] | null = null;
    const rules = entry.rules;
    const states = entry.states;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i]!;
      const v = states[i]!;
      const fromRank = v[LEVEL]!;
      if (!advance(c, v, reading.value, reading.tsMs)) continue;
      const from = levelAtRank(fromRank);
      const to = levelAtRank(v[LEVEL]!);
      (out ??= []).push({
        kind: 'level',
        site: reading.site,
        device: reading.device,
        channel: reading.channel,
        quantity: reading.quantity,
        ruleId: c.rule.id,
        from,
        to,
        value: reading.value,
        atMs: reading.tsMs,
        stopWork: c.rule.stopWork && to === 'red',
      });
    }
    return out ?? NO_TRANSITIONS;
  }

  /**
   * Sets a rule's latched level without a transition, from an alarm still open at start, so a
   * restart does not raise the same episode twice. Returns false when the rule is unknown, does
   * not apply to the site (a rule removed from config) or watches another quantity than the
   * channel's readings so far: the caller decides what to log.
   */
  restore(site: SiteId, device: DeviceId, channel: ChannelId, ruleId: string, level: Level): boolean {
    const c = this.byId.get(ruleId);
    if (c === undefined || (c.rule.sites !== undefined && !c.rule.sites.includes(site))) return false;
    const entry = this.sites.get(site)?.get(device)?.get(channel) ?? this.create(site, device, channel);
    if (entry.quantity === null) this.resolve(entry, c.rule.quantity);
    const i = entry.rules.indexOf(c);
    if (i < 0) return false;
    restoreLevel(c, entry.states[i]!, level);
    return true;
  }

  levelOf(site: SiteId, device: DeviceId, channel: ChannelId, ruleId: string): Level | null {
    const entry = this.sites.get(site)?.get(device)?.get(channel);
    if (entry === undefined) return null;
    const i = entry.rules.findIndex((c) => c.rule.id === ruleId);
    return i >= 0 ? levelAtRank(entry.states[i]![LEVEL]!) : (entry.loaded?.[ruleId]?.level ?? null);
  }

  /** A deep copy keyed by sensorKey(); later readings do not change it. */
  snapshot(): Record<string, SensorState> {
    const out: Record<string, SensorState> = {};
    for (const devices of this.sites.values()) {
      for (const channels of devices.values()) {
        for (const e of channels.values()) {
          const state = initialSensorState();
          if (e.loaded !== null) for (const id of Object.keys(e.loaded)) state.rules[id] = cloneRuleState(e.loaded[id]!);
          e.rules.forEach((c, i) => (state.rules[c.rule.id] = unpackRule(c.kind, e.states[i]!, 0)));
          out[sensorKey(e.site, e.device, e.channel)] = state;
        }
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
      channels.set(ref.channel, { site: ref.site, device: ref.device, channel: ref.channel, quantity: null, rules: NO_RULES, states: [], loaded: state.rules });
    }
  }

  /**
   * Picks the rules for the channel's quantity and lines their states up with them: a state
   * already held or loaded for a rule is kept (its level at least, if the rule changed kind).
   */
  private resolve(entry: SensorEntry, quantity: Quantity): void {
    const { rules: before, states: held, loaded } = entry;
    entry.quantity = quantity;
    entry.rules = this.rulesFor(entry.site, quantity);
    entry.states = entry.rules.map((c) => {
      const i = before.indexOf(c);
      if (i >= 0) return held[i]!;
      const v = doubles(packedSize(c.kind));
      const old: RuleState | undefined = loaded?.[c.rule.id];
      if (old !== undefined && old.kind === c.kind) {
        packRule(old, v, 0);
      } else {
        initPacked(c.kind, v, 0);
        if (old?.level != null) restoreLevel(c, v, old.level);
      }
      return v;
    });
    entry.loaded = null;
  }

  private rulesFor(site: SiteId, quantity: Quantity): readonly Compiled[] {
    const all = this.byQuantity.get(quantity);
    if (all === undefined) return NO_RULES;
    if (all.every((c) => c.rule.sites === undefined)) return all;
    // Cached, so sensors of one site share one list (entries are created off the hot path).
    const key = `${quantity}@${site}`;
    let list = this.perSite.get(key);
    if (list === undefined) {
      list = all.filter((c) => c.rule.sites === undefined || c.rule.sites.includes(site));
      this.perSite.set(key, list);
    }
    return list;
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
    const entry: SensorEntry = { site, device, channel, quantity: null, rules: NO_RULES, states: [], loaded: null };
    this.channels(site, device).set(channel, entry);
    this.count++;
    return entry;
  }
}
