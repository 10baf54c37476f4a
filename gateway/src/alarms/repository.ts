// Alarms and their events in the state database. An alarm and the events that moved it are
// written in one transaction, so the record never shows a state without its cause.

import type { Scope } from '../contract/scope.js';
import { namedScopeSql } from '../registry/scope-named.js';
import { migrateModule, type Db } from '../store/sqlite.js';
import type { Level } from '../contract/levels.js';
import { alarmKindSql, isAlarmKind, type AlarmKind, type RuleAlarmKind } from '../contract/alarm-kind.js';
import type { Alarm, AlarmEvent, AlarmState } from './lifecycle.js';
import type { AlarmMove } from './pending-saves.js';
import type { MetricsEvent, MetricsRows } from './metrics.js';
import { OutOfServiceRepository } from './out-of-service-repository.js';
import { NO_SURROUNDINGS, type AlarmSurroundings } from '../notify/suppression.js';

/** The alarm module's own schema steps (append-only; state-db.ts MIGRATIONS stay untouched). */
const ALARM_MIGRATIONS = [
  `ALTER TABLE alarm ADD COLUMN shelved_until_ms INTEGER;
   ALTER TABLE alarm ADD COLUMN shelved_by TEXT;
   ALTER TABLE alarm ADD COLUMN shelve_reason TEXT;
   ALTER TABLE alarm ADD COLUMN shelved_level TEXT;
   CREATE INDEX alarm_shelved ON alarm (shelved_until_ms) WHERE shelved_until_ms IS NOT NULL;`,
  `CREATE TABLE out_of_service (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     device TEXT,
     set_by TEXT NOT NULL,
     reason TEXT NOT NULL,
     from_ms INTEGER NOT NULL,
     until_ms INTEGER NOT NULL,
     ended_at_ms INTEGER,
     ended_by TEXT,
     end_note TEXT
   );
   CREATE INDEX out_of_service_open ON out_of_service (ended_at_ms, site);`,
  // What each alarm is (contract/alarm-kind.ts). Rows from before are filled from their rule id;
  // those of configured rate and dose rules are corrected at start from the config (reclassify).
  `ALTER TABLE alarm ADD COLUMN kind TEXT;
   UPDATE alarm SET kind = ${alarmKindSql('rule_id')};
   CREATE TABLE alarm_kind_pending (rule_id TEXT PRIMARY KEY) WITHOUT ROWID;
   INSERT INTO alarm_kind_pending SELECT DISTINCT rule_id FROM alarm WHERE kind = 'threshold';`,
  // How far the gateway's clock ran ahead of the alarm's readings (lifecycle.ts clockLeadMs), so
  // a restart keeps an alarm raised from replayed readings in its own time. NULL: gateway time.
  `ALTER TABLE alarm ADD COLUMN clock_lead_ms INTEGER;`,
  // A rate alarm's rule window and its speed now and at its peak (lifecycle.ts), so the API and
  // every channel say the same rate (m/h, %LEL/min) after a restart. NULL for other kinds.
  `ALTER TABLE alarm ADD COLUMN rate_window_s REAL;
   ALTER TABLE alarm ADD COLUMN rate_per_s REAL;
   ALTER TABLE alarm ADD COLUMN peak_rate_per_s REAL;`,
];

export interface AlarmFilter {
  readonly site?: string;
  readonly state?: AlarmState;
  /** true: only alarms whose condition is present (active_*); false: only those that cleared. */
  readonly active?: boolean;
  readonly limit: number;
}

interface AlarmRow {
  id: string;
  site: string;
  device: string;
  channel: string;
  quantity: string;
  rule_id: string;
  kind: string | null;
  level: Level;
  peak_level: Level;
  value: number;
  peak_value: number;
  state: AlarmState;
  raised_at_ms: number;
  updated_at_ms: number;
  cleared_at_ms: number | null;
  acked_at_ms: number | null;
  acked_by: string | null;
  closed_at_ms: number | null;
  closed_by: string | null;
  close_note: string | null;
  shelved_until_ms: number | null;
  shelved_by: string | null;
  shelve_reason: string | null;
  shelved_level: Level | null;
  clock_lead_ms: number | null;
  rate_window_s: number | null;
  rate_per_s: number | null;
  peak_rate_per_s: number | null;
}

