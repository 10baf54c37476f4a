// The hazard ledger's tables in state.db: one row per hazard (the record whole as JSON, the columns
// the lists filter and sort on beside it), its trail (hazard_event), and the deadline notices sent.
// Every read that lists takes the caller's scope into its SQL (registry/scope-sql.ts).

import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import type { Scope } from '../contract/scope.js';
import { siteScopeSql } from '../registry/scope-sql.js';
import type { Hazard, HazardEvent, HazardEventKind, HazardGrade, HazardSource, HazardState } from './hazard-types.js';

/** Append-only (store/sqlite.ts migrateModule). */
const MIGRATIONS = [
  `CREATE TABLE hazard (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     region TEXT,
     state TEXT NOT NULL,
     grade TEXT,
     source TEXT NOT NULL,
     source_ref TEXT,
     category TEXT NOT NULL,
     registered_at_ms INTEGER NOT NULL,
     -- The end of the deadline day in the site's zone, null before the plan.
     deadline_ms INTEGER,
     body TEXT NOT NULL
   ) WITHOUT ROWID;
   -- One record per source (the same alarm or order reported twice is one hazard).
   CREATE UNIQUE INDEX hazard_by_source ON hazard (source, source_ref) WHERE source_ref IS NOT NULL;
   CREATE INDEX hazard_by_site ON hazard (site, registered_at_ms);
   CREATE INDEX hazard_by_registered ON hazard (registered_at_ms, id);
   CREATE INDEX hazard_by_deadline ON hazard (deadline_ms) WHERE state = 'rectifying';
   -- The deadline watch's question about stop-work orders reads open major hazards every minute.
   CREATE INDEX hazard_major_open ON hazard (registered_at_ms, id) WHERE grade = 'major' AND state <> 'closed';
   CREATE TABLE hazard_event (
     id INTEGER PRIMARY KEY,
     hazard_id TEXT NOT NULL REFERENCES hazard (id),
     kind TEXT NOT NULL,
     actor TEXT NOT NULL,
     note TEXT,
     at_ms INTEGER NOT NULL
   );
   CREATE INDEX hazard_event_by_hazard ON hazard_event (hazard_id, id);
   -- A deadline notice (reminder, overdue, order decision) sent once per hazard, kind and deadline:
   -- an extended deadline arms the reminder again.
   CREATE TABLE hazard_notice (
     hazard_id TEXT NOT NULL REFERENCES hazard (id),
     kind TEXT NOT NULL,
     deadline_ms INTEGER NOT NULL,
     at_ms INTEGER NOT NULL,
     PRIMARY KEY (hazard_id, kind, deadline_ms)
   ) WITHOUT ROWID;`,
];

export interface HazardFilter {
  readonly site?: string | undefined;
  readonly state?: HazardState | undefined;
  readonly grade?: HazardGrade | undefined;
  /** Only hazards past their deadline at this instant and not reported fixed. */
  readonly overdueAtMs?: number | undefined;
  /** Only hazards not yet closed (销号). */
  readonly open?: boolean | undefined;
  readonly limit: number;
  /** The page after this one: the last hazard of the previous page. */
  readonly after?: { readonly registeredAtMs: number; readonly id: string } | undefined;
}

export interface StoredHazardEvent extends HazardEvent {
  readonly id: number;
}

interface EventRow {
  id: number;
  hazard_id: string;
  kind: HazardEventKind;
  actor: string;
  note: string | null;
  at_ms: number;
}

export class HazardRepository {
  private readonly upsert;
  private readonly insertEvent;
  private readonly byId;
  private readonly bySourceRef;
  private readonly eventsOf;
  private readonly noticeInsert;

