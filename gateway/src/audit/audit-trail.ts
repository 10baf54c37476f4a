// The audit trail as the gateway offers it to a front end: append an officer's action, read the
// chain back, check it, and run an action and its entry in one transaction. The implementation is
// audit-log.ts over state.db; the dashboard never opens the table.

import type { Scope } from '../contract/scope.js';

export interface AuditInput {
  readonly atMs: number;
  /** Who did it: the token's name (or `cli` for the command line). */
  readonly actor: string;
  /** What was done, e.g. `alarm.ack`, `order.lift`, `token.create`. */
  readonly action: string;
  /** What it was done to, e.g. the alarm or order id. */
  readonly target: string;
  readonly detail: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  readonly id: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerdict {
  readonly ok: boolean;
  readonly checked: number;
  /** The first entry whose hash or link does not hold, or null. */
  readonly brokenAt: number | null;
}

export interface AuditTrail {
  append(input: AuditInput): AuditEntry;
  /** Newest first; `beforeId` is the cursor (entries with a smaller id). With a scope other than
   * `all`, only the entries about a site within it (`detail.site`), in the query. */
  list(limit: number, beforeId?: number, scope?: Scope): AuditEntry[];
  /** Walks the whole chain; names the first entry that does not hold. */
  verify(): AuditVerdict;
  /**
   * Runs `act` and appends the entry it returns in one transaction on the state database, taken
   * IMMEDIATE so that no other writer (the command line) slips between the chain's read and its
   * append: both happen, or neither. A refusal thrown by `act` rolls back and records nothing.
   */
  recorded<T>(act: () => { readonly result: T; readonly entry: AuditInput }): T;
}
