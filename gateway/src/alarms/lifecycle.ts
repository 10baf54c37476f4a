// The alarm state machine after ISA-18.2: pure functions over plain
// data. Time is a parameter; an illegal move comes back as `rejected`, never as a throw, so the
// service decides what to tell the officer (after SignalK's alarm, but as data).

import { levelRank, maxLevel, type Level } from '../contract/levels.js';
import { alarmKindOfRule, type AlarmKind } from '../contract/alarm-kind.js';

export type AlarmState = 'active_unacked' | 'active_acked' | 'cleared_unacked' | 'cleared' | 'closed';

export interface Alarm {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  ruleId: string;
  /** What the alarm is (contract/alarm-kind.ts): it decides what `value` means and its unit. */
  kind: AlarmKind;
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
  /** Shelving (ISA-18.2): until this time the alarm is recorded but not annunciated. */
  shelvedUntilMs: number | null;
  shelvedBy: string | null;
  shelveReason: string | null;
  /** The level the officer saw when shelving: a rise above it un-shelves (see applyLevel). */
  shelvedLevel: Level | null;
  /**
   * How far the gateway's clock ran ahead of the alarm's own time (the time of the readings that
   * move it) at its latest reading: the service times the stale flag, a held clear and officers'
   * acts in the alarm's own time (service.ts alarmTime). Stored with the alarm, so a restarted
   * gateway keeps an alarm raised from replayed readings in its own time. Absent or null: the
   * alarm runs on gateway time (a direct alarm, a row from before the column).
   */
  clockLeadMs?: number | null;
  /** A rate alarm's rule window in seconds (its value is the change within it); else absent or null. */
  rateWindowS?: number | null;
  /** A rate alarm's speed at its latest move, per second in the quantity's unit, negative for a
   * fall (detect/rate.ts rateSpeedPerS): what its text says as m/h or %LEL/min. */
  ratePerS?: number | null;
  /** The speed recorded with peakValue (when peakLevel was last raised). */
  peakRatePerS?: number | null;
}

export type AlarmEventKind =
  | 'raised'
  | 'escalated'
  | 'deescalated'
  | 'cleared'
  | 'acked'
  | 'closed'
  | 'chattering'
  | 'stale_alarm'
  | 'shelved'
  | 'unshelved'
  // notify/escalation.ts: a climb to the next duty tier, or a reminder to the current one.
  | 'escalation'
  | 'reminder';

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

export type Rejection =
  | 'ALREADY_ACKED'
  | 'NOT_ACTIVE'
  | 'ALREADY_CLOSED'
  | 'STILL_ACTIVE'
  | 'NOTE_REQUIRED'
  | 'NOT_CLOSABLE_YET'
  | 'REASON_REQUIRED'
  | 'UNTIL_NOT_FUTURE'
  | 'TOO_LONG'
  | 'RED_NOT_SHELVABLE'
  | 'NOT_SHELVED';

export interface Outcome {
  next: Alarm;
  events: AlarmEvent[];
  rejected?: Rejection;
}

/** Level moves carry the reading's (device) time and officers' acts the gateway's time, so a move
 * may be stamped before the last one: updatedAtMs never goes backwards, clients order by it. */
function later(a: number, b: number): number {
  return a > b ? a : b;
}

/**
 * The time a move is stamped with, row and event alike: never before the alarm's last move. A
 * backward step of the gateway clock (or a detector whose clock lags the officer's) would
 * otherwise record an alarm cleared, acknowledged or closed before it was raised (a gateway
 * clock stepped back), and durations in the alarm-system metrics would come out negative.
 */
export function stamp(alarm: Alarm, atMs: number): number {
  return later(alarm.updatedAtMs, atMs);
}

/** Orange and red alarms are closed only with a rectification note (整改销号). */
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
  /** Without it, the kind the rule id names (a configured rule: threshold). */
  kind?: AlarmKind;
  level: Level;
  value: number;
  atMs: number;
  /** A rate alarm's speed (per second) and its rule's window (s). */
  rate?: { perS: number; windowS: number } | undefined;
}): Outcome {
  const next: Alarm = {
    id: input.id,
    site: input.site,
    device: input.device,
    channel: input.channel,
    quantity: input.quantity,
    ruleId: input.ruleId,
    kind: input.kind ?? alarmKindOfRule(input.ruleId),
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
    shelvedUntilMs: null,
    shelvedBy: null,
    shelveReason: null,
    shelvedLevel: null,
    ...(input.rate ? { rateWindowS: input.rate.windowS, ratePerS: input.rate.perS, peakRatePerS: input.rate.perS } : {}),
  };
  return { next, events: [event(next, 'raised', null, input.level, input.value, input.atMs)] };
}

