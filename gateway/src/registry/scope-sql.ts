// A scope (contract/scope.ts) as a condition on a site column, to put inside the query that lists
// alarms, orders, devices or sites, so that what is outside the scope is never read, counted or paged.
//
// Region subtrees match on the materialised path with GLOB: ids hold only A-Z a-z 0-9 _ -, none of
// GLOB's wildcards, so 'prefix*' is an exact prefix match (LIKE would read '_' as any character and
// let '/a_b/' match '/axb/').

import type { Scope } from '../contract/scope.js';

export interface ScopeSql {
  /** A boolean SQL expression, to AND into a WHERE clause. */
  readonly sql: string;
  readonly params: readonly string[];
}

const SAFE_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** The condition "the row's site (in `siteColumn`) is within `scope`". */
export function siteScopeSql(scope: Scope, siteColumn: string): ScopeSql {
  if (!SAFE_COLUMN.test(siteColumn)) throw new Error(`siteScopeSql: not a column name: ${siteColumn}`);
  switch (scope.kind) {
    case 'all':
      return { sql: '1', params: [] };
    case 'site':
      return { sql: `${siteColumn} = ?`, params: [scope.site] };
    case 'org':
      return { sql: `${siteColumn} IN (SELECT id FROM fleet_site WHERE org = ?)`, params: [scope.org] };
    case 'regions': {
      if (scope.regions.length === 0) return { sql: '0', params: [] };
      const under = scope.regions.map(() => `r.path GLOB (SELECT path FROM region WHERE id = ?) || '*'`).join(' OR ');
      return { sql: `${siteColumn} IN (SELECT s.id FROM fleet_site s JOIN region r ON r.id = s.region WHERE ${under})`, params: [...scope.regions] };
    }
  }
}

/** Whether one site is within a scope, given its region's path and organisation (for events). */
export function siteInScope(scope: Scope, site: { readonly id: string; readonly org?: string | undefined; readonly regionPath?: string | undefined }, regionPath: (id: string) => string | undefined): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'site':
      return site.id === scope.site;
    case 'org':
      return site.org === scope.org;
    case 'regions':
      return site.regionPath !== undefined && scope.regions.some((r) => {
        const path = regionPath(r);
        return path !== undefined && site.regionPath!.startsWith(path);
      });
  }
}
