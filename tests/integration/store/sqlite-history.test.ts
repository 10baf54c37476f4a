// 1m/1h history from the embedded store's drain-time minute aggregates must equal a scan
// of every raw point, whatever the range's ends, and whether a minute's parts are still in memory,
// written, replayed, late, rebuilt after a crash, or backfilled by the schema upgrade. The oracle
// is the raw history (json_extract per sample) bucketed here by hand.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournalDb } from '../../../gateway/src/store/journal-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { Journal } from '../../../gateway/src/ingest/journal.js';
import { SqliteTelemetryStore } from '../../../gateway/src/store/sqlite-telemetry.js';
import type { HistoryAgg, HistoryPoint, HistoryQuery } from '../../../gateway/src/store/telemetry-store.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';

/** 2025-11-23T00:00:00Z. */
const T0 = 1_763_856_000_000;
const MIN = 60_000;
const AGGS: HistoryAgg[] = ['mean', 'min', 'max', 'last'];

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** What a scan of every point answers: buckets aligned to the epoch, last by (ts, seq). */
function oracle(raw: HistoryPoint[], everyMs: number, agg: HistoryAgg): HistoryPoint[] {
  const buckets: { tsMs: number; seq: number; values: number[] }[] = [];
  for (const p of raw) {
    const b = Math.floor(p.tsMs / everyMs) * everyMs;
    let cur = buckets[buckets.length - 1];
    if (!cur || cur.tsMs !== b) buckets.push((cur = { tsMs: b, seq: 0, values: [] }));
    cur.values.push(p.value);
    cur.seq = p.seq;
  }
  return buckets.map(({ tsMs, seq, values }) => {
    const value = { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values), last: values[values.length - 1]! }[agg];
    return { tsMs, value: Math.round(value * 1e9) / 1e9, seq, count: values.length };
  });
}

const rounded = (points: HistoryPoint[]): HistoryPoint[] => points.map((p) => ({ ...p, value: Math.round(p.value * 1e9) / 1e9 }));

