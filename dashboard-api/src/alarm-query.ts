// The alarm list of the API: filters and keyset pagination over the `alarm` table, newest first.
// The cursor is the (raisedAtMs, id) of the last alarm of a page, so a page never repeats or skips
// an alarm because new ones arrived meanwhile (they sort before the cursor). Rows map to the
// Alarm shape by column name, so columns other modules add (shelving) come along.

import type { Db } from '../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../gateway/src/store/sqlite.js';
import type { Alarm } from '../../gateway/src/alarms/lifecycle.js';
import { ApiError } from './errors.js';

export interface AlarmPageQuery {
  readonly site?: string | undefined;
  readonly level?: string | undefined;
  readonly state?: string | undefined;
  readonly active?: boolean | undefined;
  readonly fromMs?: number | undefined;
  readonly toMs?: number | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

const ACTIVE = "('active_unacked', 'active_acked')";

const camelNames = new Map<string, string>();

function camel(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) {
    name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(column, name);
  }
  return name;
}

export function alarmFromRow(row: Record<string, unknown>): Alarm {
  const out: Record<string, unknown> = {};
  for (const key in row) out[camel(key)] = row[key];
  return out as unknown as Alarm;
}

export function encodeCursor(raisedAtMs: number, id: string): string {
  return Buffer.from(JSON.stringify([raisedAtMs, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { raisedAtMs: number; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && Number.isInteger(value[0]) && typeof value[1] === 'string') {
      return { raisedAtMs: value[0] as number, id: value[1] };
    }
  } catch {
    // falls through to the refusal below: a cursor is only what this API handed out
  }
  throw new ApiError(400, 'cursor: not a cursor from this API (use nextCursor of the previous page)');
}

export class AlarmQuery {
  /** Prepared once per distinct filter combination (a handful), not once per request. */
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    // The newest-first list without a site filter walks this index instead of sorting the table.
    migrateModule(db, 'api-read', ['CREATE INDEX IF NOT EXISTS api_alarm_by_time ON alarm (raised_at_ms DESC, id)']);
  }

  page(q: AlarmPageQuery): { alarms: Alarm[]; nextCursor: string | null } {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1 };
    if (q.site !== undefined) (where.push('site = @site'), (params.site = q.site));
    if (q.level !== undefined) (where.push('level = @level'), (params.level = q.level));
    if (q.state !== undefined) (where.push('state = @state'), (params.state = q.state));
    if (q.active !== undefined) where.push(`state ${q.active ? '' : 'NOT '}IN ${ACTIVE}`);
    if (q.fromMs !== undefined) (where.push('raised_at_ms >= @fromMs'), (params.fromMs = q.fromMs));
    if (q.toMs !== undefined) (where.push('raised_at_ms <= @toMs'), (params.toMs = q.toMs));
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      where.push('(raised_at_ms < @cRaised OR (raised_at_ms = @cRaised AND id > @cId))');
      params.cRaised = c.raisedAtMs;
      params.cId = c.id;
    }
    const sql = `SELECT * FROM alarm ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at_ms DESC, id LIMIT @limit`;
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    const rows = statement.all(params) as Record<string, unknown>[];
    const more = rows.length > q.limit;
    const alarms = rows.slice(0, q.limit).map(alarmFromRow);
    const last = alarms[alarms.length - 1];
    return { alarms, nextCursor: more && last ? encodeCursor(last.raisedAtMs, last.id) : null };
  }

  /** Worst current level and count of active alarms per site. */
  activeBySite(): Map<string, { levels: string[] }> {
    const out = new Map<string, { levels: string[] }>();
    for (const r of this.db.prepare(`SELECT site, level FROM alarm WHERE state IN ${ACTIVE}`).all() as { site: string; level: string }[]) {
      const entry = out.get(r.site) ?? { levels: [] };
      entry.levels.push(r.level);
      out.set(r.site, entry);
    }
    return out;
  }

  /** Active alarms per level, for /metrics. */
  activeByLevel(): { level: string; n: number }[] {
    return this.db.prepare(`SELECT level, count(*) AS n FROM alarm WHERE state IN ${ACTIVE} GROUP BY level`).all() as { level: string; n: number }[];
  }
}
