// The alarm state machine after ISA-18.2 (DESIGN.md, "Alarm lifecycle"): pure functions over plain
// data. Time is a parameter; an illegal move comes back as `rejected`, never as a throw, so the
// service decides what to tell the officer (after SignalK's alarm, but as data).

import { levelRank, maxLevel, type Level } from '../contract/levels.js';

export type AlarmState = 'active_unacked' | 'active_acked' | 'cleared_unacked' | 'cleared' | 'closed';

export interface Alarm {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  ruleId: string;
  /** Current level while active; the last level once cleared. */
  level: Level;
  peakLevel: Level;
  value: number;
  /** The value recorded when peakLevel was last raised (see applyLevel). */
  peakValue: number;
  state: AlarmState;
  raisedAtMs: number;
  updatedAtMs: number;
  clearedAtMs: number | null;
  /** Set only while the current condition is acknowledged: a re-alarm resets it. */
  ackedAtMs: number | null;
  ackedBy: string | null;
  closedAtMs: number | null;
  closedBy: string | null;
  closeNote: string | null; // 整改说明 (rectification note)
}

export type AlarmEventKind = 'raised' | 'escalated' | 'deescalated' | 'cleared' | 'acked' | 'closed' | 'chattering' | 'stale_alarm';

export interface AlarmEvent {
  alarmId: string;
  kind: AlarmEventKind;
  fromLevel: Level | null;
  toLevel: Level | null;
  /** The state after the move. */
  state: AlarmState;
  value: number | null;
  atMs: number;
  actor: string | null;
  note: string | null;
}

export type Rejection = 'ALREADY_ACKED' | 'NOT_ACTIVE' | 'ALREADY_CLOSED' | 'STILL_ACTIVE' | 'NOTE_REQUIRED' | 'NOT_CLOSABLE_YET';

export interface Outcome {
  next: Alarm;
  events: AlarmEvent[];
  rejected?: Rejection;
}

/** Orange and red alarms are closed only with a rectification note (整改销号): DESIGN.md. */
export function needsRectification(level: Level): boolean {
  return levelRank(level) >= levelRank('orange');
}

/**
 * Whether the alarm still needs someone: it is active, or cleared but not yet acknowledged, or
 * cleared and acknowledged but its peak was orange/red and nobody has signed off the
 * rectification yet. ISA-18.2 has no state for that last case, so we keep the standard state
 * 'cleared' and let isOpen carry the extra duty: a blue/yellow alarm is done once cleared and
 * acked; an orange/red one only once 'closed'.
 */
export function isOpen(alarm: Alarm): boolean {
  switch (alarm.state) {
    case 'active_unacked':
    case 'active_acked':
    case 'cleared_unacked':
      return true;
    case 'cleared':
      return needsRectification(alarm.peakLevel);
    case 'closed':
      return false;
  }
}

function isActive(state: AlarmState): boolean {
  return state === 'active_unacked' || state === 'active_acked';
}

function refuse(alarm: Alarm, rejected: Rejection): Outcome {
  return { next: alarm, events: [], rejected };
}