describe('1m and 1h history from minute aggregates', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let journal: Journal;

  beforeEach(() => {
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
    journal = new Journal(db, { commitIntervalMs: 1, maxBatch: 100_000 }, silentLogger());
  });
  afterEach(() => {
    if (db.open) db.close();
    dir.remove();
  });

  function append(device: string, seq: number, tsMs: number, readings: Record<string, unknown>): void {
    journal.append({ site: 'k1', device, seq, tsMs, receivedMs: tsMs, readingsJson: JSON.stringify(readings), metaJson: null }, () => {});
  }

  /** Readings 1–9 s apart over `minutes`, some without ch4, some with a text value, in a shuffled order within windows. */
  function fillIrregular(rnd: () => number, device: string, fromMs: number, minutes: number, seqFrom = 1): number {
    const rows: [number, number, Record<string, unknown>][] = [];
    let seq = seqFrom;
    for (let t = fromMs; t < fromMs + minutes * MIN; t += 1_000 + Math.floor(rnd() * 8_000)) {
      const r = rnd();
      const readings = r < 0.1 ? { co: seq % 7 } : r < 0.13 ? { ch4: 'n/a', co: 1 } : { ch4: Math.round(rnd() * 5000) / 100, co: seq % 7 };
      rows.push([seq++, t, readings]);
    }
    // Late arrivals: neighbours swapped now and then, as a device flushing its buffer would.
    for (let i = 1; i < rows.length; i++) if (rnd() < 0.2) [rows[i - 1], rows[i]] = [rows[i]!, rows[i - 1]!];
    for (const [s, t, readings] of rows) append(device, s, t, readings);
    journal.flush();
    return seq;
  }

  async function expectScanAnswers(store: SqliteTelemetryStore, rnd: () => number, fromMs: number, toMs: number, ranges: number): Promise<void> {
    const spans: [number, number][] = [
      [fromMs, toMs],
      [fromMs + 1, toMs - 1],
      [fromMs + 30_000, fromMs + 30_500], // inside one minute
      [fromMs + 59_999, fromMs + 60_000], // across one minute boundary, no whole minute
    ];
    for (let i = 0; i < ranges; i++) {
      const a = fromMs + Math.floor(rnd() * (toMs - fromMs));
      spans.push([a, a + Math.floor(rnd() * (toMs - a))]);
    }
    for (const [from, to] of spans) {
      const q: HistoryQuery = { site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: from, toMs: to, limit: 1_000_000 };
      const raw = await store.history(q);
      for (const every of ['1m', '1h'] as const) {
        for (const agg of AGGS) {
          expect(rounded(await store.history({ ...q, every, agg })), `${every} ${agg} over [${from}, ${to}]`).toEqual(oracle(raw, every === '1m' ? MIN : 3_600_000, agg));
        }
      }
    }
  }

  it('answers unaligned ranges exactly as a scan of every point, while minutes are in memory and once written', async () => {
    const rnd = random(42);
    fillIrregular(rnd, 'gas-01', T0 + 17_000, 150);
    fillIrregular(rnd, 'gas-02', T0, 150);
    const store = new SqliteTelemetryStore(db);
    // Small batches: the newest minutes stay in memory, the settled ones are written.
    for (let i = 0; i < 5; i++) await store.drainOnce(300);
    const inMemory = (db.prepare('SELECT count(*) AS n FROM sample_1m_dirty').get() as { n: number }).n;
    expect(inMemory).toBeGreaterThan(0);
    expect((db.prepare('SELECT count(*) AS n FROM sample_1m_live').get() as { n: number }).n).toBeGreaterThan(0);
    await expectScanAnswers(store, rnd, T0, T0 + 150 * MIN, 6);
    await store.flush();
    expect(db.prepare('SELECT count(*) AS n FROM sample_1m_dirty').get()).toEqual({ n: 0 });
    await expectScanAnswers(store, rnd, T0, T0 + 150 * MIN, 6);
  });

  it('counts a replayed reading once, in the same batch, a later batch, and after its minute was written', async () => {
    const store = new SqliteTelemetryStore(db);
    append('gas-01', 1, T0 + 1_000, { ch4: 10 });
    append('gas-01', 2, T0 + 2_000, { ch4: 20 });
    append('gas-01', 2, T0 + 2_000, { ch4: 20 });
    journal.flush();
    await store.drainOnce(10);
    append('gas-01', 1, T0 + 1_000, { ch4: 10 });
    journal.flush();
    await store.flush();
    append('gas-01', 2, T0 + 2_000, { ch4: 20 });
    append('gas-01', 3, T0 + 3_000, { ch4: 60 });
    journal.flush();
    await store.flush();
    const q: HistoryQuery = { site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: T0, toMs: T0 + MIN - 1, limit: 100, every: '1m', agg: 'mean' };
    expect(await store.history(q)).toEqual([{ tsMs: T0, value: 30, seq: 3, count: 3 }]);
  });

  it('takes a late reading into a minute already written, and its seq decides last on equal ts', async () => {
    const store = new SqliteTelemetryStore(db);
    append('gas-01', 5, T0 + 40_000, { ch4: 5 });
    append('gas-01', 6, T0 + 50_000, { ch4: 6 });
    journal.flush();
    await store.flush();
    append('gas-01', 7, T0 + 50_000, { ch4: 7 }); // same ts, higher seq: the latest point
    append('gas-01', 1, T0 + 1_000, { ch4: 1 }); // late, oldest
    journal.flush();
    await store.flush();
    const q: HistoryQuery = { site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: T0, toMs: T0 + MIN - 1, limit: 100, every: '1m' };
    expect(await store.history({ ...q, agg: 'last' })).toEqual([{ tsMs: T0, value: 7, seq: 7, count: 4 }]);
    expect(await store.history({ ...q, agg: 'min' })).toEqual([{ tsMs: T0, value: 1, seq: 7, count: 4 }]);
    expect(await store.history({ ...q, agg: 'mean' })).toEqual([{ tsMs: T0, value: 19 / 4, seq: 7, count: 4 }]);
  });

  it('rebuilds the minutes that were only in memory when the process died', async () => {
    const rnd = random(7);
    fillIrregular(rnd, 'gas-01', T0, 30);
    const store = new SqliteTelemetryStore(db);
    await store.drainOnce(100_000);
    // The newest minute and the two before it have not settled: their parts are in memory only.
    expect((db.prepare('SELECT count(*) AS n FROM sample_1m_dirty').get() as { n: number }).n).toBe(3);
    expect((db.prepare("SELECT count(*) AS n FROM sample_1m_live WHERE channel = 'ch4'").get() as { n: number }).n).toBe(27);
    // The process dies: no flush, no close of the store; the file is opened again.
    db.close();
    db = openJournalDb(dir.path, 'NORMAL');
    const reopened = new SqliteTelemetryStore(db);
    expect(db.prepare('SELECT count(*) AS n FROM sample_1m_dirty').get()).toEqual({ n: 0 });
    expect((db.prepare("SELECT count(*) AS n FROM sample_1m_live WHERE channel = 'ch4'").get() as { n: number }).n).toBe(30);
    await expectScanAnswers(reopened, rnd, T0, T0 + 30 * MIN, 4);
  });

  it('forgets the parts of a drain batch that failed and answers from what was committed', async () => {
    const rnd = random(3);
    const next = fillIrregular(rnd, 'gas-01', T0, 20);
    const store = new SqliteTelemetryStore(db);
    await store.drainOnce(50);
    // A storage failure mid-batch, after some of its rows reached the minute parts in memory.
    db.exec("CREATE TEMP TRIGGER broken BEFORE INSERT ON sample WHEN new.device = 'gas-09' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
    append('gas-09', 1, T0 + 5 * MIN, { ch4: 1 });
    journal.flush();
    await expect(store.flush()).rejects.toThrow('disk trouble');
    db.exec('DROP TRIGGER broken');
    fillIrregular(rnd, 'gas-01', T0 + 20 * MIN, 10, next);
    await store.flush();
    expect(await store.countMessages({ device: 'gas-09' })).toBe(1);
    await expectScanAnswers(store, rnd, T0, T0 + 30 * MIN, 4);
  });

  it('backfills minute aggregates when a database of the previous schema is opened', async () => {
    const rnd = random(11);
    fillIrregular(rnd, 'gas-01', T0, 40);
    // The previous version's state: samples drained, no minute table; one minute half folded by
    // its retention job into sample_1m, with the rest of that minute still raw.
    const old = new SqliteTelemetryStore(db);
    await old.flush();
    const folded = db.prepare("SELECT ts_ms, seq, json_extract(readings, '$.ch4') AS v FROM sample WHERE device = 'gas-01' AND ts_ms < ? AND json_type(readings, '$.ch4') IN ('integer', 'real') ORDER BY ts_ms, seq").all(T0 + 20_000) as { ts_ms: number; seq: number; v: number }[];
    expect(folded.length).toBeGreaterThan(0);
    const before = await old.history({ site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: T0, toMs: T0 + 40 * MIN, limit: 10_000, every: '1m', agg: 'mean' });
    const lastFolded = folded[folded.length - 1]!;
    db.prepare('INSERT INTO sample_1m VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run('k1', 'gas-01', 'ch4', T0, folded.length, folded.reduce((a, r) => a + r.v, 0), Math.min(...folded.map((r) => r.v)), Math.max(...folded.map((r) => r.v)), lastFolded.v, lastFolded.ts_ms, lastFolded.seq);
    db.prepare("DELETE FROM sample WHERE device = 'gas-01' AND ts_ms < ?").run(T0 + 20_000);
    db.exec('DROP TABLE sample_1m_live; DROP TABLE sample_1m_dirty; PRAGMA user_version = 2;');
    db.close();
    db = openJournalDb(dir.path, 'NORMAL');
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    const upgraded = new SqliteTelemetryStore(db);
    expect(rounded(await upgraded.history({ site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: T0, toMs: T0 + 40 * MIN, limit: 10_000, every: '1m', agg: 'mean' }))).toEqual(rounded(before));
    // Whole minutes now come from the backfilled table, the half-folded one merged with its raw rest.
    expect((db.prepare("SELECT count(*) AS n FROM sample_1m_live WHERE channel = 'ch4'").get() as { n: number }).n).toBe(40);
  });
});
