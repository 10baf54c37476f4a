// One gateway per data directory. Two gateways on the same state.db would both resend stop-work
// commands, both deliver the same notifications and both move the same alarms. The lock is an
// exclusive SQLite lock (an OS file lock) on `gateway.lock`: the kernel drops it when the process
// dies, so a gateway killed with SIGKILL never leaves a lock behind that blocks its restart.

import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StorageError } from '../errors.js';

export const LOCK_FILE = 'gateway.lock';
/** Beside the lock, for the refusal message only: the lock file itself cannot be read while held. */
export const PID_FILE = 'gateway.pid';

/** The data directory is held by another running gateway. */
export class DataDirInUse extends StorageError {
  override readonly code = 'DATA_DIR_IN_USE';
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const db = new Database(file, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the write lock of the first write until the connection closes.
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since_ms INTEGER); DELETE FROM holder;');
    db.prepare('INSERT INTO holder VALUES (?, ?)').run(process.pid, Date.now());
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      const holder = readHolder(dataDir);
      throw new DataDirInUse(
        `data directory ${dataDir} is in use by another running gateway${holder ? ` (pid ${holder})` : ''} (storage.dataDir): stop it first, or give this one another storage.dataDir (or SHAOBING_STORAGE__DATA_DIR)`,
        { cause: err },
      );
    }
    throw err;
  }
  try {
    writeFileSync(join(dataDir, PID_FILE), `${process.pid}\n`);
  } catch {
    // The pid file only improves the message a second gateway prints; the lock is what holds.
  }
  return { release: () => db.open && db.close() };
}

function readHolder(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
