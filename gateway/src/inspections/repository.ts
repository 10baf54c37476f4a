// The inspection rounds' tables in state.db: one row per round (the round whole as JSON, the
// columns lists filter on beside it) and the hazard candidates its failed items produced. Lists
// and completion rates take the caller's scope into their SQL (registry/scope-sql.ts).

import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import type { Scope } from '../contract/scope.js';
import { siteScopeSql } from '../registry/scope-sql.js';
import type { Round } from './round.js';
import type { CompletionRate } from './inspection-service.js';

export type { CompletionRate } from './inspection-service.js';

/** Append-only (store/sqlite.ts migrateModule). */
const MIGRATIONS = [
  `CREATE TABLE inspection_round (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     region TEXT,
     -- The local month "YYYY-MM" of the window, in the site's zone: the unit of completion rates.
     month TEXT NOT NULL,
     state TEXT NOT NULL,
     window_end_ms INTEGER NOT NULL,
     late INTEGER NOT NULL DEFAULT 0,
     body TEXT NOT NULL
   ) WITHOUT ROWID;
   -- One round per site and period: scheduling twice is a no-op, not a second round to miss.
   CREATE UNIQUE INDEX inspection_round_by_site_month ON inspection_round (site, month);
   CREATE INDEX inspection_round_by_month ON inspection_round (month, id);
   CREATE TABLE inspection_hazard_candidate (
     round_id TEXT NOT NULL REFERENCES inspection_round (id),
     item TEXT NOT NULL,
     site TEXT NOT NULL,
     note TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     -- The hazard-ledger record it became, null when no ledger took it.
     hazard_id TEXT,
     PRIMARY KEY (round_id, item)
   ) WITHOUT ROWID;`,
];

export interface HazardCandidate {
  readonly roundId: string;
  readonly item: string;
  readonly site: string;
  readonly note: string;
  readonly atMs: number;
  readonly hazardId: string | null;
}

export class InspectionRepository {
  constructor(private readonly db: Db) {
    migrateModule(db, 'inspections', MIGRATIONS);
  }

  insert(r: Round, region: string | null, month: string): boolean {
    const res = this.db
      .prepare('INSERT OR IGNORE INTO inspection_round (id, site, region, month, state, window_end_ms, late, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.site, region, month, r.state, r.window.endMs, r.late ? 1 : 0, JSON.stringify(r));
    return res.changes === 1;
  }

  update(r: Round): void {
    this.db.prepare('UPDATE inspection_round SET state = ?, late = ?, body = ? WHERE id = ?').run(r.state, r.late ? 1 : 0, JSON.stringify(r), r.id);
  }

  get(id: string, scope?: Scope): Round | undefined {
    const s = scope === undefined ? { sql: '1', params: [] } : siteScopeSql(scope, 'site');
    const row = this.db.prepare(`SELECT body FROM inspection_round WHERE id = ? AND ${s.sql}`).get(id, ...s.params) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Round);
  }

  siteWithin(site: string, scope: Scope): boolean {
    const s = siteScopeSql(scope, 'x.site');
    return this.db.prepare(`SELECT 1 FROM (SELECT ? AS site) x WHERE ${s.sql}`).get(site, ...s.params) !== undefined;
  }

  bySiteMonth(site: string, month: string): Round | undefined {
    const row = this.db.prepare('SELECT body FROM inspection_round WHERE site = ? AND month = ?').get(site, month) as { body: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.body) as Round);
  }

  /** A page of rounds, newest month first, keyed by (month, id) so a deep page still seeks. */
  list(scope: Scope, q: { month?: string; site?: string; state?: string; overdueAtMs?: number; limit: number; after?: { month: string; id: string } }): Round[] {
    const s = siteScopeSql(scope, 'site');
    const where = [s.sql];
    const params: (string | number)[] = [...s.params];
    if (q.month !== undefined) (where.push('month = ?'), params.push(q.month));
    if (q.site !== undefined) (where.push('site = ?'), params.push(q.site));
    if (q.state !== undefined) (where.push('state = ?'), params.push(q.state));
    if (q.overdueAtMs !== undefined) (where.push("state <> 'completed' AND window_end_ms <= ?"), params.push(q.overdueAtMs));
    if (q.after !== undefined) (where.push('(month, id) < (?, ?)'), params.push(q.after.month, q.after.id));
    const rows = this.db.prepare(`SELECT body FROM inspection_round WHERE ${where.join(' AND ')} ORDER BY month DESC, id DESC LIMIT ?`).all(...params, q.limit) as { body: string }[];
    return rows.map((r) => JSON.parse(r.body) as Round);
  }

  /** Rounds due, completed and completed on time per region and local month, within a scope. */
  completionRates(scope: Scope, fromMonth: string, toMonth: string): CompletionRate[] {
    const s = siteScopeSql(scope, 'site');
    const rows = this.db
      .prepare(
        `SELECT region, month, COUNT(*) AS due, SUM(state = 'completed') AS completed, SUM(state = 'completed' AND late = 0) AS onTime
           FROM inspection_round WHERE month BETWEEN ? AND ? AND ${s.sql}
          GROUP BY region, month ORDER BY month, region`,
      )
      .all(fromMonth, toMonth, ...s.params) as { region: string | null; month: string; due: number; completed: number; onTime: number }[];
    return rows.map((r) => ({ ...r, rate: r.due === 0 ? 0 : r.completed / r.due }));
  }

  addCandidate(c: HazardCandidate): void {
    this.db.prepare('INSERT OR IGNORE INTO inspection_hazard_candidate (round_id, item, site, note, at_ms, hazard_id) VALUES (?, ?, ?, ?, ?, ?)').run(c.roundId, c.item, c.site, c.note, c.atMs, c.hazardId);
  }

  candidates(roundId: string): HazardCandidate[] {
    return this.db.prepare('SELECT round_id AS roundId, item, site, note, at_ms AS atMs, hazard_id AS hazardId FROM inspection_hazard_candidate WHERE round_id = ? ORDER BY item').all(roundId) as HazardCandidate[];
  }
}
