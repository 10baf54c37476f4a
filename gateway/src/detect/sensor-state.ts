// Per-sensor detection state as plain, serialisable data, so a partition's sensors can be
// snapshotted and restored warm on another gateway (a cluster mode moving partitions).

import { isId, type ChannelId, type DeviceId, type SiteId } from '../contract/ids.js';
import { LEVELS, type Level } from '../contract/levels.js';
import { doubles, initialThresholdState, initThreshold, LATCH_SIZE, packThreshold, unpackThreshold, type LatchState, type Packed, type ThresholdState } from './threshold.js';
import { initialRateState, initRate, packRate, RATE_BUCKETS, RATE_SIZE, unpackRate, type RateState } from './rate.js';
import { DOSE_SIZE, initDose, initialDoseState, packDose, unpackDose, type DoseState } from './dose.js';

/** One rule's state in its named, serialisable form; `kind` says which rule kind wrote it. */
export type RuleState = ThresholdState | RateState | DoseState;
export type RuleKind = RuleState['kind'];

export interface SensorState {
  /** Keyed by rule id. A prototype-less object: a rule named `toString` must not find a function. */
  rules: Record<string, RuleState>;
}

export interface SensorRef {
  readonly site: SiteId;
  readonly device: DeviceId;
  readonly channel: ChannelId;
}

export function initialSensorState(): SensorState {
  return { rules: Object.create(null) as Record<string, RuleState> };
}

export function initialRuleState(kind: RuleKind): RuleState {
  return kind === 'rate' ? initialRateState() : kind === 'dose' ? initialDoseState() : initialThresholdState();
}

/** Slots a rule of this kind takes in the engine's packed array (threshold.ts, Packed). */
export function packedSize(kind: RuleKind): number {
  return kind === 'rate' ? RATE_SIZE : kind === 'dose' ? DOSE_SIZE : LATCH_SIZE;
}

/** Writes a fresh state of this kind at `o`. */
export function initPacked(kind: RuleKind, v: Packed, o: number): void {
  if (kind === 'rate') initRate(v, o);
  else if (kind === 'dose') initDose(v, o);
  else initThreshold(v, o);
}

export function packRule(s: RuleState, v: Packed, o: number): void {
  if (s.kind === 'rate') packRate(s, v, o);
  else if (s.kind === 'dose') packDose(s, v, o);
  else packThreshold(s, v, o);
}

export function unpackRule(kind: RuleKind, v: Packed, o: number): RuleState {
  return kind === 'rate' ? unpackRate(v, o) : kind === 'dose' ? unpackDose(v, o) : unpackThreshold(v, o);
}

/** Ids cannot contain '/' (contract/ids.ts), so the key is unambiguous and reads like a topic. */
export function sensorKey(site: SiteId, device: DeviceId, channel: ChannelId): string {
  return `${site}/${device}/${channel}`;
}

export function parseSensorKey(key: string): SensorRef | null {
  const parts = key.split('/');
  if (parts.length !== 3 || !parts.every(isId)) return null;
  const [site, device, channel] = parts as [string, string, string];
  return { site: site as SiteId, device: device as DeviceId, channel: channel as ChannelId };
}

export function cloneRuleState(s: RuleState): RuleState {
  const v = doubles(packedSize(s.kind));
  packRule(s, v, 0);
  return unpackRule(s.kind, v, 0);
}

export function cloneSensorState(state: SensorState): SensorState {
  const out = initialSensorState();
  for (const ruleId of Object.keys(state.rules)) out.rules[ruleId] = cloneRuleState(state.rules[ruleId]!);
  return out;
}

type Raw = Record<string, unknown>;

/** JSON turns -Infinity and NaN into null; a field that never held a number comes back as `or`. */
function num(raw: Raw, key: string, or: number, ruleId: string): number {
  const v = raw[key];
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return or;
  throw new TypeError(`snapshot: rule ${ruleId} has a non-numeric ${key}`);
}

function reviveLatch(raw: Raw, into: LatchState, ruleId: string): void {
  const level = raw.level ?? null;
  if (level !== null && !LEVELS.includes(level as Level)) throw new TypeError(`snapshot: rule ${ruleId} has unknown level ${String(level)}`);
  into.level = level as Level | null;
  const since = Array.isArray(raw.since) ? (raw.since as unknown[]) : [];
  const count = Array.isArray(raw.count) ? (raw.count as unknown[]) : [];
  for (let rank = 0; rank < 4; rank++) {
    const s = since[rank];
    const c = count[rank];
    into.since[rank] = typeof s === 'number' ? s : NaN;
    into.count[rank] = typeof c === 'number' && Number.isInteger(c) ? c : 0;
  }
}

function reviveRule(raw: Raw, ruleId: string): RuleState {
  // A snapshot from before rule kinds has no `kind`: it was a threshold state.
  const kind = raw.kind ?? 'threshold';
  if (kind !== 'threshold' && kind !== 'rate' && kind !== 'dose') throw new TypeError(`snapshot: rule ${ruleId} has unknown kind ${String(kind)}`);
  const state = initialRuleState(kind);
  reviveLatch(raw, state, ruleId);
  state.lastTsMs = num(raw, 'lastTsMs', -Infinity, ruleId);
  state.lastValue = num(raw, 'lastValue', NaN, ruleId);
  if (state.kind === 'dose') {
    state.dose = Math.max(0, num(raw, 'dose', 0, ruleId));
  } else if (state.kind === 'rate') {
    state.prevValue = num(raw, 'prevValue', NaN, ruleId);
    state.seen = num(raw, 'seen', 0, ruleId);
    state.firstTsMs = num(raw, 'firstTsMs', NaN, ruleId);
    state.holdRestored = raw.holdRestored === true;
    const window = Array.isArray(raw.window) ? (raw.window as unknown[]) : [];
    if (window.length % 2 !== 0 || window.length > 2 * (RATE_BUCKETS + 1) || window.some((x) => typeof x !== 'number')) {
      throw new TypeError(`snapshot: rule ${ruleId} has a malformed rate window`);
    }
    state.window = window as number[];
  }
  return state;
}

/**
 * Copies a snapshot entry that may have been through JSON. Throws on anything that is not a
 * state this module wrote, since loading garbage into a safety core is a programmer error.
 */
export function reviveSensorState(raw: SensorState): SensorState {
  const out = initialSensorState();
  for (const ruleId of Object.keys(raw.rules)) {
    const r = raw.rules[ruleId] as unknown;
    if (!isId(ruleId) || r === undefined || r === null || typeof r !== 'object') throw new TypeError(`snapshot: bad rule entry ${JSON.stringify(ruleId)}`);
    out.rules[ruleId] = reviveRule(r as Raw, ruleId);
  }
  return out;
}
