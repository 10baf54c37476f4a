// The detection engine: one reading in, level transitions out (docs/architecture.md). Pure in
// the sense that matters: no I/O, no clock; it owns a map of per-sensor states and nothing else.
// Every rule kind (threshold, rate, dose) is a compiled rule; the sensors a list of rules watches
// keep all their rules' states in one slot each of a shared Float64Array (state-slab.ts), so a
// reading touches few cache lines.

import type { ChannelId, DeviceId, SiteId } from '../contract/ids.js';
import { levelAtRank, levelRank, type Level } from '../contract/levels.js';
import type { AlarmKind } from '../contract/alarm-kind.js';
import type { Rule } from '../config/schema.js';
import type { Quantity } from '../config/quantities.js';
import { advanceThreshold, compileThreshold, LEVEL, type LatchSpec, type Packed } from './threshold.js';
import { advanceRate, compileRate, rateChange, rateSpeedPerS, restoreRate, type RateSpec } from './rate.js';
import { advanceDose, compileDose, doseOf, restoreDose, type DoseSpec } from './dose.js';
import { cloneRuleState, initialSensorState, initPacked, packedSize, packRule, parseSensorKey, reviveSensorState, sensorKey, unpackRule, type RuleState, type SensorState } from './sensor-state.js';
import { StateSlab } from './state-slab.js';
import { ruleScope, type RuleView } from './rule-scope.js';
import { NO_SLAB, SensorTable, type RuleSet, type SensorEntry } from './sensor-table.js';

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
  /** What the alarm it moves is (the rule's kind, or the health check's); without it the alarm
   * service reads it from the rule id. */
  alarmKind?: AlarmKind;
  /** What the rule's levels compare, where it is not the reading: a rate rule's change within
   * its window (the quantity's unit, negative for a fall; a rate over the window's length would
   * understate a rise that began inside it); a dose rule's dose (1 = the EN 50291-1 alarm
   * point). The alarm carries it as its value. */
  measure?: number;
  /** A rate rule's speed and window, so its alarm says a rate (m/h, %LEL/min) and not only a
   * change: the change per second since the window's lowest point (highest, for a fall; detect/
   * rate.ts rateSpeedPerS), negative for a fall, and the rule's window in seconds. */
  rate?: { perS: number; windowS: number };
  from: Level | null;
  to: Level | null;
  value: number;
  atMs: number;
  /** rule.stopWork && to === 'red': the alarm service issues a stop-work order (停产停工令). */
  stopWork: boolean;
}

/** A rule with its numbers compiled once, so the hot path reads no config. */
// `rule` is replaced (never the spec) when only the sites a rule applies to change, so sensors
// keep their compiled rule, and with it their state, across a fleet change (replaceRules).
// `sites`: the rule's sites as a set (a preset's rule may name 10 000 kitchens), undefined for all.
type Compiled =
  | { readonly kind: 'threshold'; rule: Rule; sites: ReadonlySet<string> | undefined; readonly spec: LatchSpec }
  | { readonly kind: 'rate'; rule: Rule; sites: ReadonlySet<string> | undefined; readonly spec: RateSpec }
  | { readonly kind: 'dose'; rule: Rule; sites: ReadonlySet<string> | undefined; readonly spec: DoseSpec };

/** A rule as JSON without its sites: equal means the same compiled numbers. */
function ruleBody(rule: Rule): string {
  const { sites: _sites, ...body } = rule;
  return JSON.stringify(body);
}

function compile(rule: Rule): Compiled {
  const sites = siteSet(rule);
  switch (rule.kind) {
    case 'threshold':
      return { kind: 'threshold', rule, sites, spec: compileThreshold(rule) };
    case 'rate':
      return { kind: 'rate', rule, sites, spec: compileRate(rule) };
    case 'dose':
      return { kind: 'dose', rule, sites, spec: compileDose(rule) };
  }
}

function siteSet(rule: Rule): ReadonlySet<string> | undefined {
  return rule.sites === undefined ? undefined : new Set(rule.sites);
}

/** One reading through one rule's packed state at `o`, in place; true when the level changed. */
function advance(c: Compiled, v: Packed, o: number, value: number, tsMs: number): boolean {
  switch (c.kind) {
    case 'threshold':
      return advanceThreshold(v, o, value, tsMs, c.spec);
    case 'rate':
      return advanceRate(v, o, value, tsMs, c.spec);
    case 'dose':
      return advanceDose(v, o, value, tsMs, c.spec);
  }
}

/** The rule's own measure at the latest reading (see LevelTransition.measure). */
function measureOf(c: Compiled, v: Packed, o: number): number {
  if (c.kind === 'dose') return doseOf(v, o);
  if (c.kind === 'rate') return c.spec.sign * rateChange(v, o);
  return Number.NaN;
}

