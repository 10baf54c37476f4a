// People who log in to the page and the API: the API's own table in state.db (app_user). A password
// is kept only as its scrypt hash (`scrypt$N$r$p$salt$hash`, broker/src/auth.ts: people choose
// passwords, so unlike a random API token it needs a slow hash). Each user has a role and a scope.

import type { Db } from '../../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../../gateway/src/store/sqlite.js';
import type { Scope } from '../../../gateway/src/contract/scope.js';
import { scopeFromJson } from '../../../gateway/src/contract/scope-text.js';
import type { Role } from '../roles.js';
import type { LockoutState } from './lockout.js';

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
  failed_attempts: number;
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
     failed_attempts INTEGER NOT NULL DEFAULT 0,
     locked_until_ms INTEGER,
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
   CREATE INDEX app_session_created ON app_session (created_at_ms);`,
];

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
    failedAttempts: r.failed_attempts,
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
  private readonly saveLockout;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {
    migrateUsers(db);
    this.byName = db.prepare('SELECT * FROM app_user WHERE name = ?');
    this.saveLockout = db.prepare('UPDATE app_user SET failed_attempts = ?, locked_until_ms = ? WHERE name = ?');
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
      set('failed_attempts', 0);
      set('locked_until_ms', null);
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

  /** Clears the failure count and the lock; false when there is no such user. */
  unlock(name: string): boolean {
    return this.saveLockout.run(0, null, name).changes === 1;
  }

  setLockout(name: string, state: LockoutState): void {
    this.saveLockout.run(state.failures, state.lockedUntilMs, name);
  }

  /** A page of users by name, after `after` (the previous page's last name). */
  /** Users by name; with `within`, only those whose scope it holds (accountsWithinSql), in the query. */
  list(limit: number, after?: string, within?: { readonly sql: string; readonly params: readonly unknown[] }): { users: User[]; next: string | null } {
    const where = [...(after === undefined ? [] : ['name > ?']), ...(within ? [within.sql] : [])];
    const params = [...(after === undefined ? [] : [after]), ...(within?.params ?? [])];
    const rows = this.db.prepare(`SELECT * FROM app_user ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name LIMIT ?`).all(...params, limit + 1) as Row[];
    const page = rows.slice(0, limit).map((r) => publicUser(fromRow(r)));
    return { users: page, next: rows.length > limit ? page[page.length - 1]!.name : null };
  }
}
