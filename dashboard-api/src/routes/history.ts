// A sensor channel's history from the TelemetryStore, raw or in buckets (`every`, `agg`).

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import type { HistoryRequest } from '../deps.js';
import { downsample, EVERY_MS } from '../downsample.js';
import { answers, idParam, msQuery } from '../schemas.js';

/** Raw points per answer; a longer range needs `every`. */
export const MAX_RAW_POINTS = 10_000;
/** Points read from the store for one bucketed answer (a day of 1 s readings is 86 400). */
const MAX_SCANNED_POINTS = 200_000;

const historyQuery = z
  .object({
    site: idParam('site'),
    device: idParam('device'),
    channel: idParam('channel'),
    fromMs: msQuery.optional(),
    toMs: msQuery.optional(),
    every: z.enum(['raw', '10s', '1m', '1h']).default('raw'),
    agg: z.enum(['mean', 'min', 'max', 'last']).default('mean'),
  })
  .strict()
  .refine((q) => q.fromMs === undefined || q.toMs === undefined || q.fromMs <= q.toMs, { path: ['toMs'], message: 'toMs must not be before fromMs' });

export function historyRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.withTypeProvider<ZodTypeProvider>().get(
      '/history',
      {
        config: { role: 'viewer' },
        schema: {
          summary: "One channel's readings in a time range (default: the last hour), raw or bucketed",
          description: `Raw answers hold at most ${MAX_RAW_POINTS} points (the oldest first); bucketed answers read at most ${MAX_SCANNED_POINTS} points.`,
          querystring: historyQuery,
          response: answers({ 200: z.object({ points: z.array(z.object({ tsMs: z.number(), value: z.number() })) }) }, 400, 404, 501),
        },
      },
      async (request) => {
        const store = ctx.deps.telemetry;
        if (!store) throw new ApiError(501, 'history is not available: no time-series store is wired');
        const q = request.query;
        const device = ctx.sites.get(q.site)?.devices.find((d) => d.id === q.device);
        // A device outside the caller's scope answers exactly as a missing one.
        if (!device || !ctx.scopes.contains(scopeOf(request), q.site)) throw new ApiError(404, `no device ${q.site}/${q.device}`);
        const toMs = q.toMs ?? ctx.clock();
        const fromMs = q.fromMs ?? toMs - 3_600_000;
        const query: HistoryRequest = {
          site: q.site,
          device: q.device,
          channel: q.channel,
          fromMs,
          toMs,
          limit: q.every === 'raw' ? MAX_RAW_POINTS : MAX_SCANNED_POINTS,
          // Passed through to stores that bucket themselves (InfluxDB); ignored by those that do not.
          ...(q.every !== 'raw' ? { every: q.every, agg: q.agg } : {}),
        };
        const points = await store.history(query);
        if (q.every === 'raw') return { points: points.map((p) => ({ tsMs: p.tsMs, value: p.value })) };
        return { points: downsample(points, EVERY_MS[q.every], q.agg) };
      },
    );
  };
}
