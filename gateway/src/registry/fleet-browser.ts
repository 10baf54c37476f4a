// The sites as a front end lists and navigates them: a page of sites within the caller's scope
// with their worst active level, and the region tree with its counts. An interface only; the
// SQLite implementation (fleet-browser-query.ts) owns the SQL, so the dashboard lists 10 000
// sites without loading them or knowing the registry's tables.

import type { Level } from '../contract/levels.js';
import type { RegionLevel } from '../contract/region-levels.js';
import type { Scope } from '../contract/scope.js';

export interface SitePageQuery {
  readonly scope: Scope;
  /** Only the sites of this region's subtree. */
  readonly region?: string | undefined;
  /** Name or address contains this text (Chinese included; Latin letters in any case). */
  readonly q?: string | undefined;
  /** Only the sites whose worst active alarm is at this level; `none`: the quiet ones. */
  readonly level?: Level | 'none' | undefined;
  readonly limit: number;
  /** `next` of the previous page with the same filters; anything else is a BadQuery. */
  readonly cursor?: string | undefined;
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
  readonly worstLevel: Level | null;
  readonly activeAlarms: number;
}

/** Sites worst first (red … blue, then quiet ones), then by id; `total` counts every page. */
export interface SitePage {
  readonly sites: readonly SiteRow[];
  readonly next: string | null;
  readonly total: number;
}

export interface RegionNode {
  readonly id: string;
  /** The parent region, null at the top of what the scope shows. */
  readonly parent: string | null;
  readonly name: string;
  readonly level: RegionLevel;
  readonly path: string;
  readonly officers: readonly string[];
  /** Sites in this region and below, within the scope. */
  readonly siteCount: number;
  /** Active alarms in this region and below, within the scope, by level. */
  readonly activeAlarms: Readonly<Record<Level, number>>;
}

export interface FleetBrowser {
  /** Throws BadQuery for a cursor it did not hand out. */
  page(q: SitePageQuery): SitePage;
  /** The regions a scope shows, in path order: `all` every one; `regions` their subtrees; an
   * organisation or a site the regions above its sites. */
  regions(scope: Scope): readonly RegionNode[];
}
