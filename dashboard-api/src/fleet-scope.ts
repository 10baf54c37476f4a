// The caller's scope applied to the fleet routes: a county's admin reads and changes the sites of
// his county only (one outside it answers 404, as if it did not exist), may not move or create a
// site outside it (it would leave his own lists), and leaves fleet-wide changes (the import, the
// region tree, organisations) to an admin whose scope is all.

import type { FastifyRequest } from 'fastify';
import type { SiteConfig } from '../../gateway/src/config/schema.js';
import { siteInScope } from '../../gateway/src/registry/scope-sql.js';
import type { FleetRegistry } from './fleet-answers.js';
import { ApiError } from './errors.js';
import { scopeOf } from './scope-of.js';

function within(fleet: FleetRegistry, request: FastifyRequest, site: { id: string; region?: string | undefined; org?: string | undefined }): boolean {
  const scope = scopeOf(request);
  if (scope.kind === 'all') return true;
  const paths = new Map(fleet.regions().map((r) => [r.id, r.path]));
  return siteInScope(scope, { id: site.id, org: site.org, regionPath: site.region ? paths.get(site.region) : undefined }, (r) => paths.get(r));
}

/** The site, or 404 when there is none or it is outside the caller's scope (the same answer). */
export function scopedSite(fleet: FleetRegistry, request: FastifyRequest, id: string, missing = `no site ${id}`): SiteConfig {
  const site = fleet.site(id);
  if (!site || !within(fleet, request, site)) throw new ApiError(404, missing);
  return site;
}

/** 403 when the site as it would be written lies outside the caller's scope. */
export function keepInScope(fleet: FleetRegistry, request: FastifyRequest, next: { id: string; region?: string | undefined; org?: string | undefined }): void {
  if (within(fleet, request, next)) return;
  throw new ApiError(403, `site ${next.id} with region ${next.region ?? '(none)'} and organisation ${next.org ?? '(none)'} would be outside this account's scope`, { field: 'region' });
}

/** 403 unless the caller's scope is all: for changes that reach beyond one site. */
export function wholeFleetOnly(request: FastifyRequest, what: string): void {
  if (scopeOf(request).kind !== 'all') throw new ApiError(403, `${what} needs an admin whose scope is all: this account sees part of the fleet only`, { needed: 'scope all' });
}
