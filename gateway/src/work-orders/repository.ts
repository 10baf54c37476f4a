// Work orders (派单) in state.db: the order row (its queryable columns plus the whole order as
// JSON), its event trail, and each move saved in one transaction together with its audit entry,
// so an officer's action and its record happen both or not at all. Lists are paged and scoped in SQL.

import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import type { Scope } from '../contract/scope.js';
import type { AuditTrail } from '../audit/audit-trail.js';
import { siteScopeSql } from '../registry/scope-sql.js';
import type { WorkOrder, WorkOrderEvent, WorkOrderState } from './machine.js';

/** Append-only (store/sqlite.ts migrateModule). */
const MIGRATIONS = [
  `CREATE TABLE work_order (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     state TEXT NOT NULL,
     dispatcher TEXT NOT NULL,
     assignee TEXT NOT NULL,
     dispatched_at_ms INTEGER NOT NULL,
     due_at_ms INTEGER NOT NULL,
     alarm_id TEXT,
     hazard_id TEXT,
     body TEXT NOT NULL
   );
   CREATE INDEX work_order_site ON work_order (site, dispatched_at_ms);
   CREATE INDEX work_order_assignee ON work_order (assignee, state);
   CREATE INDEX work_order_open_due ON work_order (state, due_at_ms);
   CREATE TABLE work_order_event (
     id INTEGER PRIMARY KEY,
     order_id TEXT NOT NULL REFERENCES work_order (id),
     kind TEXT NOT NULL,
     actor TEXT NOT NULL,
     detail TEXT NOT NULL,
     at_ms INTEGER NOT NULL
   );
   CREATE INDEX work_order_event_by_order ON work_order_event (order_id);`,
];

export interface WorkOrderQuery {
  scope: Scope;
  assignee?: string;
  states?: readonly WorkOrderState[];
  limit: number;
  /** Cursor: orders dispatched before this (dispatchedAtMs, id) pair, newest first. */
  before?: { atMs: number; id: string };
}

export class WorkOrderRepository {
  private readonly saveTx;
  private readonly byId;
  private readonly eventsOf;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditTrail,
  ) {
    migrateModule(db, 'work_orders', MIGRATIONS);
    const upsert = db.prepare(
      `INSERT INTO work_order (id, site, state, dispatcher, assignee, dispatched_at_ms, due_at_ms, alarm_id, hazard_id, body)
       VALUES (@id, @site, @state, @dispatcher, @assignee, @dispatchedAtMs, @dueAtMs, @alarmId, @hazardId, @body)
       ON CONFLICT (id) DO UPDATE SET state = excluded.state, assignee = excluded.assignee,
         dispatched_at_ms = excluded.dispatched_at_ms, due_at_ms = excluded.due_at_ms, body = excluded.body`,
    );
    const insertEvent = db.prepare('INSERT INTO work_order_event (order_id, kind, actor, detail, at_ms) VALUES (?, ?, ?, ?, ?)');
    this.saveTx = db.transaction((order: WorkOrder, events: readonly WorkOrderEvent[]) => {
      upsert.run({ id: order.id, site: order.site, state: order.state, dispatcher: order.dispatcher, assignee: order.assignee, dispatchedAtMs: order.dispatchedAtMs, dueAtMs: order.dueAtMs, alarmId: order.alarmId, hazardId: order.hazardId, body: JSON.stringify(order) });
      for (const e of events) {
        insertEvent.run(e.orderId, e.kind, e.by, JSON.stringify(e.detail), e.atMs);
        this.audit.append({ atMs: e.atMs, actor: e.by, action: `work_order.${e.kind}`, target: e.orderId, detail: { site: order.site, ...e.detail } });
      }
    });
    this.byId = db.prepare('SELECT body FROM work_order WHERE id = ?');
    this.eventsOf = db.prepare('SELECT kind, actor, detail, at_ms FROM work_order_event WHERE order_id = ? ORDER BY id');
  }

  /** Saves the order after a move and appends its events and audit entries, all in one transaction. */
  save(order: WorkOrder, events: readonly WorkOrderEvent[]): void {
    this.saveTx.immediate(order, events);
  }

  /** One order if it exists within `scope`; outside the scope it does not exist (null, the API's 404). */
  get(id: string, scope: Scope): WorkOrder | null {
    const where = siteScopeSql(scope, 'site');
    const row = this.db.prepare(`SELECT body FROM work_order WHERE id = ? AND (${where.sql})`).get(id, ...where.params) as { body: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.body) as WorkOrder);
  }

  /** For the timeout watcher, which acts for the gateway itself (no scope). */
  getAny(id: string): WorkOrder | null {
    const row = this.byId.get(id) as { body: string } | undefined;
    return row === undefined ? null : (JSON.parse(row.body) as WorkOrder);
  }

  list(q: WorkOrderQuery): WorkOrder[] {
    const where = siteScopeSql(q.scope, 'site');
    const clauses = [`(${where.sql})`];
    const params: (string | number)[] = [...where.params];
    if (q.assignee !== undefined) {
      clauses.push('assignee = ?');
      params.push(q.assignee);
    }
    if (q.states !== undefined && q.states.length > 0) {
      clauses.push(`state IN (${q.states.map(() => '?').join(', ')})`);
      params.push(...q.states);
    }
    if (q.before !== undefined) {
      clauses.push('(dispatched_at_ms < ? OR (dispatched_at_ms = ? AND id < ?))');
      params.push(q.before.atMs, q.before.atMs, q.before.id);
    }
    const rows = this.db
      .prepare(`SELECT body FROM work_order WHERE ${clauses.join(' AND ')} ORDER BY dispatched_at_ms DESC, id DESC LIMIT ?`)
      .all(...params, q.limit) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as WorkOrder);
  }

  /** Open orders whose acceptance window or deadline may have passed (the timeout watcher's read). */
  openDueBy(nowMs: number, acceptWithinMs: number): WorkOrder[] {
    const rows = this.db
      .prepare(
        `SELECT body FROM work_order WHERE (state = 'dispatched' AND dispatched_at_ms <= ?)
           OR (state IN ('dispatched', 'accepted', 'in_progress') AND due_at_ms <= ?) ORDER BY due_at_ms`,
      )
      .all(nowMs - acceptWithinMs, nowMs) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as WorkOrder);
  }

  events(id: string): { kind: string; actor: string; detail: Record<string, unknown>; atMs: number }[] {
    const rows = this.eventsOf.all(id) as { kind: string; actor: string; detail: string; at_ms: number }[];
    return rows.map((r) => ({ kind: r.kind, actor: r.actor, detail: JSON.parse(r.detail) as Record<string, unknown>, atMs: r.at_ms }));
  }
}
