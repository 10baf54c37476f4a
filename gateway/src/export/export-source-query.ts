// The export's records (export-source.ts) over state.db, read a page at a time in key order
// (keyset, never OFFSET), so 100 000 alarms stream out without being loaded at once, and between
// pages the event loop serves the gateway. Every filter (range, site, level, state; the scope
// later) is in the SQL. No statement stays open across a page: better-sqlite3 refuses other
// queries on a connection while an iterator is open, and this connection is the gateway's own.
// It lives in the gateway because it owns SQL on the alarm and order tables and the indexes that
// serve it; the dashboard receives it through GatewayFaces, `shaobing export` builds it itself.

import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import { siteStatusReader } from '../ingest/status.js';
import { namedScopeSql } from '../registry/scope-named.js';
import type { ExportDeviceStatus, ExportFilter, ExportRow, ExportSource } from './export-source.js';

export const EXPORT_PAGE_ROWS = 1000;

/**
 * The indexes the export walks, made when the gateway starts (the command line opens state.db
 * read-only and reads without them). The module keeps the name `export` it had when the API
 * made them, so a state.db that has them is not migrated twice.
 */
export function ensureExportIndexes(db: Db): void {
  migrateModule(db, 'export', [
    // Each page seeks to its cursor in key order, with or without a site (no sort of the ties).
    `CREATE INDEX IF NOT EXISTS export_alarm_by_time ON alarm (raised_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_alarm_by_site_time ON alarm (site, raised_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_order_by_time ON stop_work_order (issued_at_ms, id);
     CREATE INDEX IF NOT EXISTS export_order_by_site_time ON stop_work_order (site, issued_at_ms, id);`,
  ]);
}

/** Lets the event loop run between pages (alarms arriving, other requests). */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** WHERE clauses and their parameters for a table whose time column is `timeColumn`. */
function whereOf(f: ExportFilter, table: string, timeColumn: string, withAlarmFields: boolean): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (f.fromMs !== undefined) (where.push(`${timeColumn} >= @fromMs`), (params.fromMs = f.fromMs));
  if (f.toMs !== undefined) (where.push(`${timeColumn} <= @toMs`), (params.toMs = f.toMs));
  if (f.site !== undefined) (where.push('site = @site'), (params.site = f.site));
  if (f.scope !== undefined && f.scope.kind !== 'all') {
    // As in the alarm list: a region's or organisation's many sites are tested row by row along
    // the time index (+ keeps SQLite off the site index, which would sort them all per page).
    const cond = namedScopeSql(f.scope, `${table}.site`, params);
    where.push(f.scope.kind === 'site' ? cond : `+${cond}`);
  }
  if (withAlarmFields && f.level !== undefined) (where.push('level = @level'), (params.level = f.level));
  if (withAlarmFields && f.state !== undefined && f.state.length > 0) {
    where.push(`state IN (${f.state.map((_, i) => `@state${i}`).join(', ')})`);
    f.state.forEach((st, i) => (params[`state${i}`] = st));
  }
  return { where, params };
}

/** Pages of `table` in (timeColumn, id) order, oldest first: a report reads forward in time. */
async function* keyset(db: Db, table: string, timeColumn: string, f: ExportFilter, withAlarmFields: boolean, pageRows: number): AsyncGenerator<ExportRow[]> {
  const { where, params } = whereOf(f, table, timeColumn, withAlarmFields);
  const after = `(${timeColumn} > @cAt OR (${timeColumn} = @cAt AND id > @cId))`;
  const select = (conds: string[]) => db.prepare(`SELECT * FROM ${table} ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''} ORDER BY ${timeColumn}, id LIMIT @limit`);
  const first = select(where);
  const next = select([...where, after]);
  let rows = first.all({ ...params, limit: pageRows }) as ExportRow[];
  while (rows.length > 0) {
    yield rows;
    if (rows.length < pageRows) return;
    const last = rows[rows.length - 1]!;
    await breathe();
    rows = next.all({ ...params, limit: pageRows, cAt: last[timeColumn], cId: last.id }) as ExportRow[];
  }
}

export class ExportSourceQuery implements ExportSource {
  private readonly alarmOf;
  private readonly orderOf;
  private readonly statusesOf;

  /** Reads only: give it a read-only connection as well as the gateway's own. */
  constructor(
    private readonly db: Db,
    private readonly pageRows = EXPORT_PAGE_ROWS,
  ) {
    this.alarmOf = db.prepare('SELECT 1 FROM alarm WHERE site = ? LIMIT 1');
    this.orderOf = db.prepare('SELECT 1 FROM stop_work_order WHERE site = ? LIMIT 1');
    this.statusesOf = siteStatusReader(db);
  }

  alarms(f: ExportFilter): AsyncGenerator<ExportRow[]> {
    return keyset(this.db, 'alarm', 'raised_at_ms', f, true, this.pageRows);
  }

  orders(f: Pick<ExportFilter, 'fromMs' | 'toMs' | 'site' | 'scope'>): AsyncGenerator<ExportRow[]> {
    return keyset(this.db, 'stop_work_order', 'issued_at_ms', { fromMs: f.fromMs, toMs: f.toMs, site: f.site, scope: f.scope }, false, this.pageRows);
  }

  hasRecordsOf(site: string): boolean {
    return this.alarmOf.get(site) !== undefined || this.orderOf.get(site) !== undefined;
  }

  deviceStatuses(site: string): ReadonlyMap<string, ExportDeviceStatus> {
    return this.statusesOf(site);
  }
}

/** The gateway's export source, its indexes made first. */
export function exportSourceOver(db: Db): ExportSource {
  ensureExportIndexes(db);
  return new ExportSourceQuery(db);
}