/**
 * The detector's verdict for this alarm's sensor and rule: a level, or null when the condition
 * has cleared. A cleared or closed alarm is not revived (NOT_ACTIVE): a new episode is a new
 * alarm (raiseAlarm), so each episode keeps its own peak and its own sign-off.
 */
export function applyLevel(alarm: Alarm, to: Level | null, value: number, sourceAtMs: number, ratePerS?: number): Outcome {
  if (!isActive(alarm.state)) return refuse(alarm, 'NOT_ACTIVE');
  if (to === alarm.level) return { next: alarm, events: [] };
  const atMs = stamp(alarm, sourceAtMs);
  // A rate alarm's speed moves with its value (`ratePerS`: the speed at this move, if it has one).
  const speed = ratePerS === undefined ? {} : { ratePerS };

  if (to === null) {
    // The ack state carries over: an acknowledged alarm that clears needs nobody (unless its
    // peak needs rectification, see isOpen); an unacknowledged one still waits for an ack.
    const state: AlarmState = alarm.state === 'active_acked' ? 'cleared' : 'cleared_unacked';
    const next: Alarm = { ...alarm, ...speed, state, value, updatedAtMs: atMs, clearedAtMs: atMs };
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
      ...speed,
      ...(raisesPeak && ratePerS !== undefined ? { peakRatePerS: ratePerS } : {}),
      level: to,
      peakLevel: maxLevel(alarm.peakLevel, to) ?? to,
      peakValue: raisesPeak ? value : alarm.peakValue,
      value,
      state: 'active_unacked',
      ackedAtMs: null,
      ackedBy: null,
      updatedAtMs: atMs,
    };
    const escalated = event(next, 'escalated', alarm.level, to, value, atMs);
    if (alarm.shelvedLevel !== null && levelRank(to) > levelRank(alarm.shelvedLevel)) {
      // Decision: a rise above the level the officer shelved ends the shelf. ISA-18.2
      // lets shelving suppress the alarm, but the officer judged a nuisance at that level, not the
      // worse condition now present; a safety engineer wants it seen again (and red is never
      // suppressed at all, see service.suppress).
      const unshelved = unshelveAlarm(next, null, atMs, `risen to ${to} above the shelved level ${alarm.shelvedLevel}`);
      return { next: unshelved.next, events: [escalated, ...unshelved.events] };
    }
    return { next, events: [escalated] };
  }

  // Lower but still alarming: the peak is kept (it decides rectification) and so is the ack.
  const next: Alarm = { ...alarm, ...speed, level: to, value, updatedAtMs: atMs };
  return { next, events: [event(next, 'deescalated', alarm.level, to, value, atMs)] };
}

export function acknowledge(alarm: Alarm, by: string, nowMs: number, note?: string): Outcome {
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
  const atMs = stamp(alarm, nowMs);
  const next: Alarm = { ...alarm, state, ackedAtMs: atMs, ackedBy: by, updatedAtMs: atMs };
  return { next, events: [event(next, 'acked', alarm.level, alarm.level, null, atMs, by, cleanNote(note))] };
}

/**
 * Rectification sign-off (整改销号): only once the condition has cleared and been acknowledged.
 * Orange/red peaks need a note saying what was put right; blue/yellow may be closed without one.
 */
export function closeAlarm(alarm: Alarm, by: string, note: string, nowMs: number): Outcome {
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
  const atMs = stamp(alarm, nowMs);
  const next: Alarm = { ...alarm, state: 'closed', closedAtMs: atMs, closedBy: by, closeNote, updatedAtMs: atMs };
  return { next, events: [event(next, 'closed', alarm.level, alarm.level, null, atMs, by, closeNote)] };
}