function restoreLevel(c: Compiled, v: Packed, o: number, level: Level): void {
  if (c.kind === 'dose') restoreDose(v, o, level, c.spec);
  else if (c.kind === 'rate') restoreRate(v, o, level);
  else v[o + LEVEL] = levelRank(level);
}

type Rules = RuleSet<Compiled>;
type Entry = SensorEntry<Compiled>;

function ruleSet(rules: readonly Compiled[]): Rules {
  const offsets: number[] = [];
  let stride = 0;
  for (const c of rules) {
    offsets.push(stride);
    stride += packedSize(c.kind);
  }
  return { rules, offsets, slots: stride === 0 ? null : new StateSlab(stride) };
}

/** Shared and frozen: the common "nothing changed" answer costs no allocation. */
const NO_TRANSITIONS: readonly LevelTransition[] = Object.freeze([]);
const NO_RULES: Rules = Object.freeze({ rules: Object.freeze([]), offsets: Object.freeze([]), slots: null });

export class DetectionEngine {
  private readonly byQuantity = new Map<Quantity, Compiled[]>();
  /** Rule sets by quantity, and by site and quantity where a rule of the quantity is limited to some sites. */
  private readonly sets = new Map<string, Rules>();
  private readonly byId = new Map<string, Compiled>();
  private readonly sensors = new SensorTable<Compiled>();

  constructor(rules: readonly Rule[]) {
    this.index(rules, new Map());
  }

  private index(rules: readonly Rule[], previous: ReadonlyMap<string, Compiled>): void {
    const ids = new Set<string>();
    for (const rule of rules) {
      if (ids.has(rule.id)) throw new Error(`DetectionEngine: rule id ${rule.id} given twice`);
      ids.add(rule.id);
    }
    this.byId.clear();
    this.byQuantity.clear();
    this.sets.clear();
    for (const rule of rules) {
      const old = previous.get(rule.id);
      let c: Compiled;
      if (old !== undefined && ruleBody(old.rule) === ruleBody(rule)) {
        old.rule = rule;
        old.sites = siteSet(rule);
        c = old;
      } else c = compile(rule);
      this.byId.set(rule.id, c);
      const list = this.byQuantity.get(rule.quantity);
      if (list) list.push(c);
      else this.byQuantity.set(rule.quantity, [c]);
    }
  }

  /**
   * The fleet changed the rules (a preset site added or removed, its overrides edited): each
   * sensor moves to its site's new rule set. A rule that stays keeps its state; one whose numbers
   * changed keeps its level, so an alarm in force is neither raised twice nor forgotten; a sensor
   * whose rules did not change is not touched.
   */
  replaceRules(rules: readonly Rule[]): void {
    const view = (c: Compiled): RuleView => ({ body: c.spec, quantity: c.rule.quantity, sites: c.sites });
    const before = new Map([...this.byId].map(([id, c]) => [id, view(c)]));
    this.index(rules, new Map(this.byId));
    const scope = ruleScope(before, new Map([...this.byId].map(([id, c]) => [id, view(c)])));
    for (const e of this.sensors.entries()) {
      if (e.quantity === null || !(scope.everySite.has(e.quantity) || scope.sites.get(e.quantity)?.has(e.site) === true)) continue;
      const set = this.ruleSetFor(e.site, e.quantity);
      if (set.rules.length === e.set.rules.length && set.rules.every((c, i) => c === e.set.rules[i])) continue;
      this.resolve(e, e.quantity);
    }
  }

  /**
   * Drops the state of a device's sensors (all of them, or the channels named): a device removed
   * from the fleet, or a channel removed or given another quantity, starts afresh if it returns.
   */
  forget(site: SiteId, device: DeviceId, channels?: readonly ChannelId[]): void {
    for (const e of this.sensors.remove(site, device, channels)) e.set.slots?.release(e.slab, e.base);
  }

  get sensorCount(): number {
    return this.sensors.size;
  }

