// Alarm moves the state database refused (disk full, I/O error), held in memory until a save
// succeeds. The detection engine has already moved the sensor's level when the save
// fails, so the same level is never reported again: a move dropped here would be an alarm never
// stored, never notified. Plain data, no I/O: the alarm service saves and retries.
//
// Kept per alarm (one per sensor, rule and episode) as the ordered list of its moves, each with
// the alarm as it was after that move and the events that made it: the retry writes them in order,
// so the row keeps its original raise time and the notification planner sees each event beside
// the alarm it belonged to. Bounded: a flapping sensor folds its oldest moves into one (the newest
// alarm wins, its events are kept), and past the alarm bound the oldest alarm is given up.

import type { Alarm, AlarmEvent } from './lifecycle.js';
import type { AlarmSurroundings } from '../notify/suppression.js';

export interface AlarmMove {
  readonly alarm: Alarm;
  readonly events: readonly AlarmEvent[];
  /** Out of service, flood: what the notifier's policy reads in the save hook. */
  readonly surroundings?: AlarmSurroundings;
}

export interface PendingAlarm {
  readonly id: string;
  readonly moves: readonly AlarmMove[];
  /** Gateway time of the first refused save: how long this alarm has waited. */
  readonly sinceMs: number;
}

export interface PendingLimits {
  /** Alarms held at most; past it the alarm waiting longest is given up (and said loudly). */
  readonly alarms: number;
  /** Moves held per alarm; past it the two oldest are folded into one. */
  readonly movesPerAlarm: number;
}

/** No standard figure: a site floods at ten alarms in ten minutes (flood.ts), so a thousand alarms
 * unsaved means every site of a county in trouble at once; 32 moves cover a sensor flapping for
 * half a minute before the chattering guard holds it. About 1 KiB a move: tens of MiB at most. */
export const DEFAULT_PENDING_LIMITS: PendingLimits = { alarms: 1000, movesPerAlarm: 32 };

/** Errors that mean the whole database cannot write now (not one alarm's problem): the retry
 * stops at the first of them instead of failing every held alarm in turn. */
export function isDatabaseWriteFault(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED)/.test(code);
}

/** One fold of two adjacent moves: the later alarm and surroundings, every event of both in order. */
function fold(a: AlarmMove, b: AlarmMove): AlarmMove {
  return { alarm: b.alarm, events: [...a.events, ...b.events], ...(b.surroundings ? { surroundings: b.surroundings } : {}) };
}

export class PendingSaves {
  /** Insertion order is first-failure order: the oldest waiting alarm comes first. */
  private readonly byId = new Map<string, PendingAlarm>();

  constructor(private readonly limits: PendingLimits = DEFAULT_PENDING_LIMITS) {}

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The moves held for an alarm, oldest first (empty when none). */
  moves(id: string): readonly AlarmMove[] {
    return this.byId.get(id)?.moves ?? [];
  }

  /** The alarm as its newest held move left it. */
  latest(id: string): Alarm | undefined {
    const moves = this.byId.get(id)?.moves;
    return moves?.[moves.length - 1]?.alarm;
  }

  /** Held alarms, the one waiting longest first. */
  all(): PendingAlarm[] {
    return [...this.byId.values()];
  }

  /**
   * Holds a move whose save failed (after the alarm's earlier held moves). Returns the alarm given
   * up to stay within the bound, if any, so the caller can say which.
   */
  hold(move: AlarmMove, nowMs: number): PendingAlarm | undefined {
    const id = move.alarm.id;
    const held = this.byId.get(id);
    if (held) {
      let moves = [...held.moves, move];
      // Fold from the front: the newest moves stay apart, as they are most likely still to matter.
      while (moves.length > this.limits.movesPerAlarm && moves.length >= 2) moves = [fold(moves[0]!, moves[1]!), ...moves.slice(2)];
      this.byId.set(id, { ...held, moves });
      return undefined;
    }
    let evicted: PendingAlarm | undefined;
    if (this.byId.size >= this.limits.alarms) {
      evicted = this.byId.values().next().value;
      if (evicted) this.byId.delete(evicted.id);
    }
    this.byId.set(id, { id, moves: [move], sinceMs: nowMs });
    return evicted;
  }

  /** The alarm's held moves are saved: forget them. */
  saved(id: string): void {
    this.byId.delete(id);
  }

  /** For logs: how many alarms and moves wait, since when, and which (the first `max`). */
  summary(nowMs: number, max = 10): { alarms: number; moves: number; oldestAgeMs: number | null; waiting: string[] } {
    let moves = 0;
    let oldest: number | null = null;
    const waiting: string[] = [];
    for (const p of this.byId.values()) {
      moves += p.moves.length;
      if (oldest === null || p.sinceMs < oldest) oldest = p.sinceMs;
      const a = p.moves[p.moves.length - 1]!.alarm;
      if (waiting.length < max) waiting.push(`${a.site}/${a.device}/${a.channel} ${a.ruleId} ${a.level} ${a.state} (${a.id})`);
    }
    return { alarms: this.byId.size, moves, oldestAgeMs: oldest === null ? null : nowMs - oldest, waiting };
  }
}

export { isDiskFull } from '../store/sqlite.js';
