// Four-level latch with hysteresis (deadband), on-delay and off-delay
// (ISA-18.2 / IEC 62682 alarm deadband and delays). The threshold rule applies it to the reading
// itself; rate.ts and dose.ts apply it to a change and to a dose. Pure: time is the reading's
// own tsMs, never the clock.
//
// Two forms of one state: the engine keeps a sensor's rule states side by side in a Float64Array
// (`Packed`, each rule at its offset `o`, laid out below), many sensors to one array
// (state-slab.ts), so a reading touches its own few cache lines and no object of its own at
// 100 000 sensors; snapshots and the step* functions use named objects (ThresholdState…).
// pack/unpack convert.

import { levelAtRank, levelRank, type Level } from '../contract/levels.js';
import type { ThresholdRule } from '../config/schema.js';

/** Rule states in the engine: numbers at a rule's offset plus the slots below (and more, per kind). */
export type Packed = Float64Array;

export const LEVEL = 0; // rank of the latched level, -1 for none
export const LAST_TS = 1; // time of the latest accepted reading, -Infinity before the first
export const LAST_VALUE = 2; // its value, NaN before the first
export const SINCE = 3; // 4 slots: per rank, reading time the current run began (NaN: no run)
export const COUNT = 7; // 4 slots: per rank, > 0 readings in a row meeting the set point, < 0 past the deadband
export const LATCH_SIZE = 11; // also the size of a threshold rule's state

/** A rule's levels and delays, compiled once so the hot path reads numbers, not config. */
export interface LatchSpec {
  /** true: the level rises as the value rises (gas, a rate, a dose); false: as it falls (oxygen). */
  readonly above: boolean;
  /** Set points by rank 0..3 (blue..red); NaN where the rule has no such level. */
  readonly sp: readonly number[];
  readonly deadband: number;
  readonly onDelayMs: number;
  readonly onDelaySamples: number;
  readonly offDelayMs: number;
  readonly offDelaySamples: number;
}

/** The named form of the latch part of every rule state. */
export interface LatchState {
  level: Level | null;
  lastTsMs: number;
  lastValue: number;
  /** Per rank 0..3: reading time the current run began, NaN when there is none. */
  since: number[];
  /** Per rank 0..3: count > 0 readings in a row met the set point (on-delay running), < 0 were past the deadband (off-delay running). */
  count: number[];
}

export interface ThresholdState extends LatchState {
  readonly kind: 'threshold';
}

/** The outcome of one pure step of any rule kind. */
export interface RuleStep<S extends LatchState> {
  readonly state: S;
  readonly from: Level | null;
  readonly to: Level | null;
  readonly changed: boolean;
}

export type ThresholdStep = RuleStep<ThresholdState>;

// Rounded to whole ms so a delay such as 0.3 s (0.3 * 1000 = 300.00000000000006) is reached by a
// reading exactly 300 ms later.
export const toMs = (seconds: number): number => Math.round(seconds * 1000);

export function setPoints(levels: { blue?: number | undefined; yellow?: number | undefined; orange?: number | undefined; red?: number | undefined }): number[] {
  return [levels.blue ?? NaN, levels.yellow ?? NaN, levels.orange ?? NaN, levels.red ?? NaN];
}

export function compileThreshold(rule: ThresholdRule): LatchSpec {
  return {
    above: rule.direction === 'above',
    sp: setPoints(rule.levels),
    deadband: rule.deadband,
    onDelayMs: toMs(rule.onDelayS),
    onDelaySamples: rule.onDelaySamples,
    offDelayMs: toMs(rule.offDelayS),
    offDelaySamples: rule.offDelaySamples,
  };
}

/** `size` slots of doubles, all NaN until a rule's init writes them. */
export function doubles(size: number): Packed {
  return new Float64Array(size).fill(NaN);
}

/** Writes a fresh latch at `o`. */
export function initLatch(v: Packed, o: number): void {
  v[o + LEVEL] = -1;
  v[o + LAST_TS] = -Infinity;
  v[o + LAST_VALUE] = NaN;
  for (let r = 0; r < 4; r++) {
    v[o + SINCE + r] = NaN;
    v[o + COUNT + r] = 0;
  }
}

export function packLatch(s: LatchState, v: Packed, o: number): void {
  v[o + LEVEL] = levelRank(s.level);
  v[o + LAST_TS] = s.lastTsMs;
  v[o + LAST_VALUE] = s.lastValue;
  for (let r = 0; r < 4; r++) {
    v[o + SINCE + r] = s.since[r] ?? NaN;
    v[o + COUNT + r] = s.count[r] ?? 0;
  }
}

export function unpackLatch(v: Packed, o: number): LatchState {
  return {
    level: levelAtRank(v[o + LEVEL]!),
    lastTsMs: v[o + LAST_TS]!,
    lastValue: v[o + LAST_VALUE]!,
    since: Array.from(v.subarray(o + SINCE, o + SINCE + 4)),
    count: Array.from(v.subarray(o + COUNT, o + COUNT + 4)),
  };
}

export const initThreshold = initLatch;
export const packThreshold = packLatch;
export const unpackThreshold = (v: Packed, o: number): ThresholdState => ({ kind: 'threshold', ...unpackLatch(v, o) });

