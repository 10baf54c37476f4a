// The broker's verified-login digests (broker/src/login-digests.ts) in state.db, so a restart or
// an upgrade does not make every device pay a full scrypt again: 10 000 kitchens reconnecting
// then cost an HMAC and an indexed read each. Writes are gathered and committed together, off
// the login path; a digest lost in a crash costs that device one scrypt at its next login.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { migrateModule, type Db } from './sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE broker_login_digest (
     username TEXT PRIMARY KEY,
     digest BLOB NOT NULL,
     verified_at_ms INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

/** Pending digests are committed this long after the first of them: one transaction per storm second. */
const FLUSH_AFTER_MS = 500;
const KEY_BYTES = 32;

/**
 * The digests' HMAC key, in its own file beside state.db (mode 0600): a copy of state.db alone
 * (a support bundle, a backup of the database) is then no table for guessing passwords offline.
 * A missing or unreadable key is replaced, which only makes every device pay one scrypt again.
 */
export function loadDigestKey(dataDir: string, log: Logger): Buffer {
  const file = join(dataDir, 'broker-login.key');
  if (existsSync(file)) {
    const key = readFileSync(file);
    if (key.length === KEY_BYTES) return key;
    log.warn({ file, bytes: key.length }, 'login digest key has the wrong length: a new key is made, devices pay one scrypt each at their next login');
  }
  const key = randomBytes(KEY_BYTES);
  writeFileSync(file, key, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

/** Has the shape of the broker's LoginDigestStore (it is passed to the broker by ingress-from-config.ts); the store imports no broker code. */
export class SqliteLoginDigests {
  private readonly select;
  private readonly upsert;
  private readonly countRows;
  private readonly remove;
  private readonly pending = new Map<string, Buffer>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: () => number,
    private readonly log: Logger,
  ) {
    migrateModule(db, 'broker_login', MIGRATIONS);
    this.select = db.prepare<[string], { digest: Buffer }>('SELECT digest FROM broker_login_digest WHERE username = ?');
    this.upsert = db.prepare('INSERT INTO broker_login_digest (username, digest, verified_at_ms) VALUES (?, ?, ?) ON CONFLICT (username) DO UPDATE SET digest = excluded.digest, verified_at_ms = excluded.verified_at_ms');
    this.countRows = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM broker_login_digest');
    this.remove = db.prepare<[string]>('DELETE FROM broker_login_digest WHERE username = ?');
  }

  get(username: string): Buffer | undefined {
    const pending = this.pending.get(username);
    if (pending !== undefined) return pending;
    if (!this.db.open) return undefined;
    return this.select.get(username)?.digest;
  }

  put(username: string, digest: Buffer): void {
    this.pending.set(username, digest);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS).unref();
  }

  /**
   * Removed or re-keyed devices: their digests go at once, not at the next flush, so no restart
   * brings them back; one transaction (one fsync) for a whole fleet change, not one per device.
   */
  forget(usernames: readonly string[]): void {
    for (const username of usernames) this.pending.delete(username);
    if (!this.db.open) return;
    try {
      this.db.transaction(() => {
        for (const username of usernames) this.remove.run(username);
      })();
    } catch (err) {
      // The digest also covers the old password hash, so a re-keyed device's row matches nothing
      // new; a removed device's row matches only if it comes back with the same password hash,
      // which is then valid anyway.
      this.log.warn({ err, accounts: usernames.length }, 'login digests of revoked accounts not deleted');
    }
  }

  get size(): number {
    return this.db.open ? this.countRows.get()!.n + this.pending.size : this.pending.size;
  }

  /** Commits the pending digests; called by the timer, and by tests. */
  flush(): void {
    this.timer = null;
    if (this.pending.size === 0) return;
    // The gateway stopped and closed state.db meanwhile: these devices pay one scrypt next time.
    if (!this.db.open) return this.pending.clear();
    const rows = [...this.pending];
    const atMs = this.clock();
    try {
      this.db.transaction(() => {
        for (const [username, digest] of rows) this.upsert.run(username, digest, atMs);
      })();
      for (const [username, digest] of rows) if (this.pending.get(username) === digest) this.pending.delete(username);
    } catch (err) {
      // A full disk or a locked file: logins still work from memory; try again with the next put.
      this.log.warn({ err, pending: this.pending.size }, 'login digests not saved');
      if (this.pending.size > 100_000) this.pending.clear();
    }
  }
}
