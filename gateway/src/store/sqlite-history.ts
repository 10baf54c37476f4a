// History of one channel from the embedded store. Raw points come from `sample`;
// 1m and 1h buckets are put together from one-minute aggregates for the minutes wholly inside the
// range (kept at drain time: `sample_1m_live` and the parts still in memory; `sample_1m` for
// minutes past raw retention) and from raw samples for the partial minutes at its two ends, so a
// day of 1 s readings reads ~1 440 rows instead of 86 400 and gives the answer a scan of every
// point gives. 10 s buckets cannot be made of minutes: they come from raw samples.

import type { Db } from './sqlite.js';
import type { LiveMinutes } from './sqlite-history-minutes.js';
import { bucketOf, foldPoints, mergeParts, MINUTE_MS, partPoint, type Part } from './sqlite-history-parts.js';
import type { HistoryPoint, HistoryQuery } from './telemetry-store.js';

const EVERY_MS = { '10s': 10_000, '1m': 60_000, '1h': 3_600_000 } as const;
const AGGS = ['mean', 'min', 'max', 'last'];

// A channel's value, only where it is a number (a message may lack the channel).
const VALUE = `json_extract(readings, '$."' || @channel || '"')`;
const HAS_NUMBER = `json_type(readings, '$."' || @channel || '"') IN ('integer', 'real')`;
const RAW_WHERE = `site = @site AND device = @device AND ts_ms BETWEEN @fromMs AND @toMs AND ${HAS_NUMBER}`;
const PART_COLUMNS = 'bucket_ms AS b, n, sum AS s, min AS mn, max AS mx, last AS lv, last_ts_ms AS lt, last_seq AS ls';

export class SqliteHistory {
  private readonly rawPoints;
  private readonly rawValues;
  private readonly minutes;

  constructor(
    db: Db,
    private readonly live: LiveMinutes,
  ) {
    this.rawPoints = db.prepare(`SELECT ts_ms AS tsMs, ${VALUE} AS value, seq FROM sample WHERE ${RAW_WHERE} ORDER BY ts_ms, seq LIMIT @limit`);
    this.rawValues = db.prepare(`SELECT ts_ms, seq, ${VALUE} FROM sample WHERE ${RAW_WHERE} ORDER BY ts_ms, seq`).raw();
    // Retired minutes count when they start inside the range (their points are gone, so a
    // partial minute cannot be cut); minutes with raw samples only when wholly inside it.
    this.minutes = db.prepare(
      `SELECT ${PART_COLUMNS} FROM sample_1m_live
       WHERE site = @site AND device = @device AND channel = @channel AND bucket_ms BETWEEN @firstWhole AND @lastWhole
       UNION ALL
       SELECT ${PART_COLUMNS} FROM sample_1m
       WHERE site = @site AND device = @device AND channel = @channel AND bucket_ms BETWEEN @fromMs AND @toMs`,
    );
  }

  query(q: HistoryQuery): HistoryPoint[] {
    if (q.every === undefined || q.every === 'raw') {
      return this.rawPoints.all({ site: q.site, device: q.device, channel: q.channel, fromMs: q.fromMs, toMs: q.toMs, limit: q.limit }) as HistoryPoint[];
    }
    const every = EVERY_MS[q.every];
    if (every === undefined) throw new RangeError(`every must be one of raw, ${Object.keys(EVERY_MS).join(', ')}`);
    const agg = q.agg ?? 'mean';
    if (!AGGS.includes(agg)) throw new RangeError(`agg must be one of ${AGGS.join(', ')}`);
    const parts = every < MINUTE_MS ? foldPoints(this.raw(q, q.fromMs, q.toMs), every) : this.fromMinutes(q, every);
    return parts.slice(0, q.limit).map((p) => partPoint(p, agg));
  }

  private fromMinutes(q: HistoryQuery, every: number): Part[] {
    // Minutes [firstWhole, endWhole) lie wholly inside [fromMs, toMs].
    const firstWhole = Math.ceil(q.fromMs / MINUTE_MS) * MINUTE_MS;
    const endWhole = Math.floor((q.toMs + 1) / MINUTE_MS) * MINUTE_MS;
    const minutes = this.minutes.all({ site: q.site, device: q.device, channel: q.channel, fromMs: q.fromMs, toMs: q.toMs, firstWhole, lastWhole: endWhole - MINUTE_MS }) as Part[];
    minutes.push(...this.live.partsOf(q.site, q.device, q.channel, firstWhole, endWhole - MINUTE_MS));
    for (const p of minutes) p.b = bucketOf(p.b, every);
    // The partial minutes at the ends, from raw samples; when the range lies inside one minute,
    // the head covers it all and the tail is empty.
    const head = this.raw(q, q.fromMs, Math.min(q.toMs, firstWhole - 1));
    const tail = this.raw(q, Math.max(q.fromMs, firstWhole, endWhole), q.toMs);
    return mergeParts([...minutes, ...foldPoints(head, every), ...foldPoints(tail, every)]);
  }

  private raw(q: HistoryQuery, fromMs: number, toMs: number): [number, number, number][] {
    if (fromMs > toMs) return [];
    return this.rawValues.all({ site: q.site, device: q.device, channel: q.channel, fromMs, toMs }) as [number, number, number][];
  }
}
