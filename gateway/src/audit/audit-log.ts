// The audit log of every officer and admin action: append-only, each entry chained to the one
// before by `hash = sha256(prevHash + canonical JSON of the entry)`, so an edited, inserted or
// deleted row breaks the chain at that row and `verify()` names it. (Dropping the newest rows is
// only visible against a head hash kept elsewhere: `head()` gives it to whoever archives it.)

import type { Scope } from '../contract/scope.js';
import { namedScopeSql } from '../registry/scope-named.js';
import { createHash } from 'node:crypto';
import type { Db } from '../store/sqlite.js';
import { migrateModule } from '../store/sqlite.js';
import { canonicalJson } from './canonical-json.js';
import type { AuditEntry, AuditInput, AuditTrail, AuditVerdict } from './audit-trail.js';

export const GENESIS_HASH = '0'.repeat(64);

export type { AuditEntry, AuditInput, AuditVerdict } from './audit-trail.js';

interface Row {
  id: number;
  at_ms: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

const MIGRATIONS = [
  `CREATE TABLE audit_log (
     id INTEGER PRIMARY KEY,
     at_ms INTEGER NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     target TEXT NOT NULL,
     detail TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   -- Append-only for the gateway and for careless hands; the hash chain catches deliberate ones.
   CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
   CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;`,
];

/** The hash of one entry: what is chained is everything a reader relies on, the id included. */
export function entryHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({ id: entry.id, atMs: entry.atMs, actor: entry.actor, action: entry.action, target: entry.target, detail: entry.detail });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

function fromRow(r: Row): AuditEntry {
  return { id: r.id, atMs: r.at_ms, actor: r.actor, action: r.action, target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}

export class AuditLog implements AuditTrail {
  private readonly last;
  private readonly insert;
  private readonly appendTx;

  constructor(private readonly db: Db) {
    migrateModule(db, 'audit', MIGRATIONS);
    this.last = db.prepare('SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1');
    this.insert = db.prepare(
      'INSERT INTO audit_log (id, at_ms, actor, action, target, detail, prev_hash, hash) VALUES (@id, @atMs, @actor, @action, @target, @detail, @prevHash, @hash)',
    );
    this.appendTx = db.transaction((input: AuditInput): AuditEntry => {
      const last = this.last.get() as { id: number; hash: string } | undefined;
      const id = (last?.id ?? 0) + 1;
      const prevHash = last?.hash ?? GENESIS_HASH;
      // Stored as canonical JSON so that what is read back hashes to the same value.
      const detail = JSON.parse(canonicalJson(input.detail)) as Record<string, unknown>;
      const entry = { id, atMs: input.atMs, actor: input.actor, action: input.action, target: input.target, detail };
      const hash = entryHash(prevHash, entry);
      this.insert.run({ ...entry, detail: canonicalJson(detail), prevHash, hash });
      return { ...entry, prevHash, hash };
    });
  }

  /**
   * Appends one entry. Inside a caller's transaction it commits (or rolls back) with the action
   * it records; alone it takes the write lock first (IMMEDIATE), so a second process appending at
   * the same time (the CLI) waits instead of forking the chain.
   */
  append(input: AuditInput): AuditEntry {
    return this.db.inTransaction ? this.appendTx(input) : this.appendTx.immediate(input);
  }

  recorded<T>(act: () => { readonly result: T; readonly entry: AuditInput }): T {
    return this.db
      .transaction(() => {
        const { result, entry } = act();
        this.append(entry);
        return result;
      })
      .immediate();
  }

  /** Newest first; `beforeId` is the cursor (entries with a smaller id). */
  list(limit: number, beforeId?: number, scope?: Scope): AuditEntry[] {
    const params: Record<string, unknown> = { limit };
    const where: string[] = [];
    if (beforeId !== undefined) (where.push('id < @beforeId'), (params.beforeId = beforeId));
    // An entry is about the site its detail names; one naming none (tokens, users) is scope `all`'s.
    if (scope !== undefined && scope.kind !== 'all') {
      where.push(`EXISTS (SELECT 1 FROM (SELECT json_extract(audit_log.detail, '$.site') AS site) about WHERE about.site IS NOT NULL AND ${namedScopeSql(scope, 'about.site', params)})`);
    }
    const rows = this.db.prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`).all(params) as Row[];
    return rows.map(fromRow);
  }

  /** The newest entry's hash: archiving it elsewhere makes truncation of the tail detectable. */
  head(): { id: number; hash: string } | null {
    return (this.last.get() as { id: number; hash: string } | undefined) ?? null;
  }

  /** Walks the whole chain from the first entry; stops at the first entry that does not hold. */
  verify(): AuditVerdict {
    let prevHash = GENESIS_HASH;
    let expectedId = 1;
    let checked = 0;
    for (const row of this.db.prepare('SELECT * FROM audit_log ORDER BY id').iterate() as IterableIterator<Row>) {
      let detail: Record<string, unknown>;
      try {
        detail = JSON.parse(row.detail) as Record<string, unknown>;
      } catch {
        return { ok: false, checked, brokenAt: row.id };
      }
      const entry = { id: row.id, atMs: row.at_ms, actor: row.actor, action: row.action, target: row.target, detail };
      // A gap in the ids is a deleted row; a wrong link or hash is an edited one.
      if (row.id !== expectedId || row.prev_hash !== prevHash || entryHash(prevHash, entry) !== row.hash) {
        return { ok: false, checked, brokenAt: row.id };
      }
      checked++;
      prevHash = row.hash;
      expectedId = row.id + 1;
    }
    return { ok: true, checked, brokenAt: null };
  }
}
