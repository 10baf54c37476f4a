// A site's newest stop-work order (in force or lifted: the page reads `order.state`). The list of
// sites with their worst level is routes/site-search.ts.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { answers, idParam, orderSchema } from '../schemas.js';

export function siteRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    // GET /sites (one page, by region, text and level) is in site-search.ts.

    r.get(
      '/sites/:site/order',
      { config: { role: 'viewer' }, schema: { summary: "The site's newest order", params: z.object({ site: idParam('site') }), response: answers({ 200: z.object({ site: z.string(), order: orderSchema.nullable() }) }, 400, 404) } },
      async (request) => {
        const id = request.params.site;
        if (!ctx.sites.has(id)) throw new ApiError(404, `no site ${id}`);
        return { site: id, order: ctx.deps.orders.latestForSite(id) ?? null };
      },
    );
  };
}
