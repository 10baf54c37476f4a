// Saves each alarm move, and holds what the state database refuses (disk full, I/O error) to save
// it again every second (pending-saves.ts): the detection engine has already moved the
// sensor's level and will not report it again, so a move dropped here would be an alarm never
// stored nor notified. An officer's act is the exception (`byOfficer`): its failure is thrown, so
// the officer is told that it did not take, rather than shown an acknowledgement a crash would forget.

import type { Logger } from '../log.js';
import { Listeners } from '../listeners.js';
import type { Alarm } from './lifecycle.js';
import { DEFAULT_PENDING_LIMITS, isDatabaseWriteFault, PendingSaves, type AlarmMove, type PendingLimits } from './pending-saves.js';
import type { AlarmRepository } from './repository.js';

/** While alarm moves wait for the database, what waits is logged at most this often (each refused
 * move is logged once when it is held, and each saved one when it is saved). */
const HELD_LOG_EVERY_MS = 30_000;

const NOTHING = (): void => {};

/** What the saver tells its listeners (the runtime: disk_full gateway alarm, disk reserve). */
export interface AlarmSaverEvents {
  /** A save was refused and its move held; `held`: alarms with moves waiting. */
  saveRefused: { err: unknown; held: number };
  /** Every held move has been saved again. */
  heldSaved: undefined;
}

export class AlarmSaver {
  private readonly pending: PendingSaves;
  private lastHeldLogMs = -Infinity;
  /** Set while the listeners are told (see report). */
  private reporting = false;
  private readonly listeners: Listeners<AlarmSaverEvents>;

  constructor(
    private readonly repo: AlarmRepository,
    private readonly clock: () => number,
    private readonly log: Logger,
    limits: PendingLimits = DEFAULT_PENDING_LIMITS,
  ) {
    this.pending = new PendingSaves(limits);
    this.listeners = new Listeners(log, 'alarm saver');
  }

  /** Subscribes to save trouble and recovery (AlarmSaverEvents); returns the unsubscribe. */
  on<K extends keyof AlarmSaverEvents>(kind: K, listener: (payload: AlarmSaverEvents[K]) => void): () => void {
    return this.listeners.on(kind, listener);
  }

  /**
   * Saves `move` (after the alarm's held moves, in order, so its record has no gap) or holds it.
   * Returns what to report once observers have seen the move: the listeners raise and clear
   * the gateway's own alarm, which must come after the alarm that caused it.
   */
  save(move: AlarmMove, byOfficer: boolean): () => void {
    const id = move.alarm.id;
    const hadHeld = this.pending.has(id);
    try {
      if (hadHeld) this.repo.saveMoves([...this.pending.moves(id), move]);
      else this.repo.save(move.alarm, move.events, move.surroundings);
    } catch (err) {
      if (byOfficer) throw err;
      this.hold(move, err);
      return () => this.report('saveRefused', { err, held: this.pending.size });
    }
    if (!hadHeld) return NOTHING;
    this.pending.saved(id);
    return this.pending.size === 0 ? () => this.caughtUp() : NOTHING;
  }

  /** Saves the held moves again, the alarm waiting longest first, until the database takes them. */
  retry(nowMs: number): void {
    if (this.pending.size === 0) return;
    let failure: unknown = null;
    for (const held of this.pending.all()) {
      try {
        this.repo.saveMoves(held.moves);
      } catch (err) {
        failure = err;
        // The whole database refuses: the others would fail the same way this second.
        if (isDatabaseWriteFault(err)) break;
        continue;
      }
      this.pending.saved(held.id);
      const a = held.moves[held.moves.length - 1]!.alarm;
      this.log.warn({ site: a.site, device: a.device, alarmId: a.id, level: a.level, state: a.state, moves: held.moves.length, waitedMs: nowMs - held.sinceMs }, 'held alarm moves saved');
    }
    if (this.pending.size === 0) {
      this.caughtUp();
      return;
    }
    if (nowMs - this.lastHeldLogMs >= HELD_LOG_EVERY_MS) {
      this.lastHeldLogMs = nowMs;
      this.log.error({ err: failure, ...this.pending.summary(nowMs) }, 'alarm moves still not saved');
    }
    if (failure !== null) this.report('saveRefused', { err: failure, held: this.pending.size });
  }

  /** How many alarms have moves waiting for the database. */
  get size(): number {
    return this.pending.size;
  }

  /** The alarm as its newest held move left it, if it waits. */
  latest(id: string): Alarm | undefined {
    return this.pending.latest(id);
  }

  private hold(move: AlarmMove, err: unknown): void {
    const { alarm, events } = move;
    const now = this.clock();
    const given = this.pending.hold(move, now);
    this.log.error(
      { err, site: alarm.site, device: alarm.device, alarmId: alarm.id, level: alarm.level, state: alarm.state, events: events.map((e) => e.kind), heldAlarms: this.pending.size },
      'alarm move not saved: held in memory and saved again every second',
    );
    if (given) {
      const last = given.moves[given.moves.length - 1]!.alarm;
      this.log.error(
        { site: last.site, device: last.device, alarmId: last.id, level: last.level, state: last.state, moves: given.moves.length, waitedMs: now - given.sinceMs },
        'too many alarm moves held: the one waiting longest is given up unsaved',
      );
    }
  }

  private caughtUp(): void {
    this.lastHeldLogMs = -Infinity;
    this.log.warn('every held alarm move is saved');
    this.report('heldSaved', undefined);
  }

  /** Tells the listeners once (not from inside themselves): the gateway's own disk_full alarm
   * they raise is itself a move that may be held, and must not report again from inside. */
  private report<K extends keyof AlarmSaverEvents>(kind: K, payload: AlarmSaverEvents[K]): void {
    if (this.reporting) return;
    this.reporting = true;
    try {
      this.listeners.emit(kind, payload);
    } finally {
      this.reporting = false;
    }
  }
}