/** A blank note is no note: an officer must write what was rectified, not press space. */
function cleanNote(note: string | undefined): string | null {
  const trimmed = note?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

export function raiseAlarm(input: {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  ruleId: string;
  level: Level;
  value: number;
  atMs: number;
}): Outcome {
  const next: Alarm = {
    id: input.id,
    site: input.site,
    device: input.device,
    channel: input.channel,
    quantity: input.quantity,
    ruleId: input.ruleId,
    level: input.level,
    peakLevel: input.level,
    value: input.value,
    peakValue: input.value,
    state: 'active_unacked',
    raisedAtMs: input.atMs,
    updatedAtMs: input.atMs,
    clearedAtMs: null,
    ackedAtMs: null,
    ackedBy: null,
    closedAtMs: null,
    closedBy: null,
    closeNote: null,
  };
  return { next, events: [event(next, 'raised', null, input.level, input.value, input.atMs)] };
}

/**
 * The detector's verdict for this alarm's sensor and rule: a level, or null when the condition
 * has cleared. A cleared or closed alarm is not revived (NOT_ACTIVE): a new episode is a new
 * alarm (raiseAlarm), so each episode keeps its own peak and its own sign-off.
 */
export function applyLevel(alarm: Alarm, to: Level | null, value: number, atMs: number): Outcome {
  if (!isActive(alarm.state)) return refuse(alarm, 'NOT_ACTIVE');
  if (to === alarm.level) return { next: alarm, events: [] };

  if (to === null) {
    // The ack state carries over: an acknowledged alarm that clears needs nobody (unless its
    // peak needs rectification, see isOpen); an unacknowledged one still waits for an ack.
    const state: AlarmState = alarm.state === 'active_acked' ? 'cleared' : 'cleared_unacked';
    const next: Alarm = { ...alarm, state, value, updatedAtMs: atMs, clearedAtMs: atMs };
    return { next, events: [event(next, 'cleared', alarm.level, null, value, atMs)] };
  }

  if (levelRank(to) > levelRank(alarm.level)) {
    // ISA-18.2 re-alarm: a worse condition must be seen again, so an earlier ack no longer counts.
    // The earlier ack stays in the event history; the row says "not acked for this condition".
    // peakValue follows peakLevel only: this module does not know whether the rule is 'above' or
    // 'below' (O2 deficiency), so it cannot tell which raw value is worse.
    const raisesPeak = levelRank(to) > levelRank(alarm.peakLevel);
    const next: Alarm = {
      ...alarm,
      level: to,
      peakLevel: maxLevel(alarm.peakLevel, to) ?? to,
      peakValue: raisesPeak ? value : alarm.peakValue,
      value,
      state: 'active_unacked',
      ackedAtMs: null,
      ackedBy: null,
      updatedAtMs: atMs,
    };
    return { next, events: [event(next, 'escalated', alarm.level, to, value, atMs)] };
  }

  // Lower but still alarming: the peak is kept (it decides rectification) and so is the ack.
  const next: Alarm = { ...alarm, level: to, value, updatedAtMs: atMs };
  return { next, events: [event(next, 'deescalated', alarm.level, to, value, atMs)] };
}

export function acknowledge(alarm: Alarm, by: string, atMs: number, note?: string): Outcome {
  let state: AlarmState;
  switch (alarm.state) {
    case 'active_unacked':
      state = 'active_acked';
      break;
    case 'cleared_unacked':
      state = 'cleared';
      break;
    case 'active_acked':
    case 'cleared':
      return refuse(alarm, 'ALREADY_ACKED');
    case 'closed':
      return refuse(alarm, 'ALREADY_CLOSED');
  }
  const next: Alarm = { ...alarm, state, ackedAtMs: atMs, ackedBy: by, updatedAtMs: atMs };
  return { next, events: [event(next, 'acked', alarm.level, alarm.level, null, atMs, by, cleanNote(note))] };
}

/**
 * Rectification sign-off (整改销号): only once the condition has cleared and been acknowledged.
 * Orange/red peaks need a note saying what was put right; blue/yellow may be closed without one.
 */
export function closeAlarm(alarm: Alarm, by: string, note: string, atMs: number): Outcome {
  switch (alarm.state) {
    case 'closed':
      return refuse(alarm, 'ALREADY_CLOSED');
    case 'active_unacked':
    case 'active_acked':
      return refuse(alarm, 'STILL_ACTIVE');
    case 'cleared_unacked':
      return refuse(alarm, 'NOT_CLOSABLE_YET');
    case 'cleared':
      break;
  }
  const closeNote = cleanNote(note);
  if (closeNote === null && needsRectification(alarm.peakLevel)) return refuse(alarm, 'NOTE_REQUIRED');
  const next: Alarm = { ...alarm, state: 'closed', closedAtMs: atMs, closedBy: by, closeNote, updatedAtMs: atMs };
  return { next, events: [event(next, 'closed', alarm.level, alarm.level, null, atMs, by, closeNote)] };
}

// Ack and close events carry the alarm's level in both fields, so an audit line says what level
// was acknowledged or signed off without joining back to the alarm row.
function event(
  alarm: Alarm,
  kind: AlarmEventKind,
  fromLevel: Level | null,
  toLevel: Level | null,
  value: number | null,
  atMs: number,
  actor: string | null = null,
  note: string | null = null,
): AlarmEvent {
  return { alarmId: alarm.id, kind, fromLevel, toLevel, state: alarm.state, value, atMs, actor, note };
}