/** A kind this gateway does not know (written by a newer one) reads as a threshold alarm. */
function kindOf(s: string | null): AlarmKind {
  return s !== null && isAlarmKind(s) ? s : 'threshold';
}

function fromRow(r: AlarmRow): Alarm {
  return {
    id: r.id,
    site: r.site,
    device: r.device,
    channel: r.channel,
    quantity: r.quantity,
    ruleId: r.rule_id,
    kind: kindOf(r.kind),
    level: r.level,
    peakLevel: r.peak_level,
    value: r.value,
    peakValue: r.peak_value,
    state: r.state,
    raisedAtMs: r.raised_at_ms,
    updatedAtMs: r.updated_at_ms,
    clearedAtMs: r.cleared_at_ms,
    ackedAtMs: r.acked_at_ms,
    ackedBy: r.acked_by,
    closedAtMs: r.closed_at_ms,
    closedBy: r.closed_by,
    closeNote: r.close_note,
    shelvedUntilMs: r.shelved_until_ms,
    shelvedBy: r.shelved_by,
    shelveReason: r.shelve_reason,
    shelvedLevel: r.shelved_level,
    clockLeadMs: r.clock_lead_ms,
    rateWindowS: r.rate_window_s,
    ratePerS: r.rate_per_s,
    peakRatePerS: r.peak_rate_per_s,
  };
}

/** The upsert's parameters: fields an alarm may lack (written before they existed) as NULL. */
function toRow(a: Alarm): Alarm {
  return { ...a, clockLeadMs: a.clockLeadMs ?? null, rateWindowS: a.rateWindowS ?? null, ratePerS: a.ratePerS ?? null, peakRatePerS: a.peakRatePerS ?? null };
}

/** Runs inside the transaction that saves an alarm's move, with the ids its events were given
 * and the alarm's surroundings as the service saw them (the notifier's suppression reads them):
 * what must never exist without the transition (the notification outbox) is written here. */
export type SaveHook = (alarm: Alarm, events: readonly AlarmEvent[], eventIds: readonly number[], surroundings: AlarmSurroundings) => void;

export class AlarmRepository {
  private readonly hooks: SaveHook[] = [];
  /** Set at the first save (see onSave). */
  private saved = false;
  private readonly upsert;
  private readonly insertEvent;
  private readonly saveTx;
  private readonly saveMovesTx;
  /** Devices and sites under maintenance (out-of-service.ts), in the same database. */
  readonly outOfService: OutOfServiceRepository;

