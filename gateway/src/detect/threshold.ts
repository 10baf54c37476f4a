// Four-level threshold with hysteresis (deadband) and on-delay, over plain data (DESIGN.md,
// Warning levels). Pure: time is the reading's own tsMs, never the clock.

import { levelAtRank, levelRank, type Level } from '../contract/levels.js';
import type { ThresholdRule } from '../config/schema.js';

export interface ThresholdState {
  /** The latched level, or null when no level is active. */
  level: Level | null;
  /** Per level rank 0..3: reading time (ms) the value first met that set point in the current run. */
  since: (number | null)[];
  /** Per level rank 0..3: consecutive readings meeting that set point. */
  count: number[];
  /** Time of the latest accepted reading; -Infinity before the first. */
  lastTsMs: number;
}

export interface ThresholdStep {
  readonly state: ThresholdState;
  readonly from: Level | null;
  readonly to: Level | null;
  readonly changed: boolean;
}

export function initialThresholdState(): ThresholdState {
  return { level: null, since: [null, null, null, null], count: [0, 0, 0, 0], lastTsMs: -Infinity };
}

export function cloneThresholdState(state: ThresholdState): ThresholdState {
  return { level: state.level, since: state.since.slice(), count: state.count.slice(), lastTsMs: state.lastTsMs };
}

// Named property reads rather than rule.levels[LEVELS[rank]]: this runs once per level per
// reading, and a keyed load with a varying key is the slow path in V8.
function setPoint(rule: ThresholdRule, rank: number): number | undefined {
  switch (rank) {
    case 0:
      return rule.levels.blue;
    case 1:
      return rule.levels.yellow;
    case 2:
      return rule.levels.orange;
    default:
      return rule.levels.red;
  }
}

/** Whether a reading can move the state at all; shared so both entry points agree. */
function accepts(state: ThresholdState, value: number, tsMs: number): boolean {
  // Out-of-order readings (backfill, redelivery) must not rewind the on-delay timers. A non-finite
  // value carries no information; letting NaN through would clear a live alarm, since every
  // comparison with NaN is false. Faults are fault.ts's business, not a level.
  return tsMs >= state.lastTsMs && Number.isFinite(value);
}

/**
 * Advances `state` IN PLACE and returns true when its level changed. Only for the owner of the
 * state (DetectionEngine keeps its states private, so the hot path allocates nothing); everyone
 * else calls stepThreshold, which never touches its input.
 */
export function advanceThreshold(state: ThresholdState, value: number, tsMs: number, rule: ThresholdRule): boolean {
  if (!accepts(state, value, tsMs)) return false;
  state.lastTsMs = tsMs;
  const above = rule.direction === 'above';
  // Rounded to whole ms so a delay such as 0.3 s (0.3 * 1000 = 300.00000000000006) is reached
  // by a reading exactly 300 ms later.
  const delayMs = Math.round(rule.onDelayS * 1000);
  const current = levelRank(state.level);
  let raised = -1;
  let held = -1;
  for (let rank = 0; rank < 4; rank++) {
    const sp = setPoint(rule, rank);
    if (sp === undefined) continue;
    if (above ? value >= sp : value <= sp) {
      const since = state.since[rank] ?? tsMs;
      const count = (state.count[rank] ?? 0) + 1;
      state.since[rank] = since;
      state.count[rank] = count;
      if (tsMs - since >= delayMs && count >= rule.onDelaySamples) raised = rank;
    } else {
      state.since[rank] = null;
      state.count[rank] = 0;
    }
    // Hysteresis: a latched level (or one below it) stays until the value is past its deadband,
    // so a reading hovering on a set point does not chatter.
    if (rank <= current && (above ? value >= sp - rule.deadband : value <= sp + rule.deadband)) held = rank;
  }
  const next = raised > held ? raised : held;
  if (next === current) return false;
  state.level = levelAtRank(next);
  return true;
}

/** One reading through one rule; returns a new state and leaves `state` untouched. */
export function stepThreshold(state: ThresholdState, value: number, tsMs: number, rule: ThresholdRule): ThresholdStep {
  const from = state.level;
  if (!accepts(state, value, tsMs)) return { state, from, to: from, changed: false };
  const next = cloneThresholdState(state);
  const changed = advanceThreshold(next, value, tsMs, rule);
  return { state: next, from, to: next.level, changed };
}
