// Rate of change over a sliding window of reading time (e.g. water rising 0.3 m in an hour,
// methane rising 5 %LEL within a minute), robust to a single spike, O(1) amortised per reading.
//
// Estimator. Each reading x_i is first passed through a median of three, f_i = median(x_i,
// x_i-1, x_i-2): one outlier among any three readings is never the median, so a single spike of
// any size never reaches f (f stays between the two ordinary readings beside it). The change
// is then f_now minus the lowest f in the window (for `fall`: the highest f minus f_now), i.e.
// "how far the value has climbed within the window", so a rise that starts mid-window counts
// in full. The window's minimum is kept in a monotonic deque over time buckets of windowS/30:
// one entry per bucket at most (the bucket's lowest f), so the deque never holds more than 31
// entries whatever the reading rate: a fixed ring of that size, inside the state, is exact (no
// cap that could drop an entry) and never allocates; every entry is pushed and popped once. A
// 60-s window read every 10 s uses 7 of the 31 slots, and only the cache lines of the slots in use
// are touched. A bucket stays in the
// window until it lies entirely more than windowS in the past: the reference can be up to one
// bucket (windowS/30) older than windowS, erring towards alarming. Each entry keeps the time of
// the reading whose f it holds (its bucket is that time / bucketMs), so the speed of a change is
// measured from its lowest point's own time (rateSpeedPerS): a rise that began mid-window is not
// spread over the whole window.
//
// Levels latch like a threshold on the change (threshold.ts): a level holds while the change
// stays within `deadband` of its set point and drops once it falls below set point − deadband.
// A rule raises nothing before minSamples readings and starts afresh after a silence longer than
// the window. A level restored at start (an alarm still open) is held until the rule has watched
// one full window: a clear needs a window of evidence, or a restart could end an episode early.

import { levelRank, type Level } from '../contract/levels.js';
import type { RateRule } from '../config/schema.js';
import { accepts, advanceLatch, doubles, initLatch, LAST_TS, LAST_VALUE, LATCH_SIZE, LEVEL, packLatch, setPoints, toMs, unpackLatch, stepPacked, type LatchSpec, type LatchState, type Packed, type PackedKind, type RuleStep } from './threshold.js';

/** Buckets per window: the resolution of the window's start (windowS/30). */
export const RATE_BUCKETS = 30;
const CAP = RATE_BUCKETS + 1; // deque entries: one per bucket of the window, the current one included

// Packed layout after the latch (threshold.ts), then the deque: a ring of CAP [tsMs, sign·f] pairs.
const PREV_VALUE = LATCH_SIZE; // x_i-2 (x_i-1 is the latch's LAST_VALUE)
const SEEN = LATCH_SIZE + 1; // readings since the start or the last long silence, capped at minSamples
const FIRST_TS = LATCH_SIZE + 2; // time of the first of those
const HELD = LATCH_SIZE + 3; // 1 while a restored level waits for a window of evidence
const HEAD = LATCH_SIZE + 4; // ring index of the front entry
const SIZE = LATCH_SIZE + 5; // entries in the ring
/** The change of the latest reading (what the levels compare): derived, read by the engine when
 * the level moves so the alarm carries its rate; not part of the snapshot. */
const CHANGE = LATCH_SIZE + 6;
const RING = LATCH_SIZE + 7;
/** Slots of a rate state, its full ring included: 80 doubles, 640 bytes. */
export const RATE_SIZE = RING + 2 * CAP;

export interface RateSpec {
  readonly latch: LatchSpec;
  /** +1 for rise, -1 for fall: the deque works on sign·f and always looks for a minimum. */
  readonly sign: number;
  readonly windowMs: number;
  readonly bucketMs: number;
  readonly minSamples: number;
}

