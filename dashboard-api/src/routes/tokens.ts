// API tokens for admins: create (the token is shown once), list, revoke. Each change is audited.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { audited, type ApiContext } from '../context.js';
import { answers, role } from '../schemas.js';
import { ALL_SCOPE } from '../../../gateway/src/contract/scope.js';
import { scopeText as scopeWords } from '../../../gateway/src/contract/scope-text.js';
import { scopeSchema, scopeText } from '../users/user-schemas.js';
import { roleScopeProblem, scopeProblem } from '../users/scope-check.js';

const info = z.object({ id: z.string(), name: z.string(), role, scope: scopeSchema, createdAtMs: z.number(), createdBy: z.string(), revokedAtMs: z.number().nullable() }).describe('TokenInfo');

export function tokenRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get('/tokens', { config: { role: 'admin', act: 'listing tokens', wholeFleet: true }, schema: { summary: 'Every token (never the secret)', response: answers({ 200: z.object({ tokens: z.array(info) }) }, 403) } }, async () => ({
      tokens: ctx.tokens.list(),
    }));

    r.post(
      '/tokens',
      {
        config: { role: 'admin', act: 'creating a token', wholeFleet: true },
        schema: {
          summary: 'Create a token; the answer is the only time it is shown',
          description: 'scope (all, region:ID[,region:ID…], org:ID, site:ID) defaults to all; an owner token needs site:ID.',
          body: z.object({ name: z.string().trim().min(1, 'must not be blank').max(100), role, scope: scopeText.optional() }).strict(),
          response: answers({ 200: z.object({ token: z.string(), info }) }, 400, 403),
        },
      },
      async (request) => {
        const scope = request.body.scope ?? ALL_SCOPE;
        const problem = roleScopeProblem(request.body.role, scope) ?? scopeProblem(scope, ctx.scopeTargets);
        if (problem) throw new ApiError(400, `scope: ${problem}`);
        return audited(ctx, request, 'token.create', request.body.name, () => {
          const made = ctx.tokens.create(request.body.name, request.body.role, request.principal!.name, scope);
          return { result: { token: made.token, info: made.info }, detail: { tokenId: made.info.id, role: made.info.role, scope: scopeWords(scope) } };
        });
      },
    );

    r.delete(
      '/tokens/:id',
      { config: { role: 'admin', act: 'revoking a token', wholeFleet: true }, schema: { summary: 'Revoke a token', params: z.object({ id: z.string().min(1).max(100) }), response: answers({ 200: z.object({ token: info }) }, 403, 404, 409) } },
      async (request) => {
        const { id } = request.params;
        const existing = ctx.tokens.get(id);
        if (!existing) throw new ApiError(404, `no token ${id}`);
        return audited(ctx, request, 'token.revoke', id, () => {
          if (!ctx.tokens.revoke(id, request.principal!.name)) throw new ApiError(409, `token ${id} is already revoked`);
          return { result: { token: ctx.tokens.get(id)! }, detail: { name: existing.name, role: existing.role } };
        });
      },
    );
  };
}
