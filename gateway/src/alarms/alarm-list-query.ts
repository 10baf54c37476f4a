// The alarm list (alarm-list.ts) over the `alarm` table of state.db: filters and keyset pagination
// in one of two orders, both done in SQL: `time` (newest first) and `priority`, the order an
// officer acts in (active unacknowledged first, then by level red → blue, then newest). The cursor
// is the sort key of the last alarm of a page, so a page never repeats or skips an alarm because
// others arrived meanwhile. Rows map to the Alarm shape by column name, so columns other modules
// add come along. It lives with the alarms because it owns SQL on their table and the indexes that
// serve it; the dashboard receives it through GatewayFaces.

import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import { BadQuery } from '../errors.js';
import type { Alarm } from './lifecycle.js';
import { ALL_SCOPE, type Scope } from '../contract/scope.js';
import { namedScopeSql } from '../registry/scope-named.js';
import type { AlarmList, AlarmPage, AlarmPageQuery } from './alarm-list.js';

const ACTIVE = "('active_unacked', 'active_acked')";
// gateway/src/alarms/lifecycle.ts isOpen: active, cleared unacknowledged, or cleared with an
// orange/red peak not yet closed out (整改销号).
const OPEN = `(state IN ('active_unacked', 'active_acked', 'cleared_unacked') OR (state = 'cleared' AND peak_level IN ('orange', 'red')))`;

// The officer's order as two small integers SQLite can index. An active alarm ranks by its level
// now; a cleared one by the worst it reached, which is what its close-out is about.
const STATE_RANKS: Record<string, number> = { active_unacked: 0, active_acked: 1, cleared_unacked: 2, cleared: 3, closed: 4 };
const STATE_RANK = "(CASE state WHEN 'active_unacked' THEN 0 WHEN 'active_acked' THEN 1 WHEN 'cleared_unacked' THEN 2 WHEN 'cleared' THEN 3 ELSE 4 END)";
const LEVEL_RANK = `(CASE (CASE WHEN state IN ${ACTIVE} THEN level ELSE peak_level END) WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END)`;
const PRIORITY_ORDER = `${STATE_RANK}, ${LEVEL_RANK}, raised_at_ms DESC, id`;
/** "The alarm is active", said so that SQLite seeks the officer's index to the active alarms
 * instead of reading every alarm ever raised (for the site list and the region tree). */
export const ACTIVE_BY_INDEX = `${STATE_RANK} IN (0, 1)`;

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
  throw new BadQuery('cursor: not a cursor from this API (use nextCursor of the previous page)');
}

interface PriorityKey {
  readonly stateRank: number;
  readonly levelRank: number;
  readonly raisedAtMs: number;
  readonly id: string;
}

export function encodePriorityCursor(k: PriorityKey): string {
  return Buffer.from(JSON.stringify(['p', k.stateRank, k.levelRank, k.raisedAtMs, k.id])).toString('base64url');
}

export function decodePriorityCursor(cursor: string): PriorityKey {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 5 && v[0] === 'p' && [v[1], v[2], v[3]].every(Number.isInteger) && typeof v[4] === 'string') {
      return { stateRank: v[1] as number, levelRank: v[2] as number, raisedAtMs: v[3] as number, id: v[4] };
    }
  } catch {
    // falls through to the refusal below
  }
  throw new BadQuery('cursor: not a cursor of this sort order (use nextCursor of the previous page, with the same sort)');
}

