// The embedded time-series store: drains the journal into `sample`, a table clustered by
// (site, device, ts, seq) so one sensor's history is one range scan. The copy and the cursor move
// in one transaction, and a replayed reading lands on the same key, so nothing is lost or doubled.
// Measured (bench note in issue 10): batches of 20 000 rows sorted by key take ~110–120 k msg/s.
// Retention (maintain): raw samples older than `retentionDays` are folded into one-minute
// aggregates (`sample_1m`) in the transaction that deletes them; aggregates go after
// `aggregateRetentionDays`. History by bucket merges both, so a mean spans the boundary exactly.

import type { Db } from './sqlite.js';
import type { HistoryPoint, HistoryQuery, TelemetryStore } from './telemetry-store.js';

const SINK = 'sqlite';
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EVERY_MS = { '10s': 10_000, '1m': 60_000, '1h': 3_600_000 } as const;
/** Raw rows folded per maintain() call: bounds how long one call holds the event loop. */
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

/** One bucket's partial aggregate; parts from raw rows and from sample_1m merge exactly. */
interface Part {
  b: number;
  n: number;
  s: number;
  mn: number;
  mx: number;
  lv: number;
  lt: number;
  ls: number;
}

export class SqliteTelemetryStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private last: number;
  private readonly next;
  private readonly moveBatch;
  private lastAggregatePruneMs = -Infinity;
  private rollupFrom = { site: '', device: '' };

  constructor(
    private readonly db: Db,
    private readonly retention: SqliteRetention = { retentionDays: 30, aggregateRetentionDays: 400 },
  ) {
    const row = db.prepare('SELECT last_id AS lastId FROM sink_cursor WHERE sink = ?').get(SINK) as { lastId: number } | undefined;
    this.last = row?.lastId ?? 0;
    this.next = db.prepare('SELECT id, site, device, ts_ms, seq, readings FROM reading WHERE id > ? ORDER BY id LIMIT ?');
    const insert = db.prepare('INSERT OR IGNORE INTO sample (site, device, ts_ms, seq, readings) VALUES (?, ?, ?, ?, ?)');
    const saveCursor = db.prepare('INSERT INTO sink_cursor (sink, last_id) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_id = excluded.last_id');
    this.moveBatch = db.transaction((rows: JournalRow[]) => {
      // Key order turns scattered B-tree inserts into runs per device.
      const sorted = [...rows].sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : a.device < b.device ? -1 : a.device > b.device ? 1 : a.ts_ms - b.ts_ms));
      for (const r of sorted) insert.run(r.site, r.device, r.ts_ms, r.seq, r.readings);
      saveCursor.run(SINK, rows[rows.length - 1]!.id);
    });
  }

  cursor(): number {
    return this.last;
  }

  async drainOnce(maxRows: number): Promise<number> {
    const rows = this.next.all(this.last, maxRows) as JournalRow[];
    if (rows.length === 0) return 0;
    this.moveBatch(rows);
    this.last = rows[rows.length - 1]!.id;
    return rows.length;
  }

  async flush(): Promise<void> {
    while ((await this.drainOnce(20_000)) > 0) {
      // until caught up
    }
  }

  async history(q: HistoryQuery): Promise<HistoryPoint[]> {
    if (q.every === undefined || q.every === 'raw') {
      return this.db
        .prepare(
          `SELECT ts_ms AS tsMs, json_extract(readings, '$."' || @channel || '"') AS value, seq
           FROM sample
           WHERE site = @site AND device = @device AND ts_ms BETWEEN @fromMs AND @toMs
             AND json_type(readings, '$."' || @channel || '"') IN ('integer', 'real')
           ORDER BY ts_ms, seq LIMIT @limit`,
        )
        .all({ site: q.site, device: q.device, channel: q.channel, fromMs: q.fromMs, toMs: q.toMs, limit: q.limit }) as HistoryPoint[];
    }
    const every = EVERY_MS[q.every];
    if (every === undefined) throw new RangeError(`every must be one of raw, ${Object.keys(EVERY_MS).join(', ')}`);
    const agg = q.agg ?? 'mean';
    if (!['mean', 'min', 'max', 'last'].includes(agg)) throw new RangeError('agg must be one of mean, min, max, last');
    const params = { site: q.site, device: q.device, channel: q.channel, fromMs: q.fromMs, toMs: q.toMs, every };
    // Buckets start at multiples of `every` since the epoch, as InfluxQL's GROUP BY time() does
    // (`%`, not `/`: better-sqlite3 binds a JS number as REAL, and REAL division would not floor).
    const raw = this.db
      .prepare(
        `WITH r AS (
           SELECT ts_ms - ts_ms % @every AS b, ts_ms, seq, json_extract(readings, '$."' || @channel || '"') AS v
           FROM sample
           WHERE site = @site AND device = @device AND ts_ms BETWEEN @fromMs AND @toMs
             AND json_type(readings, '$."' || @channel || '"') IN ('integer', 'real')),
         w AS (
           SELECT b, v AS lv, ts_ms AS lt, seq AS ls,
             count(*) OVER p AS n, sum(v) OVER p AS s, min(v) OVER p AS mn, max(v) OVER p AS mx,
             row_number() OVER (PARTITION BY b ORDER BY ts_ms DESC, seq DESC) AS k
           FROM r WINDOW p AS (PARTITION BY b))
         SELECT b, n, s, mn, mx, lv, lt, ls FROM w WHERE k = 1`,
      )
      .all(params) as Part[];
    // One-minute aggregates cannot be split: 10 s buckets come from raw samples only.
    const rolled =
      every < MINUTE_MS
        ? []
        : (this.db
            .prepare(
              `SELECT bucket_ms - bucket_ms % @every AS b, n, sum AS s, min AS mn, max AS mx, last AS lv, last_ts_ms AS lt, last_seq AS ls
               FROM sample_1m WHERE site = @site AND device = @device AND channel = @channel AND bucket_ms BETWEEN @fromMs AND @toMs`,
            )
            .all(params) as Part[]);
    const merged = mergeParts([...raw, ...rolled]);
    return merged.slice(0, q.limit).map((p) => ({
      tsMs: p.b,
      value: agg === 'mean' ? p.s / p.n : agg === 'min' ? p.mn : agg === 'max' ? p.mx : p.lv,
      seq: p.ls,
      count: p.n,
    }));
  }

  async countMessages(filter: { site?: string; device?: string } = {}): Promise<number> {
    const where: string[] = [];
    if (filter.site) where.push('site = @site');
    if (filter.device) where.push('device = @device');
    const row = this.db.prepare(`SELECT count(*) AS n FROM sample ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(filter) as { n: number };
    return row.n;
  }

  /** Folds raw samples past retention into one-minute aggregates; prunes old aggregates hourly. */
  maintain(nowMs: number): void {
    const rawCutoff = Math.floor((nowMs - this.retention.retentionDays * DAY_MS) / MINUTE_MS) * MINUTE_MS;
    let budget = ROLLUP_ROWS;
    // ingest_cursor lists every device ever seen, so each device's old rows are one key-range
    // scan; a bounded slice of devices per call, resumed where the last call stopped.
    const devices = this.db
      .prepare('SELECT site, device FROM ingest_cursor WHERE (site, device) > (?, ?) ORDER BY site, device LIMIT ?')
      .all(this.rollupFrom.site, this.rollupFrom.device, ROLLUP_DEVICES) as { site: string; device: string }[];
    for (const d of devices) {
      if (budget <= 0) break;
      const done = this.rollUp(d.site, d.device, rawCutoff, budget);
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

  private rollUp(site: string, device: string, cutoff: number, limit: number): number {
    const rows = this.db
      .prepare('SELECT ts_ms, seq, readings FROM sample WHERE site = ? AND device = ? AND ts_ms < ? ORDER BY ts_ms, seq LIMIT ?')
      .all(site, device, cutoff, limit) as { ts_ms: number; seq: number; readings: string }[];
    if (rows.length === 0) return 0;
    const parts = new Map<string, Part & { channel: string }>();
    for (const r of rows) {
      const readings = JSON.parse(r.readings) as Record<string, unknown>;
      const b = Math.floor(r.ts_ms / MINUTE_MS) * MINUTE_MS;
      for (const channel in readings) {
        const v = readings[channel];
        if (typeof v !== 'number') continue;
        const key = `${channel}\u0000${b}`;
        const p = parts.get(key);
        if (!p) parts.set(key, { channel, b, n: 1, s: v, mn: v, mx: v, lv: v, lt: r.ts_ms, ls: r.seq });
        else mergeInto(p, { b, n: 1, s: v, mn: v, mx: v, lv: v, lt: r.ts_ms, ls: r.seq });
      }
    }
    const lastRow = rows[rows.length - 1]!;
    const upsert = this.db.prepare(
      `INSERT INTO sample_1m (site, device, channel, bucket_ms, n, sum, min, max, last, last_ts_ms, last_seq)
       VALUES (@site, @device, @channel, @b, @n, @s, @mn, @mx, @lv, @lt, @ls)
       ON CONFLICT (site, device, channel, bucket_ms) DO UPDATE SET
         n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
         last = CASE WHEN (excluded.last_ts_ms, excluded.last_seq) > (last_ts_ms, last_seq) THEN excluded.last ELSE last END,
         last_seq = CASE WHEN (excluded.last_ts_ms, excluded.last_seq) > (last_ts_ms, last_seq) THEN excluded.last_seq ELSE last_seq END,
         last_ts_ms = max(last_ts_ms, excluded.last_ts_ms)`,
    );
    this.db.transaction(() => {
      for (const p of parts.values()) upsert.run({ site, device, ...p });
      this.db
        .prepare('DELETE FROM sample WHERE site = ? AND device = ? AND ts_ms < ? AND (ts_ms < ? OR (ts_ms = ? AND seq <= ?))')
        .run(site, device, cutoff, lastRow.ts_ms, lastRow.ts_ms, lastRow.seq);
    })();
    return rows.length;
  }

  async close(): Promise<void> {
    await this.flush();
  }
}

function mergeInto(into: Part, p: Part): void {
  into.n += p.n;
  into.s += p.s;
  into.mn = Math.min(into.mn, p.mn);
  into.mx = Math.max(into.mx, p.mx);
  if (p.lt > into.lt || (p.lt === into.lt && p.ls > into.ls)) {
    into.lv = p.lv;
    into.lt = p.lt;
    into.ls = p.ls;
  }
}

function mergeParts(parts: readonly Part[]): Part[] {
  const byBucket = new Map<number, Part>();
  for (const p of parts) {
    const seen = byBucket.get(p.b);
    if (seen) mergeInto(seen, p);
    else byBucket.set(p.b, { ...p });
  }
  return [...byBucket.values()].sort((a, b) => a.b - b.b);
}
