// The fleet browser (fleet-browser.ts) over the registry's tables and the alarm table in
// state.db. The scope, the region subtree, the text search and the level filter are all in the
// SQL, and pages are keyset (worst level, then id), so an officer of one county pages his 300
// sites of a 10 000-site fleet without the others being read into the process.

import type { Db } from '../store/sqlite.js';
import { BadQuery } from '../errors.js';
import { LEVELS, type Level } from '../contract/levels.js';
import type { RegionLevel } from '../contract/region-levels.js';
import type { Scope } from '../contract/scope.js';
import { ACTIVE_BY_INDEX } from '../alarms/alarm-list-query.js';
import { namedScopeSql } from './scope-named.js';
import { migrateRegistry } from './tables.js';
import type { RegionNode, FleetBrowser, SitePage, SitePageQuery, SiteRow } from './fleet-browser.js';

// 0 red … 3 blue, 4 no active alarm: the order an officer scans the list in.
const RANK_OF: Record<Level | 'none', number> = { red: 0, orange: 1, yellow: 2, blue: 3, none: 4 };
const LEVEL_AT: readonly (Level | null)[] = ['red', 'orange', 'yellow', 'blue', null];
const ACTIVE_PER_SITE = `SELECT site, count(*) AS n,
    min(CASE level WHEN 'red' THEN 0 WHEN 'orange' THEN 1 WHEN 'yellow' THEN 2 ELSE 3 END) AS rank
  FROM alarm WHERE ${ACTIVE_BY_INDEX} GROUP BY site`;

function encodeCursor(rank: number, id: string): string {
  return Buffer.from(JSON.stringify(['s', rank, id])).toString('base64url');
}

function decodeCursor(cursor: string): { rank: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 3 && v[0] === 's' && Number.isInteger(v[1]) && typeof v[2] === 'string') return { rank: v[1] as number, id: v[2] };
  } catch {
    // falls through to the refusal below: a cursor is only what this list handed out
  }
  throw new BadQuery('cursor: not a cursor of the site list (use next of the previous page)');
}

interface Row {
  id: string;
  name: string;
  address: string | null;
  region: string | null;
  region_name: string | null;
  org: string | null;
  contact: string | null;
  contact_phone: string | null;
  active: number;
  rank: number;
}

interface RegionRow {
  id: string;
  parent: string | null;
  name: string;
  level: RegionLevel;
  path: string;
  officers: string;
}

const zeroLevels = (): Record<Level, number> => ({ blue: 0, yellow: 0, orange: 0, red: 0 });

export class FleetBrowserQuery implements FleetBrowser {
  constructor(private readonly db: Db) {
    migrateRegistry(db);
  }

