// The fleet as the page navigates it: the region tree with counts (GET /regions) and one page of
// sites by region subtree, name/address text and worst level (GET /sites). Read in SQL under the
// caller's scope (gateway/src/registry/fleet-query.ts).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALL_SCOPE, type Scope } from '../../../gateway/src/contract/scope.js';
import { FleetQuery, SITE_LEVELS, UnknownRegion } from '../../../gateway/src/registry/fleet-query.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { answers, idParam, level, limitQuery, orderSchema } from '../schemas.js';

/** The caller's scope; a principal without one (a token from before scopes) sees everything. */
function scopeOf(request: FastifyRequest): Scope {
  return (request as unknown as { principal?: { scope?: Scope } | null }).principal?.scope ?? ALL_SCOPE;
}

const count = z.number().int();
const regionNode = z.object({
  id: z.string(),
  parent: z.string().nullable(),
  name: z.string(),
  level: z.string(),
  path: z.string(),
  officers: z.array(z.string()),
  siteCount: count,
  active: z.object({ red: count, orange: count, yellow: count, blue: count }),
});
const siteCard = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  region: z.string().nullable(),
  regionName: z.string().nullable(),
  org: z.string().nullable(),
  contact: z.string().nullable(),
  contactPhone: z.string().nullable(),
  worstLevel: level.nullable(),
  activeAlarms: count,
  order: orderSchema.nullable(),
});
const cursor = z.string().min(1).max(1000);

/** Runs a read; an unknown (or out-of-scope) region answers 404 like any missing object. */
function found<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof UnknownRegion) throw new ApiError(404, err.message);
    throw err;
  }
}

export function siteSearchRoutes(ctx: ApiContext) {
  const fleet = new FleetQuery(ctx.deps.db);
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/regions',
      { config: { role: 'viewer' }, schema: { summary: 'The region tree within the caller’s scope, with site counts and active alarms by level under each node', response: answers({ 200: z.object({ regions: z.array(regionNode) }) }) } },
      async (request) => ({ regions: fleet.regions(scopeOf(request)) }),
    );

    r.get(
      '/sites',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'One page of sites: in alarm first (red … blue, then normal), then by region, name and id',
          querystring: z.object({
            region: idParam('region').optional(),
            q: z.string().max(100).optional(),
            level: z.enum(SITE_LEVELS).optional(),
            cursor: cursor.optional(),
            limit: limitQuery(500, 100),
          }),
          response: answers({ 200: z.object({ sites: z.array(siteCard), next: z.string().nullable(), total: count }) }, 400, 404),
        },
      },
      async (request) => {
        const page = found(() => fleet.sites(request.query, scopeOf(request)));
        return { sites: page.items.map((s) => ({ ...s, order: ctx.deps.orders.latestForSite(s.id) ?? null })), next: page.next, total: page.total };
      },
    );
  };
}
