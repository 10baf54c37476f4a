// What the scope checks ask of the registry: whether one site is within a scope, the sites of a
// scope, and a site's region path and organisation for the live stream. An interface only; the
// SQLite implementation (scope-reader-query.ts) asks its tables with the same condition the lists
// put in their WHERE, so the dashboard checks scopes without knowing the registry's tables.

import type { Scope } from '../contract/scope.js';

/** A site as a scope test needs it (scope-sql.ts siteInScope). */
export interface ScopedSite {
  readonly id: string;
  /** Undefined when the site has none, or the registry does not hold the site. */
  readonly org: string | undefined;
  readonly regionPath: string | undefined;
}

export interface ScopeReader {
  /** Whether `site` is within `scope`; any site is within `all`, even one the registry lacks. */
  contains(scope: Scope, site: string): boolean;
  /** The registry's sites within `scope`, or null for `all` (every site, registered or not). */
  siteIds(scope: Scope): ReadonlySet<string> | null;
  /** The site's organisation and region path, undefined when the registry does not hold it. */
  site(id: string): ScopedSite | undefined;
  /** The materialised path of a region ('/hubei/wuhan/'), undefined for an unknown id. */
  regionPath(id: string): string | undefined;
  /** Whether `scope` holds a site as `site()` read it (for an event, without another query for the site). */
  holds(scope: Scope, site: ScopedSite): boolean;
}

/** For a front built without the registry: `all` holds every site, any other scope none. */
export const ALL_ONLY_SCOPES: ScopeReader = {
  contains: (scope) => scope.kind === 'all',
  siteIds: (scope) => (scope.kind === 'all' ? null : new Set()),
  site: () => undefined,
  regionPath: () => undefined,
  holds: (scope) => scope.kind === 'all',
};
