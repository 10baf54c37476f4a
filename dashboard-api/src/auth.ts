// Bearer-token authentication and role checks for every /api/v1 route, before validation (so a
// viewer learns "officer needed", not which field it got wrong), and a tighter limit on failed
// attempts per address so tokens cannot be guessed at the general rate. The address is the
// client's as fastify's trustProxy reads it (api.trustedProxies).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { roleAtLeast, type Role, type TokenInfo, type TokenStore } from './token-store.js';

export interface Principal {
  readonly tokenId: string;
  readonly name: string;
  readonly role: Role;
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

export function registerAuth(app: FastifyInstance, tokens: TokenStore, limiter: FailureLimiter): void {
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith(API_PREFIX)) return;
    const token = bearer(request);
    let info: TokenInfo | null = null;
    if (token) info = tokens.verify(token);
    if (!info) {
      // Checked only for a request that fails: a valid token is never refused because someone
      // else behind the same address (a duty room, a reverse proxy) guessed tokens. A token
      // check is one SHA-256 and an indexed read, so verifying before refusing costs nothing.
      const blocked = limiter.blockedFor(request.ip);
      if (blocked > 0) throw new ApiError(429, `too many failed authentications from this address: retry in ${blocked} s`);
      limiter.fail(request.ip);
      throw new ApiError(
        401,
        token === null
          ? 'missing token: send Authorization: Bearer <token> (shaobing token create makes one)'
          : token === ''
            ? 'malformed Authorization header: expected Bearer <token>'
            : 'unknown or revoked token',
      );
    }
    request.principal = { tokenId: info.id, name: info.name, role: info.role };
    const needed = request.routeOptions.config.role ?? 'viewer';
    if (!roleAtLeast(info.role, needed)) throw new ApiError(403, `role ${needed} needed; token ${info.name} is ${info.role}`);
  });
}

/** The caller of an authenticated route (the hook has run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without authentication');
  return request.principal;
}
