// Sites at a glance, within the caller's scope: a page of sites (worst first) from the registry's
// tables with each one's worst active level, its count of active alarms and its newest stop-work
// order (in force or lifted: the page reads `order.state`), filtered by region subtree, text and
// level in the gateway's SQL; and the region tree the page navigates by, with its counts.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LEVELS } from '../../../gateway/src/contract/levels.js';
import { REGION_LEVELS } from '../../../gateway/src/contract/region-levels.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { regionWithin, scopeOf } from '../scope-of.js';
import { answers, idParam, level, limitQuery, orderSchema } from '../schemas.js';

const siteQuery = z
  .object({
    region: idParam('region').optional(),
    // Name or address contains it: 江汉, 解放大道, kitchen.
    q: z.string().trim().max(100).optional(),
    level: z.enum([...LEVELS, 'none']).optional(),
    limit: limitQuery(1000, 200),
    cursor: z.string().max(500).optional(),
  })
  .strict();

const levelCounts = z.object({ blue: z.number().int(), yellow: z.number().int(), orange: z.number().int(), red: z.number().int() });
const regionNode = z
  .object({
    id: z.string(),
    parent: z.string().nullable().describe('null at the top of what the caller may see'),
    name: z.string(),
    level: z.enum(REGION_LEVELS),
    path: z.string(),
    officers: z.array(z.string()),
    siteCount: z.number().int(),
    activeAlarms: levelCounts,
  })
  .describe('Region');

export function siteRoutes(ctx: ApiContext) {
  const directory = ctx.deps.fleetBrowser;
  const needDirectory = () => {
    if (!directory) throw new ApiError(501, 'the site list is not available in this build (no fleet browser is wired)');
    return directory;
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const site = z
      .object({
        id: z.string(),
        name: z.string(),
        address: z.string().nullable(),
        region: z.string().nullable(),
        regionName: z.string().nullable(),
        org: z.string().nullable(),
        contact: z.string().nullable(),
        contactPhone: z.string().nullable(),
        worstLevel: level.nullable(),
        activeAlarms: z.number().int(),
        order: orderSchema.nullable(),
      })
      .describe('Site');

    r.get(
      '/sites',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'Sites within the caller\'s scope, worst active level first, with their newest order; by region subtree, name or address, and level; cursor pages',
          querystring: siteQuery,
          response: answers({ 200: z.object({ sites: z.array(site), next: z.string().nullable(), total: z.number().int() }) }, 400, 404, 501),
        },
      },
      async (request) => {
        const q = request.query;
        const scope = scopeOf(request);
        const dir = needDirectory();
        // A region the caller may not see answers as one that does not exist.
        const visible = (region: string) =>
          scope.kind === 'org' || scope.kind === 'site' ? dir.regions(scope).some((n) => n.id === region) : regionWithin(ctx.scopes, scope, region);
        if (q.region !== undefined && !visible(q.region)) throw new ApiError(404, `no region ${q.region}`);
        const page = dir.page({ scope, region: q.region, q: q.q, level: q.level, limit: q.limit, cursor: q.cursor });
        return {
          sites: page.sites.map((s) => ({ ...s, order: ctx.deps.orders.latestForSite(s.id) ?? null })),
          next: page.next,
          total: page.total,
        };
      },
    );

    r.get(
      '/regions',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'The region tree within the caller\'s scope, parents first, with sites and active alarms by level counted over each subtree',
          response: answers({ 200: z.object({ regions: z.array(regionNode) }) }, 501),
        },
      },
      async (request) => ({ regions: needDirectory().regions(scopeOf(request)) }),
    );

    r.get(
      '/sites/:site/order',
      { config: { role: 'viewer' }, schema: { summary: "The site's newest order", params: z.object({ site: idParam('site') }), response: answers({ 200: z.object({ site: z.string(), order: orderSchema.nullable() }) }, 400, 404) } },
      async (request) => {
        const id = request.params.site;
        if (!ctx.sites.has(id) || !ctx.scopes.contains(scopeOf(request), id)) throw new ApiError(404, `no site ${id}`);
        return { site: id, order: ctx.deps.orders.latestForSite(id) ?? null };
      },
    );
  };
}
