// People's accounts for admins: list (paged by name), create, change (role, scope, password,
// disable, unlock). Each change is audited; a password is taken, hashed, and never answered or logged.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hashPassword } from '../../../broker/src/auth.js';
import { ALL_SCOPE } from '../../../gateway/src/contract/scope.js';
import { scopeText as scopeWords } from '../../../gateway/src/contract/scope-text.js';
import { audited, type ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { answers, limitQuery, role } from '../schemas.js';
import { password, scopeText, userName, userSchema } from '../users/user-schemas.js';
import { publicUser, type UserChange } from '../users/user-store.js';
import { roleScopeProblem, scopeProblem } from '../users/scope-check.js';

const displayName = z.string().trim().min(1, 'must not be blank').max(100);
const phone = z.string().trim().regex(/^\+?[0-9 -]{5,20}$/, 'a phone number: digits, spaces, -, an optional leading +');

const createBody = z
  .object({ name: userName, displayName, password, role, scope: scopeText.optional(), phone: phone.optional() })
  .strict()
  .describe('NewUser: scope defaults to all, except an owner, who needs site:ID');

const changeBody = z
  .object({ displayName: displayName.optional(), password: password.optional(), role: role.optional(), scope: scopeText.optional(), phone: phone.nullable().optional(), disabled: z.boolean().optional(), unlock: z.literal(true).optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: 'nothing to change' });

export function userRoutes(ctx: ApiContext) {
  function checkScope(r: string, scope: Parameters<typeof scopeProblem>[0]): void {
    const problem = roleScopeProblem(r, scope) ?? scopeProblem(scope, ctx.scopeTargets);
    if (problem) throw new ApiError(400, `scope: ${problem}`);
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/users',
      {
        config: { role: 'admin', act: 'listing users', wholeFleet: true },
        schema: {
          summary: 'Users by name, a page at a time (never a password)',
          querystring: z.object({ limit: limitQuery(500, 100), after: z.string().max(64).optional() }).strict(),
          response: answers({ 200: z.object({ users: z.array(userSchema), next: z.string().nullable() }) }, 400, 403),
        },
      },
      async (request) => ctx.users.list(request.query.limit, request.query.after),
    );

    r.post(
      '/users',
      { config: { role: 'admin', act: 'creating a user', wholeFleet: true }, schema: { summary: 'Create a user', body: createBody, response: answers({ 200: z.object({ user: userSchema }) }, 400, 403, 409) } },
      async (request) => {
        const body = request.body;
        const scope = body.scope ?? ALL_SCOPE;
        checkScope(body.role, scope);
        if (body.password.toLowerCase() === body.name.toLowerCase()) throw new ApiError(400, 'password: must not be the user name');
        const passwordHash = await hashPassword(body.password);
        return audited(ctx, request, 'user.create', body.name, () => {
          if (!ctx.users.create({ name: body.name, displayName: body.displayName, passwordHash, role: body.role, scope, phone: body.phone ?? null }, request.principal!.name)) {
            throw new ApiError(409, `user ${body.name} exists already (names do not differ by case)`);
          }
          return { result: { user: publicUser(ctx.users.get(body.name)!) }, detail: { role: body.role, scope: scopeWords(scope) } };
        });
      },
    );

    r.patch(
      '/users/:name',
      {
        config: { role: 'admin', act: 'changing a user', wholeFleet: true },
        schema: {
          summary: 'Change a user: display name, password, role, scope, phone, disabled; unlock: true clears a lockout',
          params: z.object({ name: z.string().min(1).max(64) }),
          body: changeBody,
          response: answers({ 200: z.object({ user: userSchema }) }, 400, 403, 404),
        },
      },
      async (request) => {
        const { name } = request.params;
        const existing = ctx.users.get(name);
        if (!existing) throw new ApiError(404, `no user ${name}`);
        const body = request.body;
        checkScope(body.role ?? existing.role, body.scope ?? existing.scope);
        if (body.password !== undefined && body.password.toLowerCase() === existing.name.toLowerCase()) throw new ApiError(400, 'password: must not be the user name');
        const passwordHash = body.password === undefined ? undefined : await hashPassword(body.password);
        const change: UserChange = { displayName: body.displayName, passwordHash, role: body.role, scope: body.scope, phone: body.phone, disabled: body.disabled };
        return audited(ctx, request, 'user.change', existing.name, () => {
          ctx.users.update(existing.name, change);
          if (body.unlock) ctx.users.unlock(existing.name);
          // A new password or a disable ends the sessions opened with the old state of the account.
          const ended = passwordHash !== undefined || body.disabled === true ? ctx.sessions.endAllOf(existing.name) : 0;
          const detail: Record<string, unknown> = {
            ...(body.displayName !== undefined ? { displayName: body.displayName } : {}),
            ...(body.role !== undefined ? { role: body.role, was: existing.role } : {}),
            ...(body.scope !== undefined ? { scope: scopeWords(body.scope), wasScope: scopeWords(existing.scope) } : {}),
            ...(body.phone !== undefined ? { phone: body.phone } : {}),
            ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
            ...(passwordHash !== undefined ? { password: 'changed' } : {}),
            ...(body.unlock ? { unlocked: true } : {}),
            ...(ended > 0 ? { sessionsEnded: ended } : {}),
          };
          return { result: { user: publicUser(ctx.users.get(existing.name)!) }, detail };
        });
      },
    );
  };
}
