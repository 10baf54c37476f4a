// Alarm flood per site (ISA-18.2 / EEMUA 191: more than 10 alarms in 10 minutes for one operator
// is a flood). While a site floods, the roster gets one consolidated site alarm instead
// of each one. Pure: the service keeps one FloodState per site and passes time in.

import { maxLevel, type Level } from '../contract/levels.js';
import { SITE_DEVICE } from '../contract/ids.js';
import { FLOOD_RULE } from '../contract/alarm-kind.js';

export interface FloodPolicy {
  /** More than this many alarms within `windowMs` is a flood (ISA-18.2: 10). */
  readonly alarms: number;
  /** ISA-18.2: 10 minutes. */
  readonly windowMs: number;
}

export const DEFAULT_FLOOD_POLICY: FloodPolicy = { alarms: 10, windowMs: 600_000 };

export interface FloodState {
  /** The latest raises, oldest first: at most `alarms + 1` within the trailing window. */
  readonly recent: readonly { atMs: number; level: Level }[];
  readonly inFlood: boolean;
  readonly startedAtMs: number | null;
  /** Alarms of this flood: those in the window that started it and every one raised since. */
  readonly count: number;
  readonly peakLevel: Level | null;
  /** When the trailing window stops (stopped) holding more than `alarms` raises. */
  readonly overUntilMs: number;
}

export const NO_FLOOD: FloodState = { recent: [], inFlood: false, startedAtMs: null, count: 0, peakLevel: null, overUntilMs: 0 };

export interface FloodStep {
  state: FloodState;
  /** This raise started the flood: raise the consolidated site alarm. */
  started: boolean;
}

/** One alarm raised at the site. */
export function noteRaise(state: FloodState, atMs: number, level: Level, policy: FloodPolicy): FloodStep {
  const recent = [...state.recent.filter((r) => atMs - r.atMs < policy.windowMs), { atMs, level }].slice(-(policy.alarms + 1));
  const over = recent.length > policy.alarms;
  // The window holds more than `alarms` raises until the oldest of the last `alarms + 1` leaves it.
  const overUntilMs = over ? Math.max(state.overUntilMs, recent[0]!.atMs + policy.windowMs) : state.overUntilMs;
  if (state.inFlood) {
    return { state: { ...state, recent, count: state.count + 1, peakLevel: maxLevel(state.peakLevel, level), overUntilMs }, started: false };
  }
  if (!over) return { state: { ...state, recent, overUntilMs }, started: false };
  const peakLevel = recent.reduce<Level | null>((peak, r) => maxLevel(peak, r.level), null);
  return { state: { recent, inFlood: true, startedAtMs: atMs, count: recent.length, peakLevel, overUntilMs }, started: true };
}

/**
 * The flood ends once the site has stayed at or below the threshold for a whole window, so a
 * site hovering at the threshold does not raise and clear its site alarm again and again.
 */
export function floodEnded(state: FloodState, nowMs: number, policy: FloodPolicy): boolean {
  return state.inFlood && nowMs >= state.overUntilMs + policy.windowMs;
}

export function afterFlood(state: FloodState): FloodState {
  return { ...state, inFlood: false, startedAtMs: null, count: 0, peakLevel: null };
}

/** A flood alarm found active at start: the site counts as flooding until a quiet window from now. */
export function restoreFlood(startedAtMs: number, count: number, peakLevel: Level, nowMs: number): FloodState {
  return { recent: [], inFlood: true, startedAtMs, count, peakLevel, overUntilMs: nowMs };
}

/** The consolidated site alarm is a real alarm row with these ids (device and channel `_site`). */
export { FLOOD_RULE } from '../contract/alarm-kind.js';
export { SITE_DEVICE };
export const FLOOD_QUANTITY = 'alarm_count';

export function isFloodAlarm(a: { device: string; ruleId: string }): boolean {
  return a.ruleId === FLOOD_RULE && a.device === SITE_DEVICE;
}