  /** `ruleKinds`: the kind of each configured rate or dose rule, to correct rows written before
   * alarms carried their kind (once: the migration lists the rule ids still to check). */
  constructor(
    private readonly db: Db,
    ruleKinds?: ReadonlyMap<string, RuleAlarmKind>,
  ) {
    migrateModule(db, 'alarms', ALARM_MIGRATIONS);
    if (ruleKinds) this.reclassify(ruleKinds);
    this.outOfService = new OutOfServiceRepository(db);
    this.upsert = db.prepare(
      `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, kind, level, peak_level, value, peak_value, state,
         raised_at_ms, updated_at_ms, cleared_at_ms, acked_at_ms, acked_by, closed_at_ms, closed_by, close_note,
         shelved_until_ms, shelved_by, shelve_reason, shelved_level, clock_lead_ms,
         rate_window_s, rate_per_s, peak_rate_per_s)
       VALUES (@id, @site, @device, @channel, @quantity, @ruleId, @kind, @level, @peakLevel, @value, @peakValue, @state,
         @raisedAtMs, @updatedAtMs, @clearedAtMs, @ackedAtMs, @ackedBy, @closedAtMs, @closedBy, @closeNote,
         @shelvedUntilMs, @shelvedBy, @shelveReason, @shelvedLevel, @clockLeadMs,
         @rateWindowS, @ratePerS, @peakRatePerS)
       ON CONFLICT (id) DO UPDATE SET level = excluded.level, peak_level = excluded.peak_level, value = excluded.value,
         peak_value = excluded.peak_value, state = excluded.state, updated_at_ms = excluded.updated_at_ms,
         cleared_at_ms = excluded.cleared_at_ms, acked_at_ms = excluded.acked_at_ms, acked_by = excluded.acked_by,
         closed_at_ms = excluded.closed_at_ms, closed_by = excluded.closed_by, close_note = excluded.close_note,
         shelved_until_ms = excluded.shelved_until_ms, shelved_by = excluded.shelved_by,
         shelve_reason = excluded.shelve_reason, shelved_level = excluded.shelved_level,
         clock_lead_ms = excluded.clock_lead_ms, rate_window_s = excluded.rate_window_s,
         rate_per_s = excluded.rate_per_s, peak_rate_per_s = excluded.peak_rate_per_s`,
    );
    this.insertEvent = db.prepare(
      `INSERT INTO alarm_event (alarm_id, kind, from_level, to_level, state, value, at_ms, actor, note)
       VALUES (@alarmId, @kind, @fromLevel, @toLevel, @state, @value, @atMs, @actor, @note)`,
    );
    this.saveTx = db.transaction((alarm: Alarm, events: readonly AlarmEvent[], surroundings: AlarmSurroundings) => {
      this.upsert.run(toRow(alarm));
      const ids: number[] = [];
      for (const e of events) ids.push(Number(this.insertEvent.run(e).lastInsertRowid));
      // A hook that throws rolls the move back with it: the caller hears of it, nothing half-done.
      for (const hook of this.hooks) hook(alarm, events, ids, surroundings);
    });
    this.saveMovesTx = db.transaction((moves: readonly AlarmMove[]) => {
      for (const m of moves) this.saveTx(m.alarm, m.events, m.surroundings ?? NO_SURROUNDINGS);
    });
  }

  /** Rows of rate and dose rules that the migration could only call threshold get their kind. */
  private reclassify(ruleKinds: ReadonlyMap<string, RuleAlarmKind>): void {
    const pending = (this.db.prepare('SELECT rule_id AS ruleId FROM alarm_kind_pending').all() as { ruleId: string }[]).map((r) => r.ruleId);
    if (pending.length === 0) return;
    const fix = this.db.prepare("UPDATE alarm SET kind = ? WHERE rule_id = ? AND kind = 'threshold'");
    this.db.transaction(() => {
      for (const ruleId of pending) {
        const kind = ruleKinds.get(ruleId);
        if (kind !== undefined && kind !== 'threshold') fix.run(kind, ruleId);
      }
      this.db.exec('DELETE FROM alarm_kind_pending');
    })();
  }

  /**
   * Adds a hook run in the same transaction as every save (see SaveHook); returns its removal.
   * Refused once a move was saved: a hook added late would have missed that move's rows, so the
   * runtime builds the parts that hook in (the notifier) before any part that saves.
   */
  onSave(hook: SaveHook): () => void {
    if (this.saved) throw new Error('AlarmRepository.onSave after the first save: the hook would have missed it');
    this.hooks.push(hook);
    return () => {
      const i = this.hooks.indexOf(hook);
      if (i >= 0) this.hooks.splice(i, 1);
    };
  }

  save(alarm: Alarm, events: readonly AlarmEvent[], surroundings: AlarmSurroundings = NO_SURROUNDINGS): void {
    this.saved = true;
    this.saveTx(alarm, events, surroundings);
  }

  /** Several moves of one alarm, in order, all or none (the retry of held moves, pending-saves.ts):
   * each through the hooks with the alarm as that move left it. */
  saveMoves(moves: readonly AlarmMove[]): void {
    this.saved = true;
    this.saveMovesTx(moves);
  }

