// The embedded time-series store. The journal's reading table already holds every acknowledged
// reading in the order it arrived, so this store reads that table instead of copying it: one
// write per message on the hot path (measured in bench/ingest.ts).

import type { Db } from './sqlite.js';
import type { HistoryPoint, HistoryQuery, TelemetryStore } from './telemetry-store.js';

export class SqliteTelemetryStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;

  constructor(private readonly db: Db) {}

  async history(q: HistoryQuery): Promise<HistoryPoint[]> {
    return this.db
      .prepare(
        `SELECT ts_ms AS tsMs, json_extract(readings, '$."' || @channel || '"') AS value, seq
         FROM reading
         WHERE site = @site AND device = @device AND ts_ms BETWEEN @fromMs AND @toMs
           AND json_type(readings, '$."' || @channel || '"') IN ('integer', 'real')
         ORDER BY ts_ms, id LIMIT @limit`,
      )
      .all(q) as HistoryPoint[];
  }

  async countMessages(filter: { site?: string; device?: string } = {}): Promise<number> {
    const where: string[] = [];
    if (filter.site) where.push('site = @site');
    if (filter.device) where.push('device = @device');
    const row = this.db.prepare(`SELECT count(*) AS n FROM reading ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`).get(filter) as { n: number };
    return row.n;
  }

  async close(): Promise<void> {
    // The journal owns the database handle.
  }
}