  constructor(private readonly db: Db) {
    migrateModule(db, 'hazards', MIGRATIONS);
    this.upsert = db.prepare(
      `INSERT INTO hazard (id, site, region, state, grade, source, source_ref, category, registered_at_ms, deadline_ms, body)
       VALUES (@id, @site, @region, @state, @grade, @source, @sourceRef, @category, @registeredAtMs, @deadlineMs, @body)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, grade = excluded.grade, deadline_ms = excluded.deadline_ms, body = excluded.body`,
    );
    this.insertEvent = db.prepare('INSERT INTO hazard_event (hazard_id, kind, actor, note, at_ms) VALUES (@hazardId, @kind, @actor, @note, @atMs)');
    this.byId = db.prepare('SELECT body FROM hazard WHERE id = ?');
    this.bySourceRef = db.prepare('SELECT body FROM hazard WHERE source = ? AND source_ref = ?');
    this.eventsOf = db.prepare('SELECT * FROM hazard_event WHERE hazard_id = ? ORDER BY id');
    this.noticeInsert = db.prepare('INSERT INTO hazard_notice (hazard_id, kind, deadline_ms, at_ms) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  }

  /** The record and the events of the move that produced it; the caller holds the transaction. */
  save(h: Hazard, events: readonly HazardEvent[]): void {
    this.upsert.run({
      id: h.id,
      site: h.site,
      region: h.region,
      state: h.state,
      grade: h.grading?.grade ?? null,
      source: h.source,
      sourceRef: h.sourceRef,
      category: h.category,
      registeredAtMs: h.registeredAtMs,
      deadlineMs: h.plan?.deadlineMs ?? null,
      body: JSON.stringify(h),
    });
    for (const e of events) this.insertEvent.run(e);
  }

  /** One hazard; with a scope, undefined when its site is outside it (the API answers 404). */
  get(id: string, scope?: Scope): Hazard | undefined {
    if (scope === undefined || scope.kind === 'all') return parse(this.byId.get(id) as { body: string } | undefined);
    const within = siteScopeSql(scope, 'hazard.site');
    return parse(this.db.prepare(`SELECT body FROM hazard WHERE id = ? AND ${within.sql}`).get(id, ...within.params) as { body: string } | undefined);
  }

  /** Whether a site is within a scope, by the same SQL the lists use. */
  siteWithin(site: string, scope: Scope): boolean {
    if (scope.kind === 'all') return true;
    const within = siteScopeSql(scope, 'candidate.site');
    return this.db.prepare(`SELECT 1 FROM (SELECT ? AS site) AS candidate WHERE ${within.sql}`).get(site, ...within.params) !== undefined;
  }

  /** The hazard a source (an alarm, an order, a device's replacement date) already made, if any. */
  bySource(source: HazardSource, ref: string): Hazard | undefined {
    return parse(this.bySourceRef.get(source, ref) as { body: string } | undefined);
  }

  /** Newest first within the scope, one page; every filter is in the SQL. */
  list(scope: Scope, filter: HazardFilter): Hazard[] {
    const where: string[] = [];
    const params: unknown[] = [];
    const within = siteScopeSql(scope, 'hazard.site');
    where.push(within.sql);
    params.push(...within.params);
    if (filter.site !== undefined) (where.push('site = ?'), params.push(filter.site));
    if (filter.state !== undefined) (where.push('state = ?'), params.push(filter.state));
    if (filter.grade !== undefined) (where.push('grade = ?'), params.push(filter.grade));
    if (filter.open) where.push("state <> 'closed'");
    if (filter.overdueAtMs !== undefined) (where.push("state = 'rectifying' AND deadline_ms <= ?"), params.push(filter.overdueAtMs));
    // A row value, so the index on (registered_at_ms, id) seeks to the cursor (an OR of two
    // conditions made SQLite scan from the newest row: 170 ms for a page deep in 100 000 hazards).
    if (filter.after !== undefined) (where.push('(registered_at_ms, id) < (?, ?)'), params.push(filter.after.registeredAtMs, filter.after.id));
    const rows = this.db.prepare(`SELECT body FROM hazard WHERE ${where.join(' AND ')} ORDER BY registered_at_ms DESC, id DESC LIMIT ?`).all(...params, filter.limit) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Hazard);
  }

  /** The hazard's trail, oldest first. */
  events(id: string): StoredHazardEvent[] {
    return (this.eventsOf.all(id) as EventRow[]).map((r) => ({ id: r.id, hazardId: r.hazard_id, kind: r.kind, actor: r.actor, note: r.note, atMs: r.at_ms }));
  }

  /**
   * Hazards being rectified whose deadline ends before `untilMs`, earliest deadline first, without
   * the notice they are due for at `nowMs` already sent (overdue once the deadline has ended, the
   * reminder before), so a backlog of notified hazards never hides a new one from the batch.
   */
  deadlinesBefore(untilMs: number, nowMs: number, limit: number): Hazard[] {
    return (
      this.db
        .prepare(
          `SELECT body FROM hazard h WHERE state = 'rectifying' AND deadline_ms < ?
             AND NOT EXISTS (SELECT 1 FROM hazard_notice n WHERE n.hazard_id = h.id AND n.deadline_ms = h.deadline_ms
               AND n.kind = CASE WHEN h.deadline_ms <= ? THEN 'hazard_overdue' ELSE 'hazard_reminder' END)
           ORDER BY deadline_ms, id LIMIT ?`,
        )
        .all(untilMs, nowMs, limit) as { body: string }[]
    ).map((r) => JSON.parse(r.body) as Hazard);
  }

  /** Open major hazards with neither a stop-work order nor a recorded reason, not yet asked about, oldest first. */
  majorWithoutOrderDecision(limit: number): Hazard[] {
    return (
      this.db
        .prepare(
          `SELECT body FROM hazard h WHERE grade = 'major' AND state <> 'closed'
             AND json_extract(body, '$.stopWorkOrderId') IS NULL AND json_extract(body, '$.noOrderReason') IS NULL
             AND NOT EXISTS (SELECT 1 FROM hazard_notice n WHERE n.hazard_id = h.id AND n.kind = 'hazard_order_decision')
           ORDER BY registered_at_ms, id LIMIT ?`,
        )
        .all(limit) as { body: string }[]
    ).map((r) => JSON.parse(r.body) as Hazard);
  }

  /** Marks a notice sent; false when it was already (so it is sent once per deadline). */
  markNotice(hazardId: string, kind: string, deadlineMs: number, atMs: number): boolean {
    return this.noticeInsert.run(hazardId, kind, deadlineMs, atMs).changes === 1;
  }
}

function parse(row: { body: string } | undefined): Hazard | undefined {
  return row === undefined ? undefined : (JSON.parse(row.body) as Hazard);
}