  page(q: SitePageQuery): SitePage {
    const params: Record<string, unknown> = {};
    const where = [namedScopeSql(q.scope, 's.id', params)];
    if (q.region !== undefined) {
      where.push(`r.path GLOB (SELECT path FROM region WHERE id = @region) || '*'`);
      params.region = q.region;
    }
    if (q.q !== undefined && q.q !== '') {
      // instr, not LIKE: a '%' or '_' typed into the search box is a character, not a wildcard.
      // lower() folds Latin letters only; Chinese has no case.
      where.push(`(instr(lower(s.name), lower(@q)) > 0 OR instr(lower(coalesce(s.address, '')), lower(@q)) > 0)`);
      params.q = q.q;
    }
    const rank = 'coalesce(act.rank, 4)';
    if (q.level !== undefined) {
      where.push(`${rank} = @level`);
      params.level = RANK_OF[q.level];
    }
    const from = `fleet_site s LEFT JOIN region r ON r.id = s.region LEFT JOIN (${ACTIVE_PER_SITE}) act ON act.site = s.id`;
    // The count needs the active alarms only to filter by level: without that filter it counts
    // sites alone (10 000 sites: the join and its grouping were most of a page's time).
    const counted = q.level !== undefined ? from : 'fleet_site s LEFT JOIN region r ON r.id = s.region';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM ${counted} WHERE ${where.join(' AND ')}`).get(params) as { n: number }).n;
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      where.push(`(${rank} > @cRank OR (${rank} = @cRank AND s.id > @cId))`);
      Object.assign(params, { cRank: c.rank, cId: c.id });
    }
    const rows = this.db
      .prepare(
        `SELECT s.id, s.name, s.address, s.region, r.name AS region_name, s.org,
           json_extract(s.body, '$.contact') AS contact, json_extract(s.body, '$.contactPhone') AS contact_phone,
           coalesce(act.n, 0) AS active, ${rank} AS rank
         FROM ${from} WHERE ${where.join(' AND ')} ORDER BY rank, s.id LIMIT @limit`,
      )
      .all({ ...params, limit: q.limit + 1 }) as Row[];
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return { sites: page.map(siteOf), next: more && last ? encodeCursor(last.rank, last.id) : null, total };
  }

  regions(scope: Scope): readonly RegionNode[] {
    const sp: Record<string, unknown> = {};
    const siteCounts = this.db.prepare(`SELECT s.region AS region, count(*) AS n FROM fleet_site s WHERE s.region IS NOT NULL AND ${namedScopeSql(scope, 's.id', sp)} GROUP BY s.region`).all(sp) as { region: string; n: number }[];
    const ap: Record<string, unknown> = {};
    const alarmCounts = this.db
      .prepare(
        `SELECT s.region AS region, a.level AS level, count(*) AS n FROM alarm a JOIN fleet_site s ON s.id = a.site
         WHERE ${ACTIVE_BY_INDEX.replace(/\bstate\b/g, 'a.state')} AND s.region IS NOT NULL AND ${namedScopeSql(scope, 'a.site', ap)} GROUP BY s.region, a.level`,
      )
      .all(ap) as { region: string; level: Level; n: number }[];
    const rows = this.visibleRegions(scope, siteCounts.map((c) => c.region));
    const byId = new Map(rows.map((r) => [r.id, { row: r, sites: 0, alarms: zeroLevels() }]));
    const pathOf = new Map(rows.map((r) => [r.id, r.path]));
    // Each region's own counts added to it and every region above it that the scope shows: the
    // tree's sums are done here, over a few thousand regions, not by a query per node.
    const ancestors = (region: string): string[] => {
      const path = pathOf.get(region) ?? (this.db.prepare('SELECT path FROM region WHERE id = ?').get(region) as { path: string } | undefined)?.path;
      return path === undefined ? [] : path.split('/').filter((id) => id !== '' && byId.has(id));
    };
    for (const c of siteCounts) for (const id of ancestors(c.region)) byId.get(id)!.sites += c.n;
    for (const c of alarmCounts) if (LEVELS.includes(c.level)) for (const id of ancestors(c.region)) byId.get(id)!.alarms[c.level] += c.n;
    return rows.map((r) => {
      const e = byId.get(r.id)!;
      return {
        id: r.id,
        parent: r.parent !== null && byId.has(r.parent) ? r.parent : null,
        name: r.name,
        level: r.level,
        path: r.path,
        officers: JSON.parse(r.officers) as string[],
        siteCount: e.sites,
        activeAlarms: e.alarms,
      };
    });
  }

  /** The regions the scope shows, in path order (parents before their children). */
  private visibleRegions(scope: Scope, regionsWithSites: readonly string[]): RegionRow[] {
    const columns = 'id, parent, name, level, path, officers';
    switch (scope.kind) {
      case 'all':
        return this.db.prepare(`SELECT ${columns} FROM region ORDER BY path`).all() as RegionRow[];
      case 'regions': {
        if (scope.regions.length === 0) return [];
        const under = scope.regions.map(() => `path GLOB (SELECT path FROM region WHERE id = ?) || '*'`).join(' OR ');
        return this.db.prepare(`SELECT ${columns} FROM region WHERE ${under} ORDER BY path`).all([...scope.regions]) as RegionRow[];
      }
      default: {
        // An organisation or a site sees the regions its sites are in and those above them.
        if (regionsWithSites.length === 0) return [];
        const holders = regionsWithSites.map(() => '?').join(', ');
        return this.db
          .prepare(`SELECT ${columns} FROM region WHERE id IN (SELECT a.id FROM region h JOIN region a ON h.path GLOB a.path || '*' WHERE h.id IN (${holders})) ORDER BY path`)
          .all([...regionsWithSites]) as RegionRow[];
      }
    }
  }
}

function siteOf(r: Row): SiteRow {
  return {
    id: r.id,
    name: r.name,
    address: r.address,
    region: r.region,
    regionName: r.region_name,
    org: r.org,
    contact: r.contact,
    contactPhone: r.contact_phone,
    worstLevel: LEVEL_AT[r.rank] ?? null,
    activeAlarms: r.active,
  };
}