export interface RateState extends LatchState {
  readonly kind: 'rate';
  prevValue: number;
  seen: number;
  firstTsMs: number;
  /** A restored level, held until one window after firstTsMs. */
  holdRestored: boolean;
  /** The deque from front to back as [tsMs, sign·f, tsMs, sign·f, …], sign·f increasing; tsMs is
   * the time of the reading whose f the entry holds, one entry per bucket of tsMs / bucketMs. */
  window: number[];
}

export type RateStep = RuleStep<RateState>;

export function compileRate(rule: RateRule): RateSpec {
  const windowMs = toMs(rule.windowS);
  return {
    latch: { above: true, sp: setPoints(rule.levels), deadband: rule.deadband, onDelayMs: 0, onDelaySamples: 1, offDelayMs: 0, offDelaySamples: 1 },
    sign: rule.direction === 'rise' ? 1 : -1,
    windowMs,
    bucketMs: windowMs / RATE_BUCKETS,
    minSamples: rule.minSamples,
  };
}

export function initRate(v: Packed, o: number): void {
  initLatch(v, o);
  v[o + PREV_VALUE] = NaN;
  v[o + SEEN] = 0;
  v[o + FIRST_TS] = NaN;
  v[o + HELD] = 0;
  v[o + HEAD] = 0;
  v[o + SIZE] = 0;
  v[o + CHANGE] = NaN;
  for (let i = 0; i < RATE_SIZE - RING; i++) v[o + RING + i] = 0;
}

export function packRate(s: RateState, v: Packed, o: number): void {
  initRate(v, o);
  packLatch(s, v, o);
  v[o + PREV_VALUE] = s.prevValue;
  v[o + SEEN] = s.seen;
  v[o + FIRST_TS] = s.firstTsMs;
  v[o + HELD] = s.holdRestored ? 1 : 0;
  const size = Math.min(s.window.length >> 1, CAP);
  for (let i = 0; i < 2 * size; i++) v[o + RING + i] = s.window[i]!;
  v[o + SIZE] = size;
}

export function unpackRate(v: Packed, o: number): RateState {
  const window: number[] = [];
  for (let k = 0; k < v[o + SIZE]!; k++) {
    const at = o + RING + ((v[o + HEAD]! + k) % CAP) * 2;
    window.push(v[at]!, v[at + 1]!);
  }
  return { kind: 'rate', ...unpackLatch(v, o), prevValue: v[o + PREV_VALUE]!, seen: v[o + SEEN]!, firstTsMs: v[o + FIRST_TS]!, holdRestored: v[o + HELD] === 1, window };
}

export function initialRateState(): RateState {
  const v = doubles(RATE_SIZE);
  initRate(v, 0);
  return unpackRate(v, 0);
}

function median3(a: number, b: number, c: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  return c <= lo ? lo : c >= hi ? hi : c;
}

/** Adds sign·f of the reading at `tsMs` to the deque at `o` and returns sign·f minus the window's minimum. */
function pushEnvelope(v: Packed, o: number, tsMs: number, bucketMs: number, y: number): number {
  // An entry's bucket is always computed the same way, from its time, so the reading and the
  // entries agree on which bucket each lies in.
  const bucket = Math.floor(tsMs / bucketMs);
  const ring = o + RING;
  // Ring positions wrap by a compare, not `%`: the numbers come out of a Float64Array, and a
  // floating-point remainder costs more than the rest of this function.
  let head = v[o + HEAD]!;
  let size = v[o + SIZE]!;
  // Expire from the front the buckets that lie wholly before the window.
  while (size > 0 && Math.floor(v[ring + head * 2]! / bucketMs) < bucket - RATE_BUCKETS) {
    head = head + 1 === CAP ? 0 : head + 1;
    size--;
  }
  // Drop from the back every entry that can no longer be the minimum.
  let back = head + size - 1;
  if (back >= CAP) back -= CAP;
  while (size > 0 && v[ring + back * 2 + 1]! >= y) {
    size--;
    back = back === 0 ? CAP - 1 : back - 1;
  }
  if (size === 0 || Math.floor(v[ring + back * 2]! / bucketMs) !== bucket) {
    // Entries left have buckets in [bucket − 30, bucket − 1]: at most CAP − 1, so there is room.
    const at = ring + (back + 1 === CAP ? 0 : back + 1) * 2;
    v[at] = tsMs;
    v[at + 1] = y;
    size++;
  } // else: this bucket already holds a lower value, which expires with it.
  v[o + HEAD] = head;
  v[o + SIZE] = size;
  return y - v[ring + head * 2 + 1]!;
}

