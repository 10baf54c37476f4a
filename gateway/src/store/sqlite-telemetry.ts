// The embedded time-series store: drains the journal into `sample`, a table clustered by
// (site, device, ts, seq) so one sensor's history is one range scan. The copy and the cursor move
// in one transaction, and a replayed reading lands on the same key, so nothing is lost or doubled.
// Each sample the drain inserts (a replay inserts none) also joins its one-minute aggregate per
// channel (sqlite-history-minutes.ts), which 1m/1h history reads (sqlite-history.ts).
// Measured by bench/sqlite-store.ts (bench/results/sqlite-store.json).
// Retention (maintain): raw samples older than `retentionDays` go, whole minutes at a time, and
// their minutes move from `sample_1m_live` into `sample_1m` in the same transaction; aggregates
// go after `aggregateRetentionDays`.

import type { Db } from './sqlite.js';
import { SqliteHistory } from './sqlite-history.js';
import { AGGREGATE_COLUMNS, LiveMinutes, MERGE_AGGREGATE } from './sqlite-history-minutes.js';
import { bucketOf, MINUTE_MS } from './sqlite-history-parts.js';
import type { HistoryPoint, HistoryQuery, TelemetryStore } from './telemetry-store.js';

const SINK = 'sqlite';
const DAY_MS = 86_400_000;
/** Raw rows deleted per maintain() call: bounds how long one call holds the event loop. */
const ROLLUP_ROWS = 50_000;
/** Devices visited per maintain() call. */
const ROLLUP_DEVICES = 2_000;

interface JournalRow {
  id: number;
  site: string;
  device: string;
  ts_ms: number;
  seq: number;
  readings: string;
}

export interface SqliteRetention {
  readonly retentionDays: number;
  readonly aggregateRetentionDays: number;
}

