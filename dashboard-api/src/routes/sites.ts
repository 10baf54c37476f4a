// Sites at a glance: each site's worst active level, its count of active alarms and its newest
// stop-work order (in force or lifted: the page reads `order.state`).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { levelRank, type Level } from '../../../gateway/src/contract/levels.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { answers, idParam, level, orderSchema } from '../schemas.js';

function worst(levels: readonly string[]): Level | null {
  let out: Level | null = null;
  for (const l of levels as Level[]) if (levelRank(l) > levelRank(out)) out = l;
  return out;
}

export function siteRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const site = z.object({ id: z.string(), name: z.string(), address: z.string().nullable(), contact: z.string().nullable(), worstLevel: level.nullable(), activeAlarms: z.number().int(), order: orderSchema.nullable() });

    r.get('/sites', { config: { role: 'viewer' }, schema: { summary: 'Every site with its worst active level and its order', response: answers({ 200: z.object({ sites: z.array(site) }) }) } }, async () => {
      const active = ctx.alarmQuery.activeBySite();
      return {
        sites: ctx.deps.sites.map((s) => {
          const levels = active.get(s.id)?.levels ?? [];
          return { id: s.id, name: s.name, address: s.address ?? null, contact: s.contact ?? null, worstLevel: worst(levels), activeAlarms: levels.length, order: ctx.deps.orders.latestForSite(s.id) ?? null };
        }),
      };
    });

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
