// Login sessions (app_session in state.db): a random bearer token handed out at login, stored only
// as its SHA-256 (like API tokens, token-store.ts: 256 random bits need no slow hash), and valid
// until it has been idle too long, reached its absolute age, was ended by logout, or its user was
// disabled. The user's row is read on every check, so a role, scope or disable takes effect at the
// next request, not at the next login.

import { randomBytes } from 'node:crypto';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { hashToken } from '../token-store.js';
import { migrateUsers, UserStore, type UserWithHash } from './user-store.js';

/** Session tokens start with this, API tokens with `sb_`: a log line or a leaked header says which. */
export const SESSION_PREFIX = 'ss_';

export interface SessionRule {
  /** Unused this long, the session ends; 0: never for idleness (a duty room's wall console). */
  readonly idleMs: number;
  /** However used, the session ends this long after login. */
  readonly absoluteMs: number;
}

/** Activity is written at most this often: a page's every call need not be a write. An idle limit
 * is therefore kept to within this much. */
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  readonly id: string;
  readonly userName: string;
  readonly createdAtMs: number;
  /** When it ends at the latest, unused or not. */
  readonly expiresAtMs: number;
}

export type SessionCheck =
  | { readonly ok: true; readonly session: Session; readonly user: UserWithHash }
  | { readonly ok: false; readonly reason: 'expired' | 'ended' | 'disabled' };

interface Row {
  id: string;
  user_name: string;
  created_at_ms: number;
  last_seen_at_ms: number;
  ended_at_ms: number | null;
}

export class SessionStore {
  private readonly byHash;
  private readonly touch;

  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly rule: SessionRule,
    private readonly clock: () => number = Date.now,
  ) {
    migrateUsers(db);
    this.byHash = db.prepare('SELECT id, user_name, created_at_ms, last_seen_at_ms, ended_at_ms FROM app_session WHERE token_hash = ?');
    this.touch = db.prepare('UPDATE app_session SET last_seen_at_ms = ? WHERE id = ?');
  }

  /** A new session for `userName`; the token is returned once and never stored. */
  open(userName: string, address: string): { token: string; session: Session } {
    const now = this.clock();
    const token = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = `ss-${randomBytes(6).toString('hex')}`;
    this.db.transaction(() => {
      // Sessions long past their absolute age are only history: keep the table small.
      this.db.prepare('DELETE FROM app_session WHERE created_at_ms < ?').run(now - this.rule.absoluteMs - 7 * 86_400_000);
      this.db
        .prepare('INSERT INTO app_session (id, token_hash, user_name, created_at_ms, last_seen_at_ms, address) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, hashToken(token), userName, now, now, address);
    })();
    return { token, session: { id, userName, createdAtMs: now, expiresAtMs: now + this.rule.absoluteMs } };
  }

  /** The session of `token`, null when no session has it (it may be an API token). */
  verify(token: string): SessionCheck | null {
    if (!token.startsWith(SESSION_PREFIX)) return null;
    const row = this.byHash.get(hashToken(token)) as Row | undefined;
    if (!row) return null;
    if (row.ended_at_ms !== null) return { ok: false, reason: 'ended' };
    const now = this.clock();
    const idle = this.rule.idleMs > 0 && now - row.last_seen_at_ms > this.rule.idleMs;
    // Not marked ended: every later call (the page makes several at once) must read "expired" too,
    // not "logged out"; an expired session is never touched again, so it stays expired.
    if (idle || now - row.created_at_ms >= this.rule.absoluteMs) return { ok: false, reason: 'expired' };
    const user = this.users.get(row.user_name);
    if (!user || user.disabledAtMs !== null) return { ok: false, reason: 'disabled' };
    if (now - row.last_seen_at_ms >= TOUCH_EVERY_MS) this.touch.run(now, row.id);
    return { ok: true, session: { id: row.id, userName: user.name, createdAtMs: row.created_at_ms, expiresAtMs: row.created_at_ms + this.rule.absoluteMs }, user };
  }

  /** Ends a session (logout, expiry); false when it had already ended. */
  end(id: string): boolean {
    return this.db.prepare('UPDATE app_session SET ended_at_ms = ? WHERE id = ? AND ended_at_ms IS NULL').run(this.clock(), id).changes === 1;
  }

  /** Ends every open session of a user (disabled, password changed) but `except`; the count ended. */
  endAllOf(userName: string, except = ''): number {
    return this.db.prepare('UPDATE app_session SET ended_at_ms = ? WHERE user_name = ? AND id <> ? AND ended_at_ms IS NULL').run(this.clock(), userName, except).changes;
  }
}