export function initialThresholdState(): ThresholdState {
  const v = doubles(LATCH_SIZE);
  initLatch(v, 0);
  return unpackThreshold(v, 0);
}

/**
 * Whether a reading can move a rule's state at all; shared by every rule kind so they agree.
 * Out-of-order readings (backfill, redelivery) must not rewind timers; a reading with the same
 * time and value as the last is a duplicate and changes nothing; a non-finite value carries no
 * information (letting NaN through would clear a live alarm, since every comparison with NaN is
 * false). Faults are fault.ts's business, not a level.
 */
export function accepts(v: Packed, o: number, value: number, tsMs: number): boolean {
  const last = v[o + LAST_TS]!;
  return tsMs >= last && Number.isFinite(value) && !(tsMs === last && value === v[o + LAST_VALUE]);
}

/**
 * Feeds one value into the latch IN PLACE; returns true when its level changed.
 * A level is raised once the value has met its set point for onDelayMs of reading time AND
 * onDelaySamples readings in a row; the highest such level wins. A latched level (or one below
 * it) holds while the value stays within the deadband of its set point, and drops only after the
 * value has been past the deadband for offDelayMs AND offDelaySamples readings in a row. Each level
 * keeps its own runs, so a drop from red lands on the highest level still held or still in its
 * off-delay. `mayDrop` false holds the level whatever the value (a rule still warming up).
 */
export function advanceLatch(v: Packed, o: number, value: number, tsMs: number, spec: LatchSpec, mayDrop = true): boolean {
  const above = spec.above;
  const current = v[o + LEVEL]!;
  const since = o + SINCE;
  const count = o + COUNT;
  let raised = -1;
  let held = -1;
  for (let rank = 0; rank < 4; rank++) {
    const sp = spec.sp[rank]!;
    if (sp !== sp) continue; // NaN: no such level
    const n = v[count + rank]!;
    if (above ? value >= sp : value <= sp) {
      if (n <= 0) v[since + rank] = tsMs;
      // Capped where the delay is met: the count stays a small integer however long the run.
      const next = n <= 0 ? 1 : n < spec.onDelaySamples ? n + 1 : n;
      v[count + rank] = next;
      if (next >= spec.onDelaySamples && tsMs - v[since + rank]! >= spec.onDelayMs) raised = rank;
      if (rank <= current) held = rank;
    } else if (above ? value < sp - spec.deadband : value > sp + spec.deadband) {
      if (n >= 0) v[since + rank] = tsMs;
      const next = n >= 0 ? -1 : -n < spec.offDelaySamples ? n - 1 : n;
      v[count + rank] = next;
      // Still within its off-delay: the level holds (ISA-18.2 off-delay).
      if (rank <= current && (-next < spec.offDelaySamples || tsMs - v[since + rank]! < spec.offDelayMs)) held = rank;
    } else {
      // Inside the deadband: neither run goes on, and a latched level holds (hysteresis).
      if (n !== 0) {
        v[count + rank] = 0;
        v[since + rank] = NaN;
      }
      if (rank <= current) held = rank;
    }
  }
  let next = raised > held ? raised : held;
  if (next < current && !mayDrop) next = current;
  if (next === current) return false;
  v[o + LEVEL] = next;
  return true;
}

/** Advances the packed state at `o` IN PLACE and returns true when its level changed (the engine's path). */
export function advanceThreshold(v: Packed, o: number, value: number, tsMs: number, spec: LatchSpec): boolean {
  if (!accepts(v, o, value, tsMs)) return false;
  v[o + LAST_TS] = tsMs;
  v[o + LAST_VALUE] = value;
  return advanceLatch(v, o, value, tsMs, spec);
}

/** How a rule kind keeps its state packed; `stepPacked` gives each kind its pure step from these. */
export interface PackedKind<S extends LatchState, C> {
  readonly size: number;
  pack(state: S, v: Packed, o: number): void;
  unpack(v: Packed, o: number): S;
  advance(v: Packed, o: number, value: number, tsMs: number, compiled: C): boolean;
}

/** One reading through one rule on a copy of its packed state: returns a new state, `state` untouched. */
export function stepPacked<S extends LatchState, C>(kind: PackedKind<S, C>, state: S, value: number, tsMs: number, compiled: C): RuleStep<S> {
  const v = doubles(kind.size);
  kind.pack(state, v, 0);
  if (!accepts(v, 0, value, tsMs)) return { state, from: state.level, to: state.level, changed: false };
  const changed = kind.advance(v, 0, value, tsMs, compiled);
  const next = kind.unpack(v, 0);
  return { state: next, from: state.level, to: next.level, changed };
}

const THRESHOLD_KIND: PackedKind<ThresholdState, LatchSpec> = { size: LATCH_SIZE, pack: packThreshold, unpack: unpackThreshold, advance: advanceThreshold };

/** One reading through one rule; returns a new state and leaves `state` untouched. */
export function stepThreshold(state: ThresholdState, value: number, tsMs: number, rule: ThresholdRule): ThresholdStep {
  return stepPacked(THRESHOLD_KIND, state, value, tsMs, compileThreshold(rule));
}
