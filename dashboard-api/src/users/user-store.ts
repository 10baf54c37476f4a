// People who log in to the page and the API: the API's own table in state.db (app_user). A password
// is kept only as its scrypt hash (`scrypt$N$r$p$salt$hash`, broker/src/auth.ts: people choose
// passwords, so unlike a random API token it needs a slow hash). Each user has a role and a scope.
// Failed logins are counted in login_failure by the name tried, whether a user has it or not: a
// wrong password and an unknown name then read and write the same rows the same way, so not even
// the time of a database write tells whether an account exists.

import type { Db } from '../../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../../gateway/src/store/sqlite.js';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import { scopeFromJson } from '../../../gateway/src/contract/scope-text.js';
import type { Role } from '../roles.js';
import { UNLOCKED, type LockoutState } from './lockout.js';

/** Login names: what people type, so letters, digits and . _ - @ (an e-mail address fits). */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface User {
  readonly name: string;
  readonly displayName: string;
  readonly role: Role;
  readonly scope: Scope;
  /** Where the person is reached (an owner receives its site's notifications), or null. */
  readonly phone: string | null;
  readonly failedAttempts: number;
  readonly lockedUntilMs: number | null;
  readonly disabledAtMs: number | null;
  readonly createdAtMs: number;
  readonly createdBy: string;
  readonly updatedAtMs: number;
}

/** A user with the hash, for the login check only; never served. */
export interface UserWithHash extends User {
  readonly passwordHash: string;
}

interface Row {
  name: string;
  display_name: string;
  password_hash: string;
  role: Role;
  scope: string;
  phone: string | null;
  failures: number | null;
  locked_until_ms: number | null;
  disabled_at_ms: number | null;
  created_at_ms: number;
  created_by: string;
  updated_at_ms: number;
}

const MIGRATIONS = [
  `CREATE TABLE app_user (
     name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
     display_name TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'owner', 'officer', 'admin')),
     scope TEXT NOT NULL,
     phone TEXT,
     disabled_at_ms INTEGER,
     created_at_ms INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     updated_at_ms INTEGER NOT NULL
   );
   CREATE TABLE app_session (
     id TEXT PRIMARY KEY,
     token_hash TEXT NOT NULL UNIQUE,
     user_name TEXT NOT NULL COLLATE NOCASE REFERENCES app_user (name),
     created_at_ms INTEGER NOT NULL,
     last_seen_at_ms INTEGER NOT NULL,
     ended_at_ms INTEGER,
     address TEXT
   );
   CREATE INDEX app_session_user ON app_session (user_name) WHERE ended_at_ms IS NULL;
   CREATE INDEX app_session_created ON app_session (created_at_ms);
   CREATE TABLE login_failure (
     name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
     failures INTEGER NOT NULL,
     locked_until_ms INTEGER,
     updated_at_ms INTEGER NOT NULL
   );
   CREATE INDEX login_failure_updated ON login_failure (updated_at_ms);`,
];

const SELECT = `SELECT u.*, f.failures, f.locked_until_ms FROM app_user u LEFT JOIN login_failure f ON f.name = u.name`;

/** Creates the users' and sessions' tables (both stores call it; it runs once). */
export function migrateUsers(db: Db): void {
  migrateModule(db, 'users', MIGRATIONS);
}

function fromRow(r: Row): UserWithHash {
  return {
    name: r.name,
    displayName: r.display_name,
    role: r.role,
    // An unreadable stored scope shows nothing rather than everything.
    scope: scopeFromJson(r.scope) ?? { kind: 'regions', regions: [] },
    phone: r.phone,
    failedAttempts: r.failures ?? 0,
    lockedUntilMs: r.locked_until_ms,
    disabledAtMs: r.disabled_at_ms,
    createdAtMs: r.created_at_ms,
    createdBy: r.created_by,
    updatedAtMs: r.updated_at_ms,
    passwordHash: r.password_hash,
  };
}

/** The user without the hash, for answers and listings. */
export function publicUser(u: UserWithHash): User {
  const { passwordHash: _hidden, ...rest } = u;
  return rest;
}

export interface NewUser {
  readonly name: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly role: Role;
  readonly scope: Scope;
  readonly phone?: string | null | undefined;
}

