// The detection rules in force, one row per rule and site: the threshold lines of the charts.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { answers, idParam } from '../schemas.js';

const ruleRow = z.object({
  id: z.string(),
  site: z.string(),
  quantity: z.string(),
  kind: z.string(),
  direction: z.string(),
  levels: z.object({ blue: z.number().optional(), yellow: z.number().optional(), orange: z.number().optional(), red: z.number().optional() }),
});

export function ruleRoutes(ctx: ApiContext) {
  const siteIds = ctx.deps.sites.map((s) => s.id);
  const rows: z.infer<typeof ruleRow>[] = [];
  for (const rule of ctx.deps.rules) {
    const kind = rule.kind ?? 'threshold';
    // Dose levels are doses and grow with danger, like an `above` threshold.
    const direction = 'direction' in rule && typeof rule.direction === 'string' ? rule.direction : 'above';
    for (const site of rule.sites ?? siteIds) rows.push({ id: rule.id, site, quantity: rule.quantity, kind, direction, levels: { ...rule.levels } });
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/rules',
      { config: { role: 'viewer' }, schema: { summary: 'Rules in force per site (threshold lines for charts)', querystring: z.object({ site: idParam('site').optional() }).strict(), response: answers({ 200: z.object({ rules: z.array(ruleRow) }) }, 400) } },
      async (request) => {
        // The registry's sites of the caller's scope (null: all), read once per request.
        const within = ctx.scopes.siteIds(scopeOf(request));
        return { rules: rows.filter((r) => (request.query.site === undefined || r.site === request.query.site) && (within === null || within.has(r.site))) };
      },
    );
  };
}
