// The journal seen as the InfluxDB sink's spool: rows after the sink's cursor, how many and how
// old, and the sink's persisted cursor and counters (journal.db tables sink_cursor, sink_stats).
// Rows above a cursor are contiguous (the journal only appends and prunes below every cursor), so
// depth is max(id) − cursor without a count.

import type { Db } from '../sqlite.js';

export interface SpoolRow {
  readonly id: number;
  readonly site: string;
  readonly device: string;
  readonly seq: number;
  readonly ts_ms: number;
  readonly received_ms: number;
  readonly readings: string;
}

export interface SinkStats {
  dropped: number;
  rejected: number;
}

export class Spool {
  private readonly nextRows;
  private readonly maxId;
  private readonly oldest;
  private readonly getCursor;
  private readonly putCursor;
  private readonly getStats;
  private readonly addStats;

  constructor(
    private readonly db: Db,
    readonly sink: string,
  ) {
    this.nextRows = db.prepare('SELECT id, site, device, seq, ts_ms, received_ms, readings FROM reading WHERE id > ? ORDER BY id LIMIT ?');
    this.maxId = db.prepare('SELECT max(id) AS id FROM reading').pluck();
    this.oldest = db.prepare('SELECT received_ms FROM reading WHERE id > ? ORDER BY id LIMIT 1').pluck();
    this.getCursor = db.prepare('SELECT last_id FROM sink_cursor WHERE sink = ?').pluck();
    this.putCursor = db.prepare('INSERT INTO sink_cursor (sink, last_id) VALUES (?, ?) ON CONFLICT (sink) DO UPDATE SET last_id = excluded.last_id');
    this.getStats = db.prepare('SELECT dropped, rejected FROM sink_stats WHERE sink = ?');
    this.addStats = db.prepare(
      `INSERT INTO sink_stats (sink, dropped, rejected) VALUES (@sink, @dropped, @rejected)
       ON CONFLICT (sink) DO UPDATE SET dropped = dropped + excluded.dropped, rejected = rejected + excluded.rejected`,
    );
  }

  /** The saved cursor; a new sink starts at 0 and so ships everything still in the journal. */
  cursor(name = this.sink): number {
    return (this.getCursor.get(name) as number | undefined) ?? 0;
  }

  saveCursor(lastId: number, name = this.sink): void {
    this.putCursor.run(name, lastId);
  }

  after(cursor: number, limit: number): SpoolRow[] {
    return this.nextRows.all(cursor, limit) as SpoolRow[];
  }

  newestId(): number {
    return (this.maxId.get() as number | null) ?? 0;
  }

  oldestReceivedMs(cursor: number): number | null {
    return (this.oldest.get(cursor) as number | undefined) ?? null;
  }

  stats(): SinkStats {
    const row = this.getStats.get(this.sink) as SinkStats | undefined;
    return { dropped: row?.dropped ?? 0, rejected: row?.rejected ?? 0 };
  }

  addCounts(counts: Partial<SinkStats>): void {
    this.addStats.run({ sink: this.sink, dropped: counts.dropped ?? 0, rejected: counts.rejected ?? 0 });
  }

  /** Skips the oldest rows so at most `keep` stay unshipped; returns how many were skipped. */
  skipOldest(cursor: number, keep: number): { cursor: number; dropped: number } {
    const newest = this.newestId();
    if (newest - cursor <= keep) return { cursor, dropped: 0 };
    const next = newest - keep;
    const dropped = next - cursor;
    this.db.transaction(() => {
      this.saveCursor(next);
      this.addCounts({ dropped });
    })();
    return { cursor: next, dropped };
  }
}
