// The scope checks (scope-reader.ts) over the registry's tables in state.db: whether one site is
// within a scope is asked in SQL with the lists' own condition (scope-sql.ts), and a site's region
// path is read at the moment of each event, so a site moved to another county is streamed to its
// new officers at once.

import type { Scope } from '../contract/scope.js';
import type { Db } from '../store/sqlite.js';
import { siteInScope, siteScopeSql } from './scope-sql.js';
import { migrateRegistry } from './tables.js';
import type { ScopedSite, ScopeReader } from './scope-reader.js';

export class SqlScopeReader implements ScopeReader {
  private readonly siteRow;
  private readonly pathOf;
  /** One prepared statement per scope shape (all, site, org, n regions): a handful. */
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    // Idempotent: the registry part makes the same tables; a gateway without it still answers
    // "outside" for a scoped caller instead of failing on a missing table.
    migrateRegistry(db);
    this.siteRow = db.prepare('SELECT s.id, s.org, r.path FROM fleet_site s LEFT JOIN region r ON r.id = s.region WHERE s.id = ?');
    this.pathOf = db.prepare('SELECT path FROM region WHERE id = ?');
  }

  contains(scope: Scope, site: string): boolean {
    if (scope.kind === 'all') return true;
    const cond = siteScopeSql(scope, 'asked.site');
    return this.statement(`SELECT 1 FROM (SELECT ? AS site) asked WHERE ${cond.sql}`).get([site, ...cond.params]) !== undefined;
  }

  siteIds(scope: Scope): ReadonlySet<string> | null {
    if (scope.kind === 'all') return null;
    const cond = siteScopeSql(scope, 'fleet_site.id');
    const rows = this.statement(`SELECT id FROM fleet_site WHERE ${cond.sql}`).all([...cond.params]) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  site(id: string): ScopedSite | undefined {
    const row = this.siteRow.get(id) as { id: string; org: string | null; path: string | null } | undefined;
    return row ? { id: row.id, org: row.org ?? undefined, regionPath: row.path ?? undefined } : undefined;
  }

  regionPath(id: string): string | undefined {
    return (this.pathOf.get(id) as { path: string } | undefined)?.path;
  }

  holds(scope: Scope, site: ScopedSite): boolean {
    return siteInScope(scope, site, (region) => this.regionPath(region));
  }

  private statement(sql: string): ReturnType<Db['prepare']> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }
}
