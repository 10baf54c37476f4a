// The journal database: every accepted reading and every dead letter, one row per message, in
// arrival order and without a secondary index (an index on the ack path measured 4–10× slower).
// Time-series sinks drain it by rowid cursor; the embedded store keeps its `sample` tables here too.

import { join } from 'node:path';
import { openDb, type Db } from './sqlite.js';

/** A reading as the journal stores it (table `reading`). */
export interface JournalReading {
  readonly site: string;
  readonly device: string;
  readonly seq: number;
  readonly tsMs: number;
  readonly receivedMs: number;
  /** JSON of the validated readings, channel → value. */
  readonly readingsJson: string;
  readonly metaJson: string | null;
}

/** A message refused at decode, as the journal stores it (table `dead_letter`). */
export interface JournalDeadLetter {
  readonly site: string;
  readonly device: string;
  readonly topic: string;
  readonly reason: string;
  readonly detail: string;
  readonly receivedMs: number;
  readonly payload: Buffer;
}

const MIGRATIONS = [
  `CREATE TABLE reading (
     id INTEGER PRIMARY KEY,
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     seq INTEGER NOT NULL,
     ts_ms INTEGER NOT NULL,
     received_ms INTEGER NOT NULL,
     readings TEXT NOT NULL,
     meta TEXT
   );
   CREATE TABLE ingest_cursor (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     last_seq INTEGER NOT NULL,
     last_ts_ms INTEGER NOT NULL,
     PRIMARY KEY (site, device)
   ) WITHOUT ROWID;
   CREATE TABLE dead_letter (
     id INTEGER PRIMARY KEY,
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     topic TEXT NOT NULL,
     reason TEXT NOT NULL,
     detail TEXT NOT NULL,
     received_ms INTEGER NOT NULL,
     payload BLOB NOT NULL
   );
   CREATE TABLE sink_cursor (
     sink TEXT PRIMARY KEY,
     last_id INTEGER NOT NULL
   );
   CREATE TABLE sample (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     ts_ms INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     readings TEXT NOT NULL,
     PRIMARY KEY (site, device, ts_ms, seq)
   ) WITHOUT ROWID;`,
  // A rowid table hands out max(id)+1, so pruning every row would restart ids at 1,
  // below the sinks' cursors: the newest row is never deleted. sink_stats keeps what a sink dropped
  // (spool overflow) or InfluxDB refused, across restarts. sample_1m holds one-minute aggregates
  // of raw samples past their retention (SqliteTelemetryStore.maintain).
  `CREATE TRIGGER reading_keep_newest BEFORE DELETE ON reading
     WHEN old.id = (SELECT max(id) FROM reading)
   BEGIN SELECT RAISE(IGNORE); END;
   CREATE TABLE sink_stats (
     sink TEXT PRIMARY KEY,
     dropped INTEGER NOT NULL DEFAULT 0,
     rejected INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE sample_1m (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     channel TEXT NOT NULL,
     bucket_ms INTEGER NOT NULL,
     n INTEGER NOT NULL,
     sum REAL NOT NULL,
     min REAL NOT NULL,
     max REAL NOT NULL,
     last REAL NOT NULL,
     last_ts_ms INTEGER NOT NULL,
     last_seq INTEGER NOT NULL,
     PRIMARY KEY (site, device, channel, bucket_ms)
   ) WITHOUT ROWID;`,
  // sample_1m_live: one-minute aggregates of the raw samples still held, kept by the drain
  // (sqlite-history-minutes.ts; sample_1m_dirty lists minutes whose parts are still in memory), so
  // 1m/1h history reads one row a minute instead of every sample (sqlite-history.ts). Retention moves whole minutes from it into sample_1m as it
  // deletes their samples. The backfill covers samples stored before this version; a minute the
  // old retention had half folded keeps its folded half in sample_1m, and the two merge.
  `CREATE TABLE sample_1m_live (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     channel TEXT NOT NULL,
     bucket_ms INTEGER NOT NULL,
     n INTEGER NOT NULL,
     sum REAL NOT NULL,
     min REAL NOT NULL,
     max REAL NOT NULL,
     last REAL NOT NULL,
     last_ts_ms INTEGER NOT NULL,
     last_seq INTEGER NOT NULL,
     PRIMARY KEY (site, device, channel, bucket_ms)
   ) WITHOUT ROWID;
   CREATE TABLE sample_1m_dirty (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     bucket_ms INTEGER NOT NULL,
     PRIMARY KEY (site, device, bucket_ms)
   ) WITHOUT ROWID;
   INSERT INTO sample_1m_live (site, device, channel, bucket_ms, n, sum, min, max, last, last_ts_ms, last_seq)
   SELECT site, device, channel, b, n, s, mn, mx, lv, lt, ls FROM (
     SELECT x.site, x.device, j.key AS channel, x.ts_ms - x.ts_ms % 60000 AS b,
       j.value AS lv, x.ts_ms AS lt, x.seq AS ls,
       count(*) OVER p AS n, sum(j.value) OVER p AS s, min(j.value) OVER p AS mn, max(j.value) OVER p AS mx,
       row_number() OVER (PARTITION BY x.site, x.device, j.key, x.ts_ms - x.ts_ms % 60000 ORDER BY x.ts_ms DESC, x.seq DESC) AS k
     FROM sample x, json_each(x.readings) j
     WHERE j.type IN ('integer', 'real')
     WINDOW p AS (PARTITION BY x.site, x.device, j.key, x.ts_ms - x.ts_ms % 60000))
   WHERE k = 1;`,
];