  get(id: string): Alarm | undefined {
    const row = this.db.prepare('SELECT * FROM alarm WHERE id = ?').get(id) as AlarmRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Alarms whose condition is still present: their sensors start warm from these levels. */
  active(): Alarm[] {
    return (this.db.prepare("SELECT * FROM alarm WHERE state IN ('active_unacked', 'active_acked')").all() as AlarmRow[]).map(fromRow);
  }

  /** Ids of active alarms already flagged as ISA-18.2 stale alarms: a restart flags none twice. */
  staleFlaggedActive(): string[] {
    return this.db
      .prepare(
        // From the active alarms (alarm_by_state) to their events (alarm_event_by_alarm): never a
        // walk of the whole event history.
        `SELECT a.id FROM alarm a WHERE a.state IN ('active_unacked', 'active_acked')
         AND EXISTS (SELECT 1 FROM alarm_event e WHERE e.alarm_id = a.id AND e.kind = 'stale_alarm')`,
      )
      .pluck()
      .all() as string[];
  }

  /** Alarms with a shelf still recorded (active or not): the service expires them. */
  shelved(): Alarm[] {
    return (this.db.prepare('SELECT * FROM alarm WHERE shelved_until_ms IS NOT NULL').all() as AlarmRow[]).map(fromRow);
  }

  /**
   * What the alarm-system metrics need (metrics.ts): every alarm raised before `toMs` whose
   * condition was still present at `fromMs` or later (so standing alarms carried into the range
   * count), and the ack, chattering and stale events of those alarms.
   */
  metricsRows(q: { fromMs: number; toMs: number; site?: string; scope?: Scope }): MetricsRows {
    const params: Record<string, unknown> = { fromMs: q.fromMs, toMs: q.toMs, site: q.site ?? null };
    const scoped = q.scope !== undefined && q.scope.kind !== 'all' ? ` AND ${namedScopeSql(q.scope, 'alarm.site', params)}` : '';
    const inRange = `raised_at_ms < @toMs AND (cleared_at_ms IS NULL OR cleared_at_ms >= @fromMs) AND (@site IS NULL OR site = @site)${scoped}`;
    const alarms = (this.db.prepare(`SELECT * FROM alarm WHERE ${inRange} ORDER BY raised_at_ms, id`).all(params) as AlarmRow[]).map(fromRow);
    const events = this.db
      .prepare(
        `SELECT alarm_id AS alarmId, kind, at_ms AS atMs FROM alarm_event
         WHERE kind IN ('acked', 'chattering', 'stale_alarm') AND alarm_id IN (SELECT id FROM alarm WHERE ${inRange})
         ORDER BY id`,
      )
      .all(params) as MetricsEvent[];
    return { alarms, events };
  }

  /** The registry's sites within a scope that is not `all` (for the days without alarms of a report). */
  sitesWithin(scope: Scope): string[] {
    const params: Record<string, unknown> = {};
    return (this.db.prepare(`SELECT id FROM fleet_site WHERE ${namedScopeSql(scope, 'fleet_site.id', params)}`).all(params) as { id: string }[]).map((r) => r.id);
  }

  /** A site's alarms not closed (one device's, when given), through the (site, time) index. */
  openOf(site: string, device?: string): Alarm[] {
    const sql = `SELECT * FROM alarm WHERE site = ? AND state != 'closed'${device === undefined ? '' : ' AND device = ?'} ORDER BY raised_at_ms, id`;
    return (this.db.prepare(sql).all(...(device === undefined ? [site] : [site, device])) as AlarmRow[]).map(fromRow);
  }

  list(filter: AlarmFilter): Alarm[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit };
    if (filter.site) {
      where.push('site = @site');
      params.site = filter.site;
    }
    if (filter.state) {
      where.push('state = @state');
      params.state = filter.state;
    }
    if (filter.active !== undefined) where.push(`state ${filter.active ? '' : 'NOT '}IN ('active_unacked', 'active_acked')`);
    const sql = `SELECT * FROM alarm ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at_ms DESC, id LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as AlarmRow[]).map(fromRow);
  }

  events(alarmId: string): AlarmEvent[] {
    return this.db
      .prepare(
        `SELECT alarm_id AS alarmId, kind, from_level AS fromLevel, to_level AS toLevel, state, value, at_ms AS atMs, actor, note
         FROM alarm_event WHERE alarm_id = ? ORDER BY id`,
      )
      .all(alarmId) as AlarmEvent[];
  }
}
