// The audit log for admins: newest first, paginated by id (an admin with a scope reads the entries
// about its sites), and a check of the whole hash chain.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiContext } from '../context.js';
import { scopeOf } from '../scope-of.js';
import { answers, limitQuery } from '../schemas.js';

const entry = z
  .object({ id: z.number().int(), atMs: z.number(), actor: z.string(), action: z.string(), target: z.string(), detail: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() })
  .describe('AuditEntry');

export function auditRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/audit',
      {
        config: { role: 'admin' },
        schema: {
          summary: 'Audit log, newest first',
          querystring: z.object({ limit: limitQuery(1000, 100), cursor: z.string().regex(/^\d{1,15}$/, 'cursor: not a cursor from this API').optional() }).strict(),
          response: answers({ 200: z.object({ entries: z.array(entry), nextCursor: z.string().nullable() }) }, 400, 403),
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const entries = ctx.audit.list(limit + 1, cursor === undefined ? undefined : Number(cursor), scopeOf(request));
        const page = entries.slice(0, limit);
        return { entries: page, nextCursor: entries.length > limit ? String(page[page.length - 1]!.id) : null };
      },
    );
    r.get(
      '/audit/verify',
      { config: { role: 'admin' }, schema: { summary: 'Walk the hash chain; names the first entry that does not hold', response: answers({ 200: z.object({ ok: z.boolean(), checked: z.number().int(), brokenAt: z.number().int().nullable() }) }, 403) } },
      async () => ctx.audit.verify(),
    );
  };
}
