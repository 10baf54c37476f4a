// The caller's scope on the registry routes of the page's form and the region tree, over the
// checks the fleet routes share (fleet-answers.ts siteVisible, scopeHolds): a site outside the
// scope answers 404, as if it did not exist; a site may not be moved outside it; fleet-wide changes
// (the region tree, organisations, the YAML export) need an admin whose scope is all.

import type { FastifyRequest } from 'fastify';
import type { SiteConfig } from '../../gateway/src/config/schema.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { registryOf, scopeHolds, siteVisible } from './fleet-answers.js';
import { scopeOf } from './scope-of.js';

/** The site, or 404 when there is none or it is outside the caller's scope (the same answer). */
export function scopedSite(ctx: ApiContext, request: FastifyRequest, id: string, missing = `no site ${id}`): SiteConfig {
  const site = registryOf(ctx).site(id);
  if (!site || !siteVisible(ctx, request, id)) throw new ApiError(404, missing);
  return site;
}

/** 403 when the site as it would be written lies outside the caller's scope. */
export function keepInScope(ctx: ApiContext, request: FastifyRequest, next: { id: string; region?: string | undefined; org?: string | undefined }): void {
  if (scopeHolds(ctx, request, next.id, next.region, next.org)) return;
  throw new ApiError(403, `site ${next.id} with region ${next.region ?? '(none)'} and organisation ${next.org ?? '(none)'} would be outside this account's scope`, { field: 'region' });
}

/** 403 unless the caller's scope is all: for changes that reach beyond one site. */
export function wholeFleetOnly(request: FastifyRequest, what: string): void {
  if (scopeOf(request).kind !== 'all') throw new ApiError(403, `${what} needs an admin whose scope is all: this account sees part of the fleet only`, { needed: 'scope all' });
}