export interface UserChange {
  readonly displayName?: string | undefined;
  readonly passwordHash?: string | undefined;
  readonly role?: Role | undefined;
  readonly scope?: Scope | undefined;
  readonly phone?: string | null | undefined;
  readonly disabled?: boolean | undefined;
}

export class UserStore {
  private readonly byName;
  private readonly lockoutRow;
  private readonly saveLockout;
  private readonly forgetFailures;
  private readonly pruneFailures;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {
    migrateUsers(db);
    this.byName = db.prepare(`${SELECT} WHERE u.name = ?`);
    this.lockoutRow = db.prepare('SELECT failures, locked_until_ms FROM login_failure WHERE name = ?');
    this.saveLockout = db.prepare(
      `INSERT INTO login_failure (name, failures, locked_until_ms, updated_at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET failures = excluded.failures, locked_until_ms = excluded.locked_until_ms, updated_at_ms = excluded.updated_at_ms`,
    );
    this.forgetFailures = db.prepare('DELETE FROM login_failure WHERE name = ?');
    this.pruneFailures = db.prepare('DELETE FROM login_failure WHERE updated_at_ms < ? AND coalesce(locked_until_ms, 0) < ?');
  }

  get(name: string): UserWithHash | null {
    const row = this.byName.get(name) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  /** False when the name is taken (names compare without case: "Li" and "li" are one person). */
  create(user: NewUser, by: string): boolean {
    const now = this.clock();
    const result = this.db
      .prepare(
        `INSERT INTO app_user (name, display_name, password_hash, role, scope, phone, created_at_ms, created_by, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`,
      )
      .run(user.name, user.displayName, user.passwordHash, user.role, JSON.stringify(user.scope), user.phone ?? null, now, by, now);
    return result.changes === 1;
  }

  /** Applies the change; false when there is no such user. Disabling ends the user's sessions (the
   * session check reads the user's row on every request). A new password also unlocks. */
  update(name: string, change: UserChange): boolean {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (change.displayName !== undefined) set('display_name', change.displayName);
    if (change.passwordHash !== undefined) {
      set('password_hash', change.passwordHash);
      this.forgetFailures.run(name);
    }
    if (change.role !== undefined) set('role', change.role);
    if (change.scope !== undefined) set('scope', JSON.stringify(change.scope));
    if (change.phone !== undefined) set('phone', change.phone);
    if (change.disabled === true) {
      sets.push('disabled_at_ms = coalesce(disabled_at_ms, ?)');
      params.push(this.clock());
    }
    if (change.disabled === false) sets.push('disabled_at_ms = NULL');
    set('updated_at_ms', this.clock());
    return this.db.prepare(`UPDATE app_user SET ${sets.join(', ')} WHERE name = ?`).run(...params, name).changes === 1;
  }

  /** Clears the failure count and the lock of a user; false when there is no such user. */
  unlock(name: string): boolean {
    if (!this.byName.get(name)) return false;
    this.forgetFailures.run(name);
    return true;
  }

  /** The failures and lock of a name tried at login, a user's or not. */
  lockoutOf(name: string): LockoutState {
    const row = this.lockoutRow.get(name) as { failures: number; locked_until_ms: number | null } | undefined;
    return row ? { failures: row.failures, lockedUntilMs: row.locked_until_ms } : UNLOCKED;
  }

  /** Records the failures and lock of a name tried (the same write for a user's name and any other),
   * and forgets those of names untried for a day and not locked: made-up names do not pile up. */
  setLockout(name: string, state: LockoutState, nowMs: number): void {
    this.db.transaction(() => {
      this.saveLockout.run(name, state.failures, state.lockedUntilMs, nowMs);
      this.pruneFailures.run(nowMs - 86_400_000, nowMs);
    })();
  }

  /** After a good password: the count starts again. */
  clearFailures(name: string): void {
    this.forgetFailures.run(name);
  }

  /** A page of users by name, after `after` (the previous page's last name). */
  list(limit: number, after?: string): { users: User[]; next: string | null } {
    const rows = (
      after === undefined
        ? this.db.prepare(`${SELECT} ORDER BY u.name LIMIT ?`).all(limit + 1)
        : this.db.prepare(`${SELECT} WHERE u.name > ? ORDER BY u.name LIMIT ?`).all(after, limit + 1)
    ) as Row[];
    const page = rows.slice(0, limit).map((r) => publicUser(fromRow(r)));
    return { users: page, next: rows.length > limit ? page[page.length - 1]!.name : null };
  }
}
