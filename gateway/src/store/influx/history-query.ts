// History through InfluxQL over `/query` (1.x; 2.x through its DBRP mapping; 3.x): raw points or
// time buckets aligned to the epoch, as the SQLite store computes them, so both answer alike.

import { HISTORY_AGG, HISTORY_EVERY, type HistoryPoint, type HistoryQuery } from '../telemetry-store.js';
import type { QuerySeries } from './http.js';
import { quoteLiteral } from './writer.js';

export function historyInfluxQl(q: HistoryQuery): string {
  // Both go into the query text as they are: only the known words may pass.
  if (q.every !== undefined && !HISTORY_EVERY.includes(q.every)) throw new RangeError(`every must be one of ${HISTORY_EVERY.join(', ')}`);
  if (q.agg !== undefined && !HISTORY_AGG.includes(q.agg)) throw new RangeError(`agg must be one of ${HISTORY_AGG.join(', ')}`);
  const where = `site = ${quoteLiteral(q.site)} AND device = ${quoteLiteral(q.device)} AND channel = ${quoteLiteral(q.channel)} AND time >= ${Math.trunc(q.fromMs)}ms AND time <= ${Math.trunc(q.toMs)}ms`;
  const limit = Math.max(1, Math.trunc(q.limit));
  if (q.every === undefined || q.every === 'raw') {
    return `SELECT value, seq FROM reading WHERE ${where} ORDER BY time ASC LIMIT ${limit}`;
  }
  const agg = q.agg ?? 'mean';
  return `SELECT ${agg}(value) AS value, max(seq) AS seq, count(value) AS n FROM reading WHERE ${where} GROUP BY time(${q.every}) fill(none) ORDER BY time ASC LIMIT ${limit}`;
}

export function historyPoints(series: readonly QuerySeries[], raw: boolean): HistoryPoint[] {
  const out: HistoryPoint[] = [];
  for (const s of series) {
    const col = (name: string): number => s.columns.indexOf(name);
    const [t, v, seq, n] = [col('time'), col('value'), col('seq'), col('n')];
    for (const row of s.values) {
      const value = row[v];
      if (typeof value !== 'number') continue;
      const point = { tsMs: Number(row[t]), value, seq: Number(row[seq] ?? 0) };
      out.push(raw ? point : { ...point, count: Number(row[n] ?? 0) });
    }
  }
  return out.sort((a, b) => a.tsMs - b.tsMs || a.seq - b.seq);
}