/**
 * An alarm whose device left the fleet: nothing can clear it or show it again, so it is closed by
 * `by` (the registry) with a note saying why, in one move: cleared first when still active, then
 * closed, both events carrying the note. No acknowledgement is recorded: nobody acknowledged it.
 * Only the caller's policy decides which alarms may be retired (alarms/alarms-follower.ts).
 */
export function retireAlarm(alarm: Alarm, by: string, note: string, nowMs: number): Outcome {
  if (alarm.state === 'closed') return refuse(alarm, 'ALREADY_CLOSED');
  const atMs = stamp(alarm, nowMs);
  const events: AlarmEvent[] = [];
  let current = alarm;
  if (isActive(alarm.state)) {
    current = { ...alarm, state: alarm.state === 'active_acked' ? 'cleared' : 'cleared_unacked', updatedAtMs: atMs, clearedAtMs: atMs };
    events.push(event(current, 'cleared', alarm.level, null, alarm.value, atMs, by, note));
  }
  const next: Alarm = { ...current, state: 'closed', closedAtMs: atMs, closedBy: by, closeNote: note, shelvedUntilMs: null, shelvedBy: null, shelveReason: null, shelvedLevel: null, updatedAtMs: atMs };
  events.push(event(next, 'closed', alarm.level, alarm.level, null, atMs, by, note));
  return { next, events };
}

export interface ShelveRequest {
  by: string;
  reason: string;
  untilMs: number;
  atMs: number;
  /** The configured longest shelf (alarms.shelveMaxH). */
  maxMs: number;
}

/**
 * Shelving (ISA-18.2): an officer silences a nuisance alarm for a bounded time, with a reason.
 * Only an active alarm can be shelved (a cleared episode has nothing to silence; the next episode
 * is a new alarm), and never a red one: red stops work and must be seen. Shelving again replaces
 * the shelf (new reason, new expiry), each recorded as its own event.
 */
export function shelveAlarm(alarm: Alarm, req: ShelveRequest): Outcome {
  if (alarm.state === 'closed') return refuse(alarm, 'ALREADY_CLOSED');
  if (!isActive(alarm.state)) return refuse(alarm, 'NOT_ACTIVE');
  if (alarm.level === 'red') return refuse(alarm, 'RED_NOT_SHELVABLE');
  const reason = cleanNote(req.reason);
  if (reason === null) return refuse(alarm, 'REASON_REQUIRED');
  if (!Number.isFinite(req.untilMs) || req.untilMs <= req.atMs) return refuse(alarm, 'UNTIL_NOT_FUTURE');
  if (req.untilMs - req.atMs > req.maxMs) return refuse(alarm, 'TOO_LONG');
  const atMs = stamp(alarm, req.atMs);
  const next: Alarm = { ...alarm, shelvedUntilMs: req.untilMs, shelvedBy: req.by, shelveReason: reason, shelvedLevel: alarm.level, updatedAtMs: atMs };
  const note = `until ${new Date(req.untilMs).toISOString()}: ${reason}`;
  return { next, events: [event(next, 'shelved', alarm.level, alarm.level, null, atMs, req.by, note)] };
}

/** Ends a shelf: by an officer (`by`), or by itself (`by` null: expiry or escalation, said in `why`). */
export function unshelveAlarm(alarm: Alarm, by: string | null, nowMs: number, why?: string): Outcome {
  if (alarm.shelvedUntilMs === null) return refuse(alarm, 'NOT_SHELVED');
  const atMs = stamp(alarm, nowMs);
  const next: Alarm = { ...alarm, shelvedUntilMs: null, shelvedBy: null, shelveReason: null, shelvedLevel: null, updatedAtMs: atMs };
  return { next, events: [event(next, 'unshelved', alarm.level, alarm.level, null, atMs, by, cleanNote(why))] };
}

/** The shelf's own end: nothing when the alarm is not shelved or its shelf still runs. */
export function expireShelf(alarm: Alarm, atMs: number): Outcome {
  if (alarm.shelvedUntilMs === null || atMs < alarm.shelvedUntilMs) return { next: alarm, events: [] };
  return unshelveAlarm(alarm, null, atMs, 'shelf expired');
}

/** Whether the shelf is in force at `atMs` (the tick may end it up to a second late). */
export function isShelved(alarm: Alarm, atMs: number): boolean {
  return alarm.shelvedUntilMs !== null && atMs < alarm.shelvedUntilMs;
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
