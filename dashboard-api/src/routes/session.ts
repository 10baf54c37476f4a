// Logging in and out: POST /session takes a name and password and answers a session token (the
// page then sends it as any bearer token); DELETE /session ends the caller's session. A wrong name
// and a wrong password get the same answer after the same work (users/password-login.ts).

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, refuseFailure } from '../auth.js';
import { ApiError } from '../errors.js';
import type { ApiContext } from '../context.js';
import { answers, role } from '../schemas.js';
import { password, scopeSchema } from '../users/user-schemas.js';
import { hashPassword } from '../../../broker/src/auth.js';

const loginBody = z.object({ name: z.string().trim().min(1, 'must not be blank').max(64), password: z.string().min(1, 'must not be blank').max(256) }).strict();

const sessionAnswer = z.object({
  token: z.string(),
  session: z.object({ id: z.string(), expiresAtMs: z.number(), idleMinutes: z.number() }),
  user: z.object({ name: z.string(), displayName: z.string(), role, scope: scopeSchema }),
});

/** 423 with Retry-After: the page says 账户已锁定，请 N 分钟后再试 from retryAfterS. */
function locked(reply: FastifyReply, retryInMs: number): ApiError {
  const retryAfterS = Math.ceil(retryInMs / 1000);
  void reply.header('retry-after', String(retryAfterS));
  return new ApiError(423, `account locked after repeated failed logins: retry in ${Math.ceil(retryAfterS / 60)} min, or ask an administrator to unlock it`, { reason: 'locked', retryAfterS });
}

export function sessionRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/session',
      {
        config: { open: true },
        schema: {
          summary: 'Log in with name and password; the token answered is sent as `Authorization: Bearer` until it expires or DELETE /session',
          description: `Locked after ${ctx.options.lockout.maxFailures} wrong passwords in a row for ${ctx.options.lockout.lockMinutes} min (423, retryAfterS).`,
          body: loginBody,
          response: answers({ 200: sessionAnswer }, 400, 423, 429),
        },
      },
      async (request, reply) => {
        const { name, password } = request.body;
        const blocked = ctx.failures.blockedFor(request.ip);
        // Before the scrypt work: a guessing address is refused at the price of a map lookup.
        if (blocked > 0) throw new ApiError(429, `too many failed authentications from this address: retry in ${blocked} s`);
        const outcome = await ctx.login.check(name, password, request.ip);
        // Every refusal is a security event to keep (GB/T 22239-2019 8.1.4.3): who was tried, from where, why.
        if (!outcome.ok) request.log.info({ user: name, address: request.ip, reason: outcome.reason }, 'login refused');
        if (!outcome.ok && outcome.reason === 'locked') {
          if (outcome.lockedNow) {
            const { user } = outcome.lockedNow;
            ctx.audit.append({ atMs: ctx.clock(), actor: user, action: 'user.locked', target: user, detail: { failures: ctx.options.lockout.maxFailures, lockMinutes: ctx.options.lockout.lockMinutes, address: request.ip } });
            request.log.warn({ user, address: request.ip }, 'account locked after repeated wrong passwords');
          }
          throw locked(reply, outcome.retryInMs);
        }
        if (!outcome.ok && outcome.reason === 'disabled') throw new ApiError(403, 'account disabled: ask an administrator', { reason: 'account_disabled' });
        if (!outcome.ok) throw refuseFailure(request, ctx.failures, 401, 'wrong name or password', { reason: 'bad_credentials' });
        const { user } = outcome;
        const opened = ctx.audit.recorded(() => {
          const made = ctx.sessions.open(user.name, request.ip);
          return { result: made, entry: { atMs: ctx.clock(), actor: user.name, action: 'session.login', target: user.name, detail: { sessionId: made.session.id, role: user.role, address: request.ip } } };
        });
        return {
          token: opened.token,
          session: { id: opened.session.id, expiresAtMs: opened.session.expiresAtMs, idleMinutes: ctx.options.sessions.idleMinutes },
          user: { name: user.name, displayName: user.displayName, role: user.role, scope: user.scope },
        };
      },
    );

    r.post(
      '/me/password',
      {
        config: { role: 'viewer' },
        schema: {
          summary: "Change one's own password (a login session only); the current one is checked as at login and counts toward the lockout",
          body: z.object({ current: z.string().min(1, 'must not be blank').max(256), password }).strict(),
          response: answers({ 200: z.object({ changed: z.literal(true), sessionsEnded: z.number().int() }) }, 400, 409, 423),
        },
      },
      async (request, reply) => {
        const who = principalOf(request);
        if (who.via !== 'session') throw new ApiError(409, 'an API token has no password: log in as the person to change it');
        const { current, password: next } = request.body;
        if (next === current) throw new ApiError(400, 'password: the new password is the current one');
        if (next.toLowerCase() === who.name.toLowerCase()) throw new ApiError(400, 'password: must not be the user name');
        const outcome = await ctx.login.check(who.name, current, request.ip);
        if (!outcome.ok && outcome.reason === 'locked') {
          // Wrong current passwords from a stolen session lock the account like wrong logins, and end its sessions.
          ctx.audit.recorded(() => ({
            result: ctx.sessions.endAllOf(who.name),
            entry: { atMs: ctx.clock(), actor: who.name, action: 'user.locked', target: who.name, detail: { by: 'password change', address: request.ip } },
          }));
          throw locked(reply, outcome.retryInMs);
        }
        if (!outcome.ok) throw new ApiError(400, 'current: not the current password', { reason: 'bad_credentials' });
        const passwordHash = await hashPassword(next);
        const ended = ctx.audit.recorded(() => {
          ctx.users.update(who.name, { passwordHash });
          // Sessions opened with the old password end; this one goes on.
          const n = ctx.sessions.endAllOf(who.name, who.tokenId);
          return { result: n, entry: { atMs: ctx.clock(), actor: who.name, action: 'user.password', target: who.name, detail: { sessionsEnded: n } } };
        });
        return { changed: true as const, sessionsEnded: ended };
      },
    );

    r.delete(
      '/session',
      { config: { role: 'viewer' }, schema: { summary: 'Log out: the session token stops working at once', response: answers({ 200: z.object({ ended: z.literal(true) }) }, 409) } },
      async (request) => {
        const who = principalOf(request);
        if (who.via !== 'session') throw new ApiError(409, 'an API token is not a login session: an admin revokes it (DELETE /api/v1/tokens/:id, shaobing token revoke)');
        ctx.audit.recorded(() => {
          ctx.sessions.end(who.tokenId);
          return { result: null, entry: { atMs: ctx.clock(), actor: who.name, action: 'session.logout', target: who.name, detail: { sessionId: who.tokenId } } };
        });
        return { ended: true as const };
      },
    );
  };
}