export class SqliteTelemetryStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private last: number;
  private readonly next;
  private readonly moveBatch;
  private readonly live: LiveMinutes;
  private readonly historyReader: SqliteHistory;
  private readonly oldestRaw;
  private readonly retireMinutes;
  private lastAggregatePruneMs = -Infinity;
  private rollupFrom = { site: '', device: '' };

  constructor(
    private readonly db: Db,
    private readonly retention: SqliteRetention = { retentionDays: 30, aggregateRetentionDays: 400 },
  ) {
    const row = db.prepare('SELECT last_id AS lastId FROM sink_cursor WHERE sink = ?').get(SINK) as { lastId: number } | undefined;
    this.last = row?.lastId ?? 0;
    this.live = new LiveMinutes(db);
    this.historyReader = new SqliteHistory(db, this.live);
    this.next = db.prepare('SELECT id, site, device, ts_ms, seq, readings FROM reading WHERE id > ? ORDER BY id LIMIT ?');
    const insert = db.prepare('INSERT OR IGNORE INTO sample (site, device, ts_ms, seq, readings) VALUES (?, ?, ?, ?, ?)');
    const saveCursor = db.prepare('INSERT INTO sink_cursor (sink, last_id) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_id = excluded.last_id');
    this.moveBatch = db.transaction((rows: JournalRow[]) => {
      // Key order turns scattered B-tree inserts into runs per device, and a device's minute
      // into one run of rows.
      const sorted = [...rows].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : a.device < b.device ? -1 : a.device > b.device ? 1 : a.ts_ms - b.ts_ms));
      for (const r of sorted) {
        // Ignored: the reading is stored already, and counted in its minute.
        if (insert.run(r.site, r.device, r.ts_ms, r.seq, r.readings).changes === 1) this.live.add(r.site, r.device, r.ts_ms, r.seq, r.readings);
      }
      saveCursor.run(SINK, rows[rows.length - 1]!.id);
    });
    this.oldestRaw = db.prepare('SELECT ts_ms AS tsMs FROM sample WHERE site = ? AND device = ? AND ts_ms < ? ORDER BY ts_ms, seq LIMIT 1 OFFSET ?');
    const moveMinutes = db.prepare(`INSERT INTO sample_1m (${AGGREGATE_COLUMNS}) SELECT ${AGGREGATE_COLUMNS} FROM sample_1m_live WHERE site = ? AND device = ? AND bucket_ms < ? ${MERGE_AGGREGATE}`);
    const dropMinutes = db.prepare('DELETE FROM sample_1m_live WHERE site = ? AND device = ? AND bucket_ms < ?');
    const dropRaw = db.prepare('DELETE FROM sample WHERE site = ? AND device = ? AND ts_ms < ?');
    this.retireMinutes = db.transaction((site: string, device: string, beforeMs: number): number => {
      moveMinutes.run(site, device, beforeMs);
      dropMinutes.run(site, device, beforeMs);
      return dropRaw.run(site, device, beforeMs).changes;
    });
  }

  cursor(): number {
    return this.last;
  }

  async drainOnce(maxRows: number): Promise<number> {
    const rows = this.next.all(this.last, maxRows) as JournalRow[];
    if (rows.length === 0) return 0;
    try {
      this.moveBatch.immediate(rows);
    } catch (err) {
      this.live.discard();
      throw err;
    }
    this.last = rows[rows.length - 1]!.id;
    this.live.committed();
    return rows.length;
  }

  async flush(): Promise<void> {
    while ((await this.drainOnce(20_000)) > 0) {
      // until caught up
    }
    this.live.writeBack();
  }

  async history(q: HistoryQuery): Promise<HistoryPoint[]> {
    return this.historyReader.query(q);
  }

  async countMessages(filter: { site?: string; device?: string } = {}): Promise<number> {
    const where: string[] = [];
    if (filter.site) where.push('site = @site');
    if (filter.device) where.push('device = @device');
    const row = this.db.prepare(`SELECT count(*) AS n FROM sample ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(filter) as { n: number };
    return row.n;
  }

  /** Retires raw samples past retention (their minutes stay as aggregates); prunes old aggregates hourly. */
  maintain(nowMs: number): void {
    // Every minute's aggregate in sample_1m_live first, so a retired minute moves whole.
    this.live.writeBack();
    const rawCutoff = bucketOf(nowMs - this.retention.retentionDays * DAY_MS, MINUTE_MS);
    let budget = ROLLUP_ROWS;
    // ingest_cursor lists every device ever seen, so each device's old rows are one key-range
    // scan; a bounded slice of devices per call, resumed where the last call stopped.
    const devices = this.db
      .prepare('SELECT site, device FROM ingest_cursor WHERE (site, device) > (?, ?) ORDER BY site, device LIMIT ?')
      .all(this.rollupFrom.site, this.rollupFrom.device, ROLLUP_DEVICES) as { site: string; device: string }[];
    for (const d of devices) {
      if (budget <= 0) break;
      const done = this.retire(d.site, d.device, rawCutoff, budget);
      budget -= done;
      // A device with rows left (budget spent) is taken up again first next time.
      if (budget > 0) this.rollupFrom = d;
    }
    if (devices.length < ROLLUP_DEVICES && budget > 0) this.rollupFrom = { site: '', device: '' };
    if (nowMs - this.lastAggregatePruneMs >= 3_600_000) {
      this.lastAggregatePruneMs = nowMs;
      this.db.prepare('DELETE FROM sample_1m WHERE bucket_ms < ?').run(nowMs - this.retention.aggregateRetentionDays * DAY_MS);
    }
  }

  /**
   * Retires one device's samples before `cutoff`, about `limit` rows of them, in whole minutes: a
   * minute is either all raw (with its aggregate in sample_1m_live) or all retired (sample_1m).
   */
  private retire(site: string, device: string, cutoff: number, limit: number): number {
    const oldest = this.oldestRaw.get(site, device, cutoff, 0) as { tsMs: number } | undefined;
    if (!oldest) return 0;
    const beyond = this.oldestRaw.get(site, device, cutoff, limit) as { tsMs: number } | undefined;
    // More than `limit` rows are due: stop at the minute of the first row past the limit, but
    // always take at least the oldest minute (one minute may hold more than `limit` rows).
    const beforeMs = beyond ? Math.max(bucketOf(beyond.tsMs, MINUTE_MS), bucketOf(oldest.tsMs, MINUTE_MS) + MINUTE_MS) : cutoff;
    return this.retireMinutes.immediate(site, device, beforeMs);
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
