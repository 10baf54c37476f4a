// Opens a better-sqlite3 database the way Shaobing needs it: WAL, the chosen synchronous level,
// and a schema migrated by an ordered list of statements recorded in user_version.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageError } from '../errors.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Each entry moves the schema one version up; never edit a shipped entry, append a new one. */
  readonly migrations: readonly string[];
}

export function openDb(file: string, options: OpenOptions): Db {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    migrate(db, options.migrations);
    return db;
  } catch (err) {
    throw new StorageError(`cannot open ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function migrate(db: Db, migrations: readonly string[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new StorageError(`database schema version ${current} is newer than this gateway knows (${migrations.length}): upgrade the gateway`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/**
 * Migrates one module's own tables (notifications, audit, tokens, ...) inside a shared database.
 * Each module keeps its own version row, so modules add tables without renumbering each other's
 * migrations; the same append-only rule holds per module.
 */
export function migrateModule(db: Db, module: string, migrations: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_module (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID');
  const row = db.prepare('SELECT version FROM schema_module WHERE name = ?').get(module) as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > migrations.length) {
    throw new StorageError(`schema of ${module} is version ${current}, newer than this gateway knows (${migrations.length}): upgrade the gateway`);
  }
  const save = db.prepare('INSERT INTO schema_module (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version');
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      save.run(module, version + 1);
    })();
  }
}

/** SQLite's "database or disk is full" (also what a max_page_count limit gives). */
export function isDiskFull(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}