export class AlarmListQuery implements AlarmList {
  /** Prepared once per distinct filter combination (a handful), not once per request. */
  private readonly statements = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    // The module and index names are those the dashboard created when it owned this query, so a
    // state.db from before keeps its indexes instead of building them twice.
    // The newest-first list without a site filter walks this index instead of sorting the table.
    migrateModule(db, 'api-read', [
      'CREATE INDEX IF NOT EXISTS api_alarm_by_time ON alarm (raised_at_ms DESC, id)',
      // The officer's list walks this index in order instead of sorting every alarm per page.
      `CREATE INDEX IF NOT EXISTS api_alarm_by_priority ON alarm (${PRIORITY_ORDER})`,
    ]);
  }

  page(q: AlarmPageQuery): AlarmPage {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: q.limit + 1 };
    if (q.site !== undefined) (where.push('site = @site'), (params.site = q.site));
    if (q.level !== undefined) (where.push('level = @level'), (params.level = q.level));
    const priority = q.sort === 'priority';
    // The scope is a condition of this query, so a county officer's pages and cursors walk only
    // his county's alarms (an alarm elsewhere is never read, counted or skipped over).
    // A region or an organisation is many sites: the unary + keeps SQLite walking the order's
    // index and testing each alarm's site against the scope's list, stopping at a full page,
    // instead of gathering every alarm of those sites through the site index and sorting them for
    // each page (measured, 20 000 alarms, a county holding half: 26 → 2 ms a page). One site keeps the
    // site index: its alarms are few and already in time order there.
    if (q.scope !== undefined && q.scope.kind !== 'all') {
      const cond = namedScopeSql(q.scope, 'alarm.site', params);
      where.push(q.scope.kind === 'site' ? cond : cond.replace(/^alarm\.site IN /, '+alarm.site IN '));
    }
    if (q.state !== undefined) {
      const states = typeof q.state === 'string' ? [q.state] : q.state;
      // In the officer's order the state is asked as its rank, the index's first column, so
      // SQLite seeks to the wanted states instead of walking every alarm (measured at 200 000
      // alarms: 270 ms → a few ms per page).
      if (priority) where.push(`${STATE_RANK} IN (${states.map((st) => STATE_RANKS[st] ?? 4).join(', ')})`);
      else {
        where.push(`state IN (${states.map((_, i) => `@state${i}`).join(', ')})`);
        states.forEach((st, i) => (params[`state${i}`] = st));
      }
    }
    if (q.active !== undefined) where.push(priority ? `${STATE_RANK} ${q.active ? '' : 'NOT '}IN (0, 1)` : `state ${q.active ? '' : 'NOT '}IN ${ACTIVE}`);
    if (q.open !== undefined) where.push(q.open ? OPEN : `NOT ${OPEN}`);
    if (q.fromMs !== undefined) (where.push('raised_at_ms >= @fromMs'), (params.fromMs = q.fromMs));
    if (q.toMs !== undefined) (where.push('raised_at_ms <= @toMs'), (params.toMs = q.toMs));
    if (q.cursor !== undefined && priority) {
      const c = decodePriorityCursor(q.cursor);
      where.push(
        `(${STATE_RANK} > @cState OR (${STATE_RANK} = @cState AND (${LEVEL_RANK} > @cLevel OR (${LEVEL_RANK} = @cLevel AND (raised_at_ms < @cRaised OR (raised_at_ms = @cRaised AND id > @cId))))))`,
      );
      Object.assign(params, { cState: c.stateRank, cLevel: c.levelRank, cRaised: c.raisedAtMs, cId: c.id });
    } else if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      where.push('(raised_at_ms < @cRaised OR (raised_at_ms = @cRaised AND id > @cId))');
      params.cRaised = c.raisedAtMs;
      params.cId = c.id;
    }
    const columns = priority ? `*, ${STATE_RANK} AS _state_rank, ${LEVEL_RANK} AS _level_rank` : '*';
    const sql = `SELECT ${columns} FROM alarm ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${priority ? PRIORITY_ORDER : 'raised_at_ms DESC, id'} LIMIT @limit`;
    const rows = this.statement(sql).all(params) as Record<string, unknown>[];
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const lastRow = page[page.length - 1];
    let nextCursor: string | null = null;
    if (more && lastRow) {
      const raisedAtMs = lastRow.raised_at_ms as number;
      const id = lastRow.id as string;
      nextCursor = priority ? encodePriorityCursor({ stateRank: lastRow._state_rank as number, levelRank: lastRow._level_rank as number, raisedAtMs, id }) : encodeCursor(raisedAtMs, id);
    }
    if (priority) for (const row of page) (delete row._state_rank, delete row._level_rank);
    return { alarms: page.map(alarmFromRow), nextCursor };
  }

  /** Worst current level and count of active alarms per site. */
  activeBySite(scope: Scope = ALL_SCOPE): Map<string, { levels: string[] }> {
    const out = new Map<string, { levels: string[] }>();
    const params: Record<string, unknown> = {};
    const sql = `SELECT site, level FROM alarm WHERE state IN ${ACTIVE} AND ${namedScopeSql(scope, 'alarm.site', params)}`;
    for (const r of this.statement(sql).all(params) as { site: string; level: string }[]) {
      const entry = out.get(r.site) ?? { levels: [] };
      entry.levels.push(r.level);
      out.set(r.site, entry);
    }
    return out;
  }

  private statement(sql: string): ReturnType<Db['prepare']> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Active alarms per level, for /metrics. */
  activeByLevel(): { level: string; n: number }[] {
    return this.db.prepare(`SELECT level, count(*) AS n FROM alarm WHERE state IN ${ACTIVE} GROUP BY level`).all() as { level: string; n: number }[];
  }
}