  /**
   * Feeds one reading through every rule for its quantity and site. The returned array is
   * shared and frozen when empty: read it, do not push to it.
   */
  process(reading: SensorReading): readonly LevelTransition[] {
    let entry = this.sensors.find(reading.site, reading.device, reading.channel);
    if (entry === undefined) {
      // A channel no rule watches gets no state: memory stays proportional to watched sensors.
      if (this.ruleSetFor(reading.site, reading.quantity).slots === null) return NO_TRANSITIONS;
      entry = this.sensors.add(reading.site, reading.device, reading.channel, NO_RULES);
    }
    if (entry.quantity !== reading.quantity) this.resolve(entry, reading.quantity);
    let out: LevelTransition[] | null = null;
    const { rules, offsets } = entry.set;
    const slab = entry.slab;
    const base = entry.base;
    for (let i = 0; i < rules.length; i++) {
      const c = rules[i]!;
      const o = base + offsets[i]!;
      const fromRank = slab[o + LEVEL]!;
      if (!advance(c, slab, o, reading.value, reading.tsMs)) continue;
      const from = levelAtRank(fromRank);
      const to = levelAtRank(slab[o + LEVEL]!);
      (out ??= []).push({
        kind: 'level',
        site: reading.site,
        device: reading.device,
        channel: reading.channel,
        quantity: reading.quantity,
        ruleId: c.rule.id,
        alarmKind: c.kind,
        ...(c.kind === 'threshold' ? {} : { measure: measureOf(c, slab, o) }),
        ...(c.kind === 'rate' ? { rate: { perS: c.spec.sign * rateSpeedPerS(slab, o) + 0, windowS: c.spec.windowMs / 1000 } } : {}),
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
    if (c === undefined || (c.sites !== undefined && !c.sites.has(site))) return false;
    const entry = this.sensors.find(site, device, channel) ?? this.sensors.add(site, device, channel, NO_RULES);
    if (entry.quantity === null) this.resolve(entry, c.rule.quantity);
    const i = entry.set.rules.indexOf(c);
    if (i < 0) return false;
    restoreLevel(c, entry.slab, entry.base + entry.set.offsets[i]!, level);
    return true;
  }

  levelOf(site: SiteId, device: DeviceId, channel: ChannelId, ruleId: string): Level | null {
    const entry = this.sensors.find(site, device, channel);
    if (entry === undefined) return null;
    const { rules, offsets } = entry.set;
    const i = rules.findIndex((c) => c.rule.id === ruleId);
    return i >= 0 ? levelAtRank(entry.slab[entry.base + offsets[i]! + LEVEL]!) : (entry.loaded?.[ruleId]?.level ?? null);
  }

  /** A deep copy keyed by sensorKey(); later readings do not change it. */
  snapshot(): Record<string, SensorState> {
    const out: Record<string, SensorState> = {};
    for (const e of this.sensors.entries()) {
      const state = initialSensorState();
      if (e.loaded !== null) for (const id of Object.keys(e.loaded)) state.rules[id] = cloneRuleState(e.loaded[id]!);
      e.set.rules.forEach((c, i) => (state.rules[c.rule.id] = unpackRule(c.kind, e.slab, e.base + e.set.offsets[i]!)));
      out[sensorKey(e.site, e.device, e.channel)] = state;
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
      const entry = this.sensors.find(ref.site, ref.device, ref.channel) ?? this.sensors.add(ref.site, ref.device, ref.channel, NO_RULES);
      entry.set.slots?.release(entry.slab, entry.base);
      entry.quantity = null;
      entry.set = NO_RULES;
      entry.slab = NO_SLAB;
      entry.base = 0;
      entry.loaded = state.rules;
    }
  }

  /**
   * Picks the rules for the channel's quantity and moves the sensor to a slot of their set: a
   * state already held or loaded for a rule is kept (its level at least, if the rule changed kind).
   */
  private resolve(entry: Entry, quantity: Quantity): void {
    const { set: before, slab: held, base: heldBase, loaded } = entry;
    const set = this.ruleSetFor(entry.site, quantity);
    const { slab, base } = set.slots?.take() ?? { slab: NO_SLAB, base: 0 };
    set.rules.forEach((c, i) => {
      const o = base + set.offsets[i]!;
      let j = before.rules.indexOf(c);
      if (j < 0) j = before.rules.findIndex((b) => b.rule.id === c.rule.id && b.kind === c.kind);
      if (j >= 0) {
        const from = heldBase + before.offsets[j]!;
        slab.set(held.subarray(from, from + packedSize(c.kind)), o);
        return;
      }
      const old: RuleState | undefined = loaded?.[c.rule.id];
      if (old !== undefined && old.kind === c.kind) {
        packRule(old, slab, o);
      } else {
        initPacked(c.kind, slab, o);
        if (old?.level != null) restoreLevel(c, slab, o, old.level);
      }
    });
    before.slots?.release(held, heldBase);
    entry.quantity = quantity;
    entry.set = set;
    entry.slab = slab;
    entry.base = base;
    entry.loaded = null;
  }

  private ruleSetFor(site: SiteId, quantity: Quantity): Rules {
    const all = this.byQuantity.get(quantity);
    if (all === undefined) return NO_RULES;
    // Cached, so sensors of one site share one set (sets are looked up off the hot path, but for
    // readings of channels no rule watches).
    const key = all.every((c) => c.sites === undefined) ? quantity : `${quantity}@${site}`;
    let set = this.sets.get(key);
    if (set === undefined) {
      set = ruleSet(all.filter((c) => c.sites === undefined || c.sites.has(site)));
      this.sets.set(key, set);
    }
    return set;
  }
}
