// The detection rules in force, one row per rule and site: the threshold lines of the charts.
// Read live at each request (a preset site added at run time brings its rules), scoped to the caller.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { answers, idParam } from '../schemas.js';
import { ApiError } from '../errors.js';
import { scopeOf } from '../scope-of.js';
import type { Rule } from '../../../gateway/src/config/schema.js';

type RuleRow = z.infer<typeof ruleRow>;

const ruleRow = z.object({
  id: z.string(),
  site: z.string(),
  quantity: z.string(),
  kind: z.string(),
  direction: z.string(),
  levels: z.object({ blue: z.number().optional(), yellow: z.number().optional(), orange: z.number().optional(), red: z.number().optional() }),
});

/** The rows of the rules for the sites asked (undefined: every site a rule with no site list names). */
function rowsOf(rules: readonly Rule[], allSites: readonly string[], wanted: (site: string) => boolean): RuleRow[] {
  const rows: RuleRow[] = [];
  for (const rule of rules) {
    const kind = rule.kind ?? 'threshold';
    // Dose levels are doses and grow with danger, like an `above` threshold.
    const direction = 'direction' in rule && typeof rule.direction === 'string' ? rule.direction : 'above';
    for (const site of rule.sites ?? allSites) if (wanted(site)) rows.push({ id: rule.id, site, quantity: rule.quantity, kind, direction, levels: { ...rule.levels } });
  }
  return rows;
}

export function ruleRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/rules',
      { config: { role: 'viewer' }, schema: { summary: 'Rules in force per site (threshold lines for charts), live and within the caller\'s scope', querystring: z.object({ site: idParam('site').optional() }).strict(), response: answers({ 200: z.object({ rules: z.array(ruleRow) }) }, 400, 404) } },
      async (request) => {
        // The registry's sites of the caller's scope (null: all), read once per request.
        const within = ctx.scopes.siteIds(scopeOf(request));
        const inScope = (site: string) => within === null || within.has(site);
        const asked = request.query.site;
        // A site added at run time is in the registry, not in the start-time map.
        const exists = (site: string) => ctx.sites.has(site) || ctx.deps.fleet?.site(site) !== undefined;
        if (asked !== undefined && (!exists(asked) || !inScope(asked))) throw new ApiError(404, `no site ${asked}`);
        const wanted = asked !== undefined ? (site: string) => site === asked : inScope;
        return { rules: rowsOf(ctx.deps.rules(), [...ctx.sites.keys()], wanted) };
      },
    );
  };
}
