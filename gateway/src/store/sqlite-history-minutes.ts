// One-minute aggregates of the raw samples the embedded store holds (`sample_1m_live`), kept as
// the drain inserts samples. A device reporting every second would cost one upsert per channel
// per reading if written through (measured: drain CPU per reading ×2.5–3 at 30 000 devices), so a minute's parts gather in
// memory and are written once the minute is two minutes behind the newest data, or at
// maintain()/flush(). Queries merge the parts still in memory. Crash safety: the drain transaction
// that inserts a device's first sample of a minute also records (site, device, minute) in
// `sample_1m_dirty`; a write-back clears it; at start-up every minute still listed is recomputed
// from its raw samples, the truth, so a crash loses no aggregate and doubles none.

import type { Db } from './sqlite.js';
import { addPoint, bucketOf, MINUTE_MS, pointPart, type Part } from './sqlite-history-parts.js';

/** Parts held in memory at most before all are written back. */
const MAX_PENDING_PARTS = 200_000;
/** A minute this far behind the newest data is taken as complete and written back. */
const SETTLE_MS = 2 * MINUTE_MS;

export const AGGREGATE_COLUMNS = 'site, device, channel, bucket_ms, n, sum, min, max, last, last_ts_ms, last_seq';
/** Two parts of one minute become one: the latest point by (ts, seq) wins `last`. */
export const MERGE_AGGREGATE = `ON CONFLICT (site, device, channel, bucket_ms) DO UPDATE SET
  n = n + excluded.n, sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max),
  last = CASE WHEN (excluded.last_ts_ms, excluded.last_seq) > (last_ts_ms, last_seq) THEN excluded.last ELSE last END,
  last_seq = CASE WHEN (excluded.last_ts_ms, excluded.last_seq) > (last_ts_ms, last_seq) THEN excluded.last_seq ELSE last_seq END,
  last_ts_ms = max(last_ts_ms, excluded.last_ts_ms)`;

/** One device's parts of one minute, per channel. */
interface DeviceMinute {
  readonly site: string;
  readonly device: string;
  readonly parts: Map<string, Part>;
}

/** minute → `${site}\0${device}` → parts. */
type Minutes = Map<number, Map<string, DeviceMinute>>;

export class LiveMinutes {
  private pending: Minutes = new Map();
  private pendingParts = 0;
  private newestMinute = -Infinity;
  /** The device minute the last add() went to: the drain adds a device's rows in a run. */
  private cur: DeviceMinute | undefined;
  private curSite = '';
  private curDevice = '';
  private curMinute = Number.NaN;
  private readonly dirty;
  private readonly write;
  private readonly clean;
  private readonly writeBackTx;
  private readonly recomputeTx;
  private readonly listDirty;

  constructor(db: Db) {
    this.dirty = db.prepare('INSERT OR IGNORE INTO sample_1m_dirty (site, device, bucket_ms) VALUES (?, ?, ?)');
    this.write = db.prepare(`INSERT INTO sample_1m_live (${AGGREGATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${MERGE_AGGREGATE}`);
    this.clean = db.prepare('DELETE FROM sample_1m_dirty WHERE site = ? AND device = ? AND bucket_ms = ?');
    this.writeBackTx = db.transaction((minutes: [number, Map<string, DeviceMinute>][]) => {
      for (const [b, byDevice] of minutes) {
        for (const dm of byDevice.values()) {
          for (const [channel, p] of dm.parts) this.write.run(dm.site, dm.device, channel, b, p.n, p.s, p.mn, p.mx, p.lv, p.lt, p.ls);
          this.clean.run(dm.site, dm.device, b);
        }
      }
    });
    const dropMinute = db.prepare('DELETE FROM sample_1m_live WHERE site = ? AND device = ? AND bucket_ms = ?');
    const rebuildMinute = db.prepare(
      `INSERT INTO sample_1m_live (${AGGREGATE_COLUMNS})
       SELECT site, device, channel, @b, n, s, mn, mx, lv, lt, ls FROM (
         SELECT x.site, x.device, j.key AS channel, j.value AS lv, x.ts_ms AS lt, x.seq AS ls,
           count(*) OVER p AS n, sum(j.value) OVER p AS s, min(j.value) OVER p AS mn, max(j.value) OVER p AS mx,
           row_number() OVER (PARTITION BY j.key ORDER BY x.ts_ms DESC, x.seq DESC) AS k
         FROM sample x, json_each(x.readings) j
         WHERE x.site = @site AND x.device = @device AND x.ts_ms >= @b AND x.ts_ms < @b + ${MINUTE_MS} AND j.type IN ('integer', 'real')
         WINDOW p AS (PARTITION BY j.key))
       WHERE k = 1`,
    );
    this.recomputeTx = db.transaction((site: string, device: string, b: number) => {
      dropMinute.run(site, device, b);
      rebuildMinute.run({ site, device, b });
      this.clean.run(site, device, b);
    });
    this.listDirty = db.prepare('SELECT site, device, bucket_ms AS b FROM sample_1m_dirty');
    this.recover();
  }

