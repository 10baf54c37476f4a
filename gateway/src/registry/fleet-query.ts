// Read model of the fleet for the officers' page: the region tree with its counts and one page of
// sites (by region subtree, name/address text and worst level, sites in alarm first). Everything
// is filtered, ordered and paged in SQL under the caller's scope, so 10 000 sites cost one page of
// rows, not a load of the fleet.

import { BadQuery } from '../errors.js';
import type { Scope } from '../contract/scope.js';
import type { Db } from '../store/sqlite.js';
import { siteScopeSql } from './scope-sql.js';
import { migrateRegistry } from './tables.js';

export const SITE_LEVELS = ['red', 'orange', 'yellow', 'blue', 'none'] as const;
export type SiteLevel = (typeof SITE_LEVELS)[number];

/** Rank of a site's worst active level: 0 is no active alarm ('none', 正常). */
const RANK_OF: Record<SiteLevel, number> = { none: 0, blue: 1, yellow: 2, orange: 3, red: 4 };
const LEVEL_OF = ['none', 'blue', 'yellow', 'orange', 'red'] as const;
const ACTIVE = `('active_unacked', 'active_acked')`;
const RANK_SQL = `MAX(CASE level WHEN 'red' THEN 4 WHEN 'orange' THEN 3 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 1 ELSE 0 END)`;
/** Sites without a region sort after every region path ('~' is above every id character). */
const NO_REGION_PATH = '~';

export interface RegionNode {
  readonly id: string;
  readonly parent: string | null;
  readonly name: string;
  readonly level: string;
  readonly path: string;
  readonly officers: readonly string[];
  /** Sites in this node's subtree (within the scope). */
  readonly siteCount: number;
  /** Active alarms in this node's subtree, by level. */
  readonly active: { red: number; orange: number; yellow: number; blue: number };
}

export interface SiteRow {
  readonly id: string;
  readonly name: string;
  readonly address: string | null;
  readonly region: string | null;
  readonly regionName: string | null;
  readonly org: string | null;
  readonly contact: string | null;
  readonly contactPhone: string | null;
  readonly worstLevel: Exclude<SiteLevel, 'none'> | null;
  readonly activeAlarms: number;
}

export interface SiteFilter {
  readonly region?: string | undefined;
  /** Contained in the name or the address (Chinese as typed; Latin letters in any case). */
  readonly q?: string | undefined;
  readonly level?: SiteLevel | undefined;
  readonly cursor?: string | undefined;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
  readonly total: number;
}

/** Thrown for a region id the scope cannot see (or that does not exist): the route answers 404. */
export class UnknownRegion extends Error {
  constructor(readonly region: string) {
    super(`no region ${region}`);
    this.name = 'UnknownRegion';
  }
}

function encode(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decode(cursor: string, shape: readonly ('string' | 'number')[]): (string | number)[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === shape.length && v.every((x, i) => typeof x === shape[i])) return v as (string | number)[];
  } catch {
    // falls through to the refusal: a cursor is only what this API handed out
  }
  throw new BadQuery('cursor: not a cursor from this list (use `next` of the previous page, with the same filters)');
}