export function journalPath(dataDir: string): string {
  return join(dataDir, 'journal.db');
}

export function openJournalDb(dataDir: string, synchronous: 'FULL' | 'NORMAL'): Db {
  return openJournalFile(journalPath(dataDir), synchronous);
}

/** Opens the journal by file name (the journal worker's own connection; already migrated, so it only reads the version). */
export function openJournalFile(file: string, synchronous: 'FULL' | 'NORMAL'): Db {
  return openDb(file, { synchronous, migrations: MIGRATIONS });
}

/** The synchronous level a connection runs at, as the config names it (EXTRA counts as FULL). */
export function synchronousOf(db: Db): 'FULL' | 'NORMAL' {
  return (db.pragma('synchronous', { simple: true }) as number) >= 2 ? 'FULL' : 'NORMAL';
}

/** The newest committed reading of one device, by ts then seq (ingest_cursor). */
export interface IngestCursor {
  readonly site: string;
  readonly device: string;
  readonly lastSeq: number;
  readonly lastTsMs: number;
}

export function readCursors(db: Db): IngestCursor[] {
  return db.prepare('SELECT site, device, last_seq AS lastSeq, last_ts_ms AS lastTsMs FROM ingest_cursor').all() as IngestCursor[];
}

/** The journal's single writer (it runs in the journal worker, ingest/journal-worker.ts). */
export interface JournalWriter {
  /** One transaction: the readings, the dead letters and the devices' cursors; all or nothing. */
  commit(readings: readonly JournalReading[], dead: readonly JournalDeadLetter[]): void;
  /** Deletes readings up to `lastId` (the newest row stays, see the trigger above); rows removed. */
  prune(lastId: number): number;
}

export function journalWriter(db: Db): JournalWriter {
  const insertReading = db.prepare(
    'INSERT INTO reading (site, device, seq, ts_ms, received_ms, readings, meta) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDead = db.prepare(
    'INSERT INTO dead_letter (site, device, topic, reason, detail, received_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  // The cursor follows the newest reading of each device, so a restart seeds dedup exactly.
  const upsertCursor = db.prepare(
    `INSERT INTO ingest_cursor (site, device, last_seq, last_ts_ms) VALUES (?, ?, ?, ?)
     ON CONFLICT (site, device) DO UPDATE SET last_seq = excluded.last_seq, last_ts_ms = excluded.last_ts_ms
     WHERE excluded.last_ts_ms > ingest_cursor.last_ts_ms
        OR (excluded.last_ts_ms = ingest_cursor.last_ts_ms AND excluded.last_seq > ingest_cursor.last_seq)`,
  );
  const deleteUpTo = db.prepare('DELETE FROM reading WHERE id <= ?');
  const commit = db.transaction((readings: readonly JournalReading[], dead: readonly JournalDeadLetter[]) => {
    const newest = new Map<string, JournalReading>();
    for (const e of readings) {
      insertReading.run(e.site, e.device, e.seq, e.tsMs, e.receivedMs, e.readingsJson, e.metaJson);
      const key = `${e.site}/${e.device}`;
      const seen = newest.get(key);
      if (!seen || e.tsMs > seen.tsMs || (e.tsMs === seen.tsMs && e.seq > seen.seq)) newest.set(key, e);
    }
    for (const e of dead) insertDead.run(e.site, e.device, e.topic, e.reason, e.detail, e.receivedMs, e.payload);
    for (const e of newest.values()) upsertCursor.run(e.site, e.device, e.seq, e.tsMs);
  });
  return {
    // IMMEDIATE: the write lock is taken (with busy_timeout) before the first row, not midway.
    commit: (readings, dead) => commit.immediate(readings, dead),
    prune: (lastId) => deleteUpTo.run(lastId).changes,
  };
}