  /**
   * One sample the drain inserted, inside its transaction. Should that transaction fail, call
   * discard(): the parts in memory then hold readings that were rolled back.
   */
  add(site: string, device: string, tsMs: number, seq: number, readingsJson: string): void {
    const b = bucketOf(tsMs, MINUTE_MS);
    if (b !== this.curMinute || device !== this.curDevice || site !== this.curSite) this.open(site, device, b);
    // The journal holds the intake's JSON.stringify of validated readings.
    const readings = JSON.parse(readingsJson) as Record<string, unknown>;
    const parts = this.cur!.parts;
    for (const channel in readings) {
      const v = readings[channel];
      if (typeof v !== 'number') continue;
      const p = parts.get(channel);
      if (p) addPoint(p, tsMs, seq, v);
      else {
        parts.set(channel, pointPart(b, tsMs, seq, v));
        this.pendingParts++;
      }
    }
  }

  /** After the drain's transaction committed: writes back the minutes that have settled. */
  committed(): void {
    this.writeBack(this.pendingParts > MAX_PENDING_PARTS ? Infinity : this.newestMinute - SETTLE_MS);
  }

  /** After the drain's transaction failed: forgets what is in memory and rebuilds from disk. */
  discard(): void {
    this.pending = new Map();
    this.pendingParts = 0;
    this.recover();
  }

  private open(site: string, device: string, b: number): void {
    const key = `${site}\u0000${device}`;
    this.curSite = site;
    this.curDevice = device;
    this.curMinute = b;
    if (b > this.newestMinute) this.newestMinute = b;
    let byDevice = this.pending.get(b);
    if (!byDevice) this.pending.set(b, (byDevice = new Map()));
    this.cur = byDevice.get(key);
    if (this.cur) return;
    byDevice.set(key, (this.cur = { site, device, parts: new Map() }));
    this.dirty.run(site, device, b);
  }

  /** Minutes listed dirty had parts in memory that never reached sample_1m_live: rebuilt from raw. */
  private recover(): void {
    this.cur = undefined;
    this.curMinute = Number.NaN;
    const left = this.listDirty.all() as { site: string; device: string; b: number }[];
    for (const m of left) this.recomputeTx(m.site, m.device, m.b);
  }

  /** Writes the minutes before `beforeMs` (all: Infinity) to sample_1m_live, in one transaction. */
  writeBack(beforeMs = Infinity): void {
    const due = [...this.pending].filter(([b]) => b < beforeMs);
    if (due.length === 0) return;
    this.writeBackTx(due);
    for (const [b, byDevice] of due) {
      this.pending.delete(b);
      for (const dm of byDevice.values()) this.pendingParts -= dm.parts.size;
    }
    // A later add() to a written minute must open it afresh (and mark it dirty again).
    this.curMinute = Number.NaN;
  }

  /** Parts still in memory for one channel, minutes in [fromMinute, toMinute]. */
  partsOf(site: string, device: string, channel: string, fromMinute: number, toMinute: number): Part[] {
    const key = `${site}\u0000${device}`;
    const out: Part[] = [];
    for (const [b, byDevice] of this.pending) {
      if (b < fromMinute || b > toMinute) continue;
      const p = byDevice.get(key)?.parts.get(channel);
      if (p) out.push({ ...p });
    }
    return out;
  }
}
