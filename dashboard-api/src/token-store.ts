// API bearer tokens in state.db, stored only as SHA-256 hashes. A token is 32 random bytes
// (256 bits): nobody can guess one or invert its hash, so a slow password hash (scrypt, as for
// device passwords that people choose) would add nothing but cost on every request; a plain
// SHA-256 keeps the lookup one hash and one index probe, and a stolen database gives no token.

//
// Each token carries a scope (gateway/src/contract/scope.ts). A token made before scopes existed
// (scope NULL) sees everything, as it did then.

import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../gateway/src/store/sqlite.js';
import { migrateModule } from '../../gateway/src/store/sqlite.js';
import { ALL_SCOPE, type Scope } from '../../gateway/src/contract/scope.js';
import { scopeFromJson } from '../../gateway/src/contract/scope-text.js';
import type { Role } from './roles.js';

export { ROLES, roleAtLeast, type Role } from './roles.js';

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAtMs: number;
  readonly createdBy: string;
  readonly revokedAtMs: number | null;
  readonly scope: Scope;
}

interface Row {
  id: string;
  name: string;
  role: Role;
  created_at_ms: number;
  created_by: string;
  revoked_at_ms: number | null;
  scope: string | null;
}

const MIGRATIONS = [
  `CREATE TABLE api_token (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'officer', 'admin')),
     token_hash TEXT NOT NULL UNIQUE,
     created_at_ms INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     revoked_at_ms INTEGER,
     revoked_by TEXT
   );`,
  // The owner role and the scope: SQLite cannot change a CHECK, so the table is rebuilt.
  `CREATE TABLE api_token_next (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('viewer', 'owner', 'officer', 'admin')),
     token_hash TEXT NOT NULL UNIQUE,
     created_at_ms INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     revoked_at_ms INTEGER,
     revoked_by TEXT,
     scope TEXT
   );
   INSERT INTO api_token_next (id, name, role, token_hash, created_at_ms, created_by, revoked_at_ms, revoked_by)
     SELECT id, name, role, token_hash, created_at_ms, created_by, revoked_at_ms, revoked_by FROM api_token;
   DROP TABLE api_token;
   ALTER TABLE api_token_next RENAME TO api_token;`,
];

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function fromRow(r: Row): TokenInfo {
  // An unreadable stored scope shows nothing rather than everything.
  const scope = r.scope === null ? ALL_SCOPE : (scopeFromJson(r.scope) ?? { kind: 'regions' as const, regions: [] });
  return { id: r.id, name: r.name, role: r.role, createdAtMs: r.created_at_ms, createdBy: r.created_by, revokedAtMs: r.revoked_at_ms, scope };
}

const COLUMNS = 'id, name, role, created_at_ms, created_by, revoked_at_ms, scope';

export class TokenStore {
  private readonly byHash;
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number = Date.now,
  ) {
    migrateModule(db, 'api-tokens', MIGRATIONS);
    this.byHash = db.prepare(`SELECT ${COLUMNS} FROM api_token WHERE token_hash = ?`);
    this.insert = db.prepare(
      `INSERT INTO api_token (id, name, role, token_hash, created_at_ms, created_by, scope) VALUES (@id, @name, @role, @hash, @atMs, @by, @scope)
       ON CONFLICT (token_hash) DO NOTHING`,
    );
  }

  /** A new token; the token itself is returned once and never stored. */
  create(name: string, role: Role, by: string, scope: Scope = ALL_SCOPE): { token: string; info: TokenInfo } {
    const token = `sb_${randomBytes(32).toString('base64url')}`;
    const info = this.seed(name, role, hashToken(token), by, scope);
    return { token, info };
  }

  /** Records a token known only by its hash (config `api.bootstrapTokens`); an existing one,
   * revoked or not, is left as it is, so a revoked bootstrap token stays revoked. */
  seed(name: string, role: Role, tokenHash: string, by: string, scope: Scope = ALL_SCOPE): TokenInfo {
    const id = `tk-${randomBytes(6).toString('hex')}`;
    this.insert.run({ id, name, role, hash: tokenHash, atMs: this.clock(), by, scope: JSON.stringify(scope) });
    return fromRow(this.byHash.get(tokenHash) as Row);
  }

  /** The live token with this secret, or null for an unknown or revoked one. */
  verify(token: string): TokenInfo | null {
    const row = this.byHash.get(hashToken(token)) as Row | undefined;
    if (!row || row.revoked_at_ms !== null) return null;
    return fromRow(row);
  }

  get(id: string): TokenInfo | null {
    const row = this.db.prepare(`SELECT ${COLUMNS} FROM api_token WHERE id = ?`).get(id) as Row | undefined;
    return row ? fromRow(row) : null;
  }

  list(): TokenInfo[] {
    return (this.db.prepare(`SELECT ${COLUMNS} FROM api_token ORDER BY created_at_ms, id`).all() as Row[]).map(fromRow);
  }

  /** Revokes a token; false when there is no such token or it was already revoked. */
  revoke(id: string, by: string): boolean {
    const result = this.db.prepare('UPDATE api_token SET revoked_at_ms = ?, revoked_by = ? WHERE id = ? AND revoked_at_ms IS NULL').run(this.clock(), by, id);
    return result.changes === 1;
  }
}