/** Advances the packed state at `o` IN PLACE; returns true when its level changed (the engine's path). */
export function advanceRate(v: Packed, o: number, value: number, tsMs: number, spec: RateSpec): boolean {
  if (!accepts(v, o, value, tsMs)) return false;
  if (tsMs - v[o + LAST_TS]! > spec.windowMs) {
    // The first reading, or after a silence longer than the window: nothing before it is in
    // the window, and a median across the silence would mix two different situations.
    v[o + SEEN] = 0;
    v[o + SIZE] = 0;
    v[o + FIRST_TS] = tsMs;
  }
  const x1 = v[o + LAST_VALUE]!;
  const x2 = v[o + PREV_VALUE]!;
  v[o + PREV_VALUE] = x1;
  v[o + LAST_VALUE] = value;
  v[o + LAST_TS] = tsMs;
  const seen = v[o + SEEN]! < spec.minSamples ? v[o + SEEN]! + 1 : v[o + SEEN]!;
  v[o + SEEN] = seen;
  if (seen < 3) return false;
  // + 0 turns −0 (a `fall` rule at 0) into 0, which survives JSON: snapshots stay exact.
  const change = pushEnvelope(v, o, tsMs, spec.bucketMs, spec.sign * median3(value, x1, x2) + 0);
  v[o + CHANGE] = change;
  if (seen < spec.minSamples) return false;
  let mayDrop = true;
  if (v[o + HELD] === 1) {
    if (tsMs - v[o + FIRST_TS]! >= spec.windowMs) v[o + HELD] = 0;
    else mayDrop = false;
  }
  return advanceLatch(v, o, change, tsMs, spec.latch, mayDrop);
}

/** The change within the window at the latest reading, in the quantity's unit (NaN before one). */
export function rateChange(v: Packed, o: number): number {
  return v[o + CHANGE]!;
}

/**
 * The speed of the change at the latest reading, per second, in the quantity's unit: the change
 * over the time since the window's lowest point (for `fall`: its highest), the point the change
 * is measured from. An average since that point, so never more than the fastest climb within it;
 * on a noisy plateau the lowest point may lie before the climb began, and the speed then reads
 * lower, though never below the change spread over the window (and one bucket). 0 with no change; NaN
 * before a change was computed.
 */
export function rateSpeedPerS(v: Packed, o: number): number {
  const change = v[o + CHANGE]!;
  if (!(change > 0)) return change;
  const sinceMs = v[o + LAST_TS]! - v[o + RING + v[o + HEAD]! * 2]!;
  return sinceMs > 0 ? (change * 1000) / sinceMs : 0;
}

/** Sets a level restored at start, held until the rule has watched one full window of readings. */
export function restoreRate(v: Packed, o: number, level: Level): void {
  v[o + LEVEL] = levelRank(level);
  v[o + HELD] = 1;
  // A state that already has readings counts its window from the latest; a fresh one from its first.
  if (Number.isFinite(v[o + LAST_TS]!)) v[o + FIRST_TS] = v[o + LAST_TS]!;
}

const RATE_KIND: PackedKind<RateState, RateSpec> = { size: RATE_SIZE, pack: packRate, unpack: unpackRate, advance: advanceRate };

/** One reading through one rate rule; returns a new state and leaves `state` untouched. */
export function stepRate(state: RateState, value: number, tsMs: number, rule: RateRule): RateStep {
  return stepPacked(RATE_KIND, state, value, tsMs, compileRate(rule));
}
