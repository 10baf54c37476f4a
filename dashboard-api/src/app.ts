// The dashboard API: built here, listened on elsewhere (main.ts / the runtime), so tests use
// fastify.inject without a socket. This slice serves health, alarms and site orders; issue 5
// grows it into the full officer API with auth and the live page.

import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { AlarmRepository } from '../../gateway/src/alarms/repository.js';
import type { OrderRepository } from '../../gateway/src/orders/repository.js';
import { ID_PATTERN } from '../../gateway/src/contract/ids.js';

export interface ApiDeps {
  readonly alarms: Pick<AlarmRepository, 'list'>;
  readonly orders: Pick<OrderRepository, 'latestForSite'>;
  readonly siteIds: readonly string[];
  /** Broker connected and stores writable. */
  readonly ready: () => boolean;
  readonly log: Logger;
}

const alarmQuery = z
  .object({
    site: z.string().regex(ID_PATTERN, 'site must be an id of A-Z a-z 0-9 _ -').optional(),
    state: z.enum(['active_unacked', 'active_acked', 'cleared_unacked', 'cleared', 'closed']).optional(),
    active: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const siteParams = z.object({ site: z.string().regex(ID_PATTERN, 'site must be an id of A-Z a-z 0-9 _ -') });

function badRequest(error: z.ZodError): { statusCode: 400; error: 'Bad Request'; message: string } {
  const message = error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
  return { statusCode: 400, error: 'Bad Request', message };
}

export function buildApp(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ loggerInstance: deps.log.child({ module: 'api' }) as FastifyBaseLogger });
  const sites = new Set(deps.siteIds);

  // Never a stack trace to the client; the log keeps the detail.
  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    request.log.error({ err }, 'request failed');
    const status = err.statusCode ?? 500;
    void reply.status(status).send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : 'Bad Request', message: status >= 500 ? 'internal error' : err.message });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const ready = deps.ready();
    return reply.status(ready ? 200 : 503).send({ ready });
  });

  app.get('/api/v1/alarms', async (request, reply) => {
    const query = alarmQuery.safeParse(request.query);
    if (!query.success) return reply.status(400).send(badRequest(query.error));
    const { site, state, active, limit } = query.data;
    const alarms = deps.alarms.list({ limit, ...(site ? { site } : {}), ...(state ? { state } : {}), ...(active ? { active: active === 'true' } : {}) });
    return { alarms };
  });

  app.get('/api/v1/sites/:site/order', async (request, reply) => {
    const params = siteParams.safeParse(request.params);
    if (!params.success) return reply.status(400).send(badRequest(params.error));
    if (!sites.has(params.data.site)) return reply.status(404).send({ statusCode: 404, error: 'Not Found', message: `no site ${params.data.site}` });
    const order = deps.orders.latestForSite(params.data.site) ?? null;
    return { site: params.data.site, order };
  });

  return app;
}
