// The daily briefing per region of the registry's tree: each region with officers gets the
// briefing of every site in its subtree, the site list read from the registry in SQL on the day
// it is built, so a kitchen added to the county yesterday is in today's report.

import type { Db } from '../store/sqlite.js';
import { migrateRegistry } from '../registry/tables.js';

/** A region of the registry as a briefing covers it. */
export interface RegionBriefing {
  readonly id: string;
  readonly name: string;
  /** Roster people (by id or by name) who receive this region's briefing. */
  readonly officers: readonly string[];
}

export interface RegionBriefings {
  /** Every region of the tree, parents first. */
  regions(): readonly RegionBriefing[];
  /** The registry's sites in the region and below it; undefined for an unknown region. */
  sitesUnder(regionId: string): string[] | undefined;
}

export function regionBriefingsOver(db: Db): RegionBriefings {
  migrateRegistry(db);
  const all = db.prepare('SELECT id, name, officers FROM region ORDER BY path');
  const pathOf = db.prepare('SELECT path FROM region WHERE id = ?');
  const under = db.prepare(`SELECT s.id FROM fleet_site s JOIN region r ON r.id = s.region WHERE r.path GLOB ? || '*' ORDER BY s.pos, s.id`);
  return {
    regions: () => (all.all() as { id: string; name: string; officers: string }[]).map((r) => ({ id: r.id, name: r.name, officers: JSON.parse(r.officers) as string[] })),
    sitesUnder: (regionId) => {
      const row = pathOf.get(regionId) as { path: string } | undefined;
      return row ? (under.all(row.path) as { id: string }[]).map((s) => s.id) : undefined;
    },
  };
}
