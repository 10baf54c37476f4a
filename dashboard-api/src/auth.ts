// Bearer-token authentication and role checks for every /api/v1 route, before validation (so a
// viewer learns "officer needed", not which field it got wrong), and a tighter limit on failed
// attempts per address so tokens cannot be guessed at the general rate. The address is the
// client's as fastify's trustProxy reads it (api.trustedProxies). A bearer is either a person's
// login session (users/session-store.ts, `ss_…`) or an API token (token-store.ts, `sb_…`): both
// come by the same header or `?access_token=`, and both give a role and a scope.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Scope } from '../../gateway/src/contract/scope.js';
import { scopeText } from '../../gateway/src/contract/scope-text.js';
import { ApiError } from './errors.js';
import { roleAtLeast, roleRefusal, type Role } from './roles.js';
import type { TokenStore } from './token-store.js';
import type { SessionStore } from './users/session-store.js';
import { StreamAuthWatch } from './stream-auth-watch.js';

export interface Principal {
  /** The API token's id, or the login session's (`ss-…`): the audit log names it. */
  readonly tokenId: string;
  /** The token's name, or the user's login name. */
  readonly name: string;
  readonly role: Role;
  /** What the caller may see and act on (gateway/src/contract/scope.ts). */
  readonly scope: Scope;
  readonly via: 'token' | 'session';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The least role that may call the route (every /api/v1 route has one; viewer if unset). */
    role?: Role;
    /** The route also takes `?access_token=` (EventSource cannot set headers). */
    queryToken?: boolean;
    /** What the route does, in words, for a refusal: "lifting a stop-work order". */
    act?: string;
    /** No bearer needed (the login itself, which counts its own failures per address). */
    open?: boolean;
    /** Only a caller whose scope is all: who could make accounts and tokens could widen their own
     * scope (a county's admin making a user of scope all), so that stays with the whole fleet's. */
    wholeFleet?: boolean;
  }
}

const API_PREFIX = '/api/';

/** Counts failed authentications per address in fixed windows; bounded in memory. */
export class FailureLimiter {
  private readonly windows = new Map<string, { startMs: number; count: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number,
  ) {}

  /** Seconds to wait when the address is over its limit, else 0. */
  blockedFor(key: string): number {
    const w = this.windows.get(key);
    const now = this.clock();
    if (!w || now - w.startMs >= this.windowMs || w.count < this.max) return 0;
    return Math.ceil((w.startMs + this.windowMs - now) / 1000);
  }

  fail(key: string): void {
    const now = this.clock();
    const w = this.windows.get(key);
    if (w && now - w.startMs < this.windowMs) {
      w.count++;
      return;
    }
    if (this.windows.size >= 10_000) this.prune(now);
    this.windows.set(key, { startMs: now, count: 1 });
  }

  private prune(now: number): void {
    for (const [key, w] of this.windows) if (now - w.startMs >= this.windowMs) this.windows.delete(key);
    // Still full (an address sweep): forget the oldest half rather than grow without bound.
    if (this.windows.size >= 10_000) [...this.windows.keys()].slice(0, 5_000).forEach((k) => this.windows.delete(k));
  }
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1]! : '';
  }
  if (request.routeOptions.config.queryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof token === 'string') return token;
  }
  return null;
}

const SESSION_REFUSALS = {
  expired: { message: 'session expired: log in again', reason: 'session_expired' },
  ended: { message: 'session ended (logged out): log in again', reason: 'session_ended' },
  disabled: { message: 'account disabled: ask an administrator', reason: 'account_disabled' },
} as const;

/** Counts a failure of the address and refuses; 429 once the address is over its limit. */
export function refuseFailure(request: FastifyRequest, limiter: FailureLimiter, status: number, message: string, extra: Record<string, unknown> = {}): ApiError {
  // Checked only for a request that fails: a valid token is never refused because someone
  // else behind the same address (a duty room, a reverse proxy) guessed tokens.
  const blocked = limiter.blockedFor(request.ip);
  if (blocked > 0) return new ApiError(429, `too many failed authentications from this address: retry in ${blocked} s`);
  limiter.fail(request.ip);
  return new ApiError(status, message, extra);
}

function principalFor(token: string, tokens: TokenStore, sessions: SessionStore): Principal | { refused: keyof typeof SESSION_REFUSALS } | null {
  const session = sessions.verify(token);
  if (session) {
    if (!session.ok) return { refused: session.reason };
    const { user } = session;
    return { tokenId: session.session.id, name: user.name, role: user.role, scope: user.scope, via: 'session' };
  }
  const info = tokens.verify(token);
  return info ? { tokenId: info.id, name: info.name, role: info.role, scope: info.scope, via: 'token' } : null;
}

/** Role and scope as text: what a stream's bearer is compared by (stream-auth-watch.ts). */
function standing(p: Principal): string {
  return JSON.stringify([p.role, p.scope]);
}

/** `recheckMs`: how often an open live stream's bearer is checked again (stream-auth-watch.ts). */
export function registerAuth(app: FastifyInstance, tokens: TokenStore, sessions: SessionStore, limiter: FailureLimiter, recheckMs: number): void {
  app.decorateRequest('principal', null);
  const streams = new StreamAuthWatch((token) => {
    const now = principalFor(token, tokens, sessions);
    return now && !('refused' in now) ? standing(now) : null;
  }, recheckMs);
  app.addHook('onClose', async () => streams.close());

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const config = request.routeOptions.config;
    // The login takes a name and password, not a bearer: a stale token the page still holds is no reason to refuse it.
    if (config.open) return;
    const token = bearer(request);
    // A token check is one SHA-256 and an indexed read, so verifying before refusing costs nothing.
    const found = token ? principalFor(token, tokens, sessions) : null;
    if (found && 'refused' in found) {
      // A real session that ran out is no guess: say why, without counting it against the address.
      const why = SESSION_REFUSALS[found.refused];
      throw new ApiError(401, why.message, { reason: why.reason });
    }
    if (!found) {
      throw refuseFailure(
        request,
        limiter,
        401,
        token === null
          ? 'missing token: send Authorization: Bearer <token> (log in with POST /api/v1/session, or shaobing token create makes one)'
          : token === ''
            ? 'malformed Authorization header: expected Bearer <token>'
            : 'unknown or revoked token',
      );
    }
    request.principal = found;
    const needed = config.role ?? 'viewer';
    if (!roleAtLeast(found.role, needed)) throw new ApiError(403, roleRefusal(needed, config.act, found.name, found.role), { needed, role: found.role });
    if (config.wholeFleet && found.scope.kind !== 'all') {
      throw new ApiError(403, `${config.act ?? 'this request'} needs an administrator of the whole fleet (scope all); ${found.name} has scope ${scopeText(found.scope)}`, { needed, scope: found.scope });
    }
    // The live stream (the one route that takes ?access_token=) outlives this check: keep checking it.
    if (config.queryToken && token) streams.watch(reply.raw, token, standing(found));
  });
}

/** The caller of an authenticated route (the hook has run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
}
