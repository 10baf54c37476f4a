// What every route plugin shares: the dependencies, the read models, and `audited`, which runs an
// officer's action and its audit entry in one SQLite transaction (both happen, or neither).

import type { FastifyRequest } from 'fastify';
import type { AuditLog } from '../../gateway/src/audit/audit-log.js';
import type { AlarmList } from '../../gateway/src/alarms/alarm-list.js';
import type { ApiDeps, ApiOptions } from './deps.js';
import type { LiveState } from './live-state.js';
import type { TokenStore } from './token-store.js';
import { principalOf } from './auth.js';

export interface ApiContext {
  readonly deps: ApiDeps;
  readonly options: ApiOptions;
  readonly clock: () => number;
  readonly audit: AuditLog;
  readonly tokens: TokenStore;
  readonly alarmQuery: AlarmList;
  readonly live: LiveState;
  readonly sites: ReadonlyMap<string, ApiDeps['sites'][number]>;
}

/**
 * Runs `act` and records it as the caller's `action` on `target` in the same transaction, taken
 * IMMEDIATE so that no other writer (the CLI) slips between the chain's read and its append.
 * A refusal thrown by `act` rolls back and records nothing.
 */
export function audited<T>(ctx: ApiContext, request: FastifyRequest, action: string, target: string, act: () => { result: T; detail: Record<string, unknown> }): T {
  const who = principalOf(request);
  const tx = ctx.deps.db.transaction(() => {
    const { result, detail } = act();
    ctx.audit.append({ atMs: ctx.clock(), actor: who.name, action, target, detail: { ...detail, tokenId: who.tokenId, role: who.role } });
    return result;
  });
  return tx.immediate();
}