/** The ids on a materialised path, root first: '/hb/wh/ja/' → ['hb', 'wh', 'ja']. */
function pathIds(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

export class FleetQuery {
  constructor(private readonly db: Db) {
    // The registry's tables are created here too, so the page's reads work on a gateway whose
    // registry part has not written them yet (idempotent).
    migrateRegistry(db);
    db.exec(`CREATE INDEX IF NOT EXISTS fleet_site_name ON fleet_site (name, id)`);
  }

  /** The region tree within the scope, with its site and active-alarm counts rolled up the tree. */
  regions(scope: Scope): RegionNode[] {
    const s = siteScopeSql(scope, 's.id');
    const rows = this.db.prepare(`SELECT id, parent, name, level, path, officers FROM region ORDER BY path`).all() as {
      id: string;
      parent: string | null;
      name: string;
      level: string;
      path: string;
      officers: string;
    }[];
    const sites = this.db.prepare(`SELECT s.region AS region, COUNT(*) AS n FROM fleet_site s WHERE s.region IS NOT NULL AND ${s.sql} GROUP BY s.region`).all(...s.params) as { region: string; n: number }[];
    const alarms = this.db
      .prepare(`SELECT s.region AS region, a.level AS level, COUNT(*) AS n FROM alarm a JOIN fleet_site s ON s.id = a.site WHERE a.state IN ${ACTIVE} AND s.region IS NOT NULL AND ${s.sql} GROUP BY s.region, a.level`)
      .all(...s.params) as { region: string; level: string; n: number }[];
    const byId = new Map(rows.map((r) => [r.id, { ...r, officers: JSON.parse(r.officers) as string[], siteCount: 0, active: { red: 0, orange: 0, yellow: 0, blue: 0 } }]));
    const pathOf = (id: string) => byId.get(id)?.path;
    for (const { region, n } of sites) for (const id of pathIds(pathOf(region) ?? '')) byId.get(id)!.siteCount += n;
    for (const { region, level, n } of alarms) {
      if (!(level in { red: 1, orange: 1, yellow: 1, blue: 1 })) continue;
      for (const id of pathIds(pathOf(region) ?? '')) byId.get(id)!.active[level as 'red'] += n;
    }
    const all = [...byId.values()];
    if (scope.kind === 'all') return all;
    // Outside `all`: the nodes holding a site in scope (and so their ancestors), and the scope's own subtrees.
    const roots = scope.kind === 'regions' ? scope.regions.map(pathOf).filter((p): p is string => p !== undefined) : [];
    return all.filter((r) => r.siteCount > 0 || roots.some((p) => r.path.startsWith(p)));
  }

  /** One page of sites: worst level first (red … blue, then none), then by region path, name and id. */
  sites(filter: SiteFilter, scope: Scope): Page<SiteRow> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const s = siteScopeSql(scope, 's.id');
    where.push(s.sql);
    params.push(...s.params);
    if (filter.region !== undefined) {
      const path = this.visibleRegionPath(filter.region, scope);
      where.push(`r.path GLOB ?`);
      params.push(`${path}*`);
    }
    const q = filter.q?.trim();
    if (q) {
      where.push(`(instr(lower(s.name), lower(?)) > 0 OR instr(lower(COALESCE(s.address, '')), lower(?)) > 0)`);
      params.push(q, q);
    }
    if (filter.level !== undefined) {
      where.push(`COALESCE(act.rank, 0) = ?`);
      params.push(RANK_OF[filter.level]);
    }
    const from = `FROM fleet_site s
      LEFT JOIN region r ON r.id = s.region
      LEFT JOIN (SELECT site, ${RANK_SQL} AS rank, COUNT(*) AS n FROM alarm WHERE state IN ${ACTIVE} GROUP BY site) act ON act.site = s.id`;
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${from} WHERE ${where.join(' AND ')}`).get(...params) as { n: number }).n;

    if (filter.cursor !== undefined) {
      const [rank, path, name, id] = decode(filter.cursor, ['number', 'string', 'string', 'string']);
      where.push(`(COALESCE(act.rank, 0) < ? OR (COALESCE(act.rank, 0) = ? AND (COALESCE(r.path, '${NO_REGION_PATH}'), s.name, s.id) > (?, ?, ?)))`);
      params.push(rank!, rank!, path!, name!, id!);
    }
    const rows = this.db
      .prepare(
        `SELECT s.id, s.name, s.address, s.region, r.name AS regionName, s.org,
           json_extract(s.body, '$.contact') AS contact, json_extract(s.body, '$.contactPhone') AS contactPhone,
           COALESCE(act.rank, 0) AS rank, COALESCE(act.n, 0) AS activeAlarms, COALESCE(r.path, '${NO_REGION_PATH}') AS sortPath
         ${from} WHERE ${where.join(' AND ')}
         ORDER BY rank DESC, sortPath, s.name, s.id LIMIT ?`,
      )
      .all(...params, filter.limit + 1) as (Omit<SiteRow, 'worstLevel'> & { rank: number; sortPath: string })[];
    const more = rows.length > filter.limit;
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map(({ rank, sortPath: _path, ...row }) => ({ ...row, worstLevel: rank === 0 ? null : (LEVEL_OF[rank] as SiteRow['worstLevel']) })),
      next: more && last ? encode([last.rank, last.sortPath, last.name, last.id]) : null,
      total,
    };
  }

  /** The region's path, if the scope may see it; a region outside the scope does not exist for it. */
  private visibleRegionPath(region: string, scope: Scope): string {
    const row = this.db.prepare(`SELECT path FROM region WHERE id = ?`).get(region) as { path: string } | undefined;
    if (!row) throw new UnknownRegion(region);
    if (scope.kind === 'all') return row.path;
    const visible = this.regions(scope).some((r) => r.id === region);
    if (!visible) throw new UnknownRegion(region);
    return row.path;
  }
}
