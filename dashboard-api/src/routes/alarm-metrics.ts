// ISA-18.2 alarm-system performance over a time range (default: the last 24 hours), per site and
// local day, as the alarm service computes it (gateway/src/alarms/metrics.ts).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { ApiError } from '../errors.js';
import { answers, idParam, msQuery } from '../schemas.js';

export function alarmMetricsRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/metrics/alarms',
      {
        config: { role: 'viewer' },
        schema: {
          summary: 'ISA-18.2 alarm-system metrics: rate, floods, top ten, priority mix, chattering, stale',
          querystring: z
            .object({ site: idParam('site').optional(), fromMs: msQuery.optional(), toMs: msQuery.optional() })
            .strict()
            .refine((q) => q.fromMs === undefined || q.toMs === undefined || q.fromMs < q.toMs, { path: ['toMs'], message: 'toMs must be after fromMs' }),
          response: answers({ 200: z.looseObject({ fromMs: z.number(), toMs: z.number(), days: z.array(z.looseObject({ site: z.string(), day: z.string() })) }) }, 400, 404, 501),
        },
      },
      async (request) => {
        const toMs = request.query.toMs ?? ctx.clock();
        const fromMs = request.query.fromMs ?? toMs - 86_400_000;
        const actions = ctx.deps.alarmActions;
        if (typeof actions.metrics !== 'function') throw new ApiError(501, 'alarm-system metrics are not available in this gateway build');
        const site = request.query.site;
        const scope = scopeOf(request);
        // A site outside the caller's scope answers exactly as one that does not exist.
        if (site !== undefined && !ctx.scopes.contains(scope, site)) throw new ApiError(404, `no site ${site}`);
        return actions.metrics({ fromMs, toMs, scope, ...(site ? { site } : {}) });
      },
    );
  };
}
