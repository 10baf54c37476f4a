// What every route plugin shares: the dependencies, the read models, and `audited`, which runs an
// officer's action and its audit entry in one SQLite transaction (both happen, or neither).

import type { FastifyRequest } from 'fastify';
import type { AuditTrail } from '../../gateway/src/audit/audit-trail.js';
import type { AlarmList } from '../../gateway/src/alarms/alarm-list.js';
import type { ApiDeps, ApiOptions } from './deps.js';
import type { LiveState } from './live-state.js';
import type { TokenStore } from './token-store.js';
import type { UserStore } from './users/user-store.js';
import type { SessionStore } from './users/session-store.js';
import type { PasswordLogin } from './users/password-login.js';
import type { FailureLimiter } from './auth.js';
import type { ScopeTargets } from './users/scope-check.js';
import { principalOf } from './auth.js';
import type { ScopeReader } from '../../gateway/src/registry/scope-reader.js';

export interface ApiContext {
  readonly deps: ApiDeps;
  readonly options: ApiOptions;
  readonly clock: () => number;
  readonly audit: AuditTrail;
  readonly tokens: TokenStore;
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly login: PasswordLogin;
  /** Failed authentications per address (a wrong password counts like an unknown token). */
  readonly failures: FailureLimiter;
  /** What a scope given to a user or token may name. */
  readonly scopeTargets: ScopeTargets;
  readonly alarmQuery: AlarmList;
  readonly live: LiveState;
  readonly sites: ReadonlyMap<string, ApiDeps['sites'][number]>;
  /** Whether a site is within a caller's scope (scope-of.ts), asked in SQL. */
  readonly scopes: ScopeReader;
}

/**
 * Runs `act` and records it as the caller's `action` on `target` in the same transaction
 * (AuditTrail.recorded): both happen, or neither. A refusal thrown by `act` records nothing.
 */
export function audited<T>(ctx: ApiContext, request: FastifyRequest, action: string, target: string, act: () => { result: T; detail: Record<string, unknown> }): T {
  const who = principalOf(request);
  return ctx.audit.recorded(() => {
    const { result, detail } = act();
    return { result, entry: { atMs: ctx.clock(), actor: who.name, action, target, detail: { ...detail, tokenId: who.tokenId, role: who.role } } };
  });
}
