// The embedded store in its worker thread: what the worker drains is readable through
// the proxy, the cursor the main thread sees follows the worker's, a query is answered in the
// middle of a long drain, and neither a close nor a killed worker loses or doubles a reading.
// The worker runs the compiled script in dist/: `npm run build` first.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournalDb } from '../../../gateway/src/store/journal-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { ThreadedSqliteTelemetryStore, type ThreadedSqliteOptions } from '../../../gateway/src/store/sqlite-telemetry-threaded.js';
import { SqliteTelemetryStore } from '../../../gateway/src/store/sqlite-telemetry.js';
import { DrainLoop } from '../../../gateway/src/store/drain-loop.js';
import { Journal } from '../../../gateway/src/ingest/journal.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { eventually } from '../../support/gateway.js';

/** 2025-11-23T00:00:00Z. */
const T0 = 1_763_856_000_000;
const DAY = 86_400_000;

describe('SQLite telemetry store in a worker thread', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  const stores: ThreadedSqliteTelemetryStore[] = [];

  beforeEach(() => {
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.kill(false);
    if (db.open) db.close();
    dir.remove();
  });

  function open(o: Partial<ThreadedSqliteOptions> = {}): ThreadedSqliteTelemetryStore {
    const s = new ThreadedSqliteTelemetryStore({ dataDir: dir.path, synchronous: 'NORMAL', log: silentLogger(), ...o });
    stores.push(s);
    return s;
  }

  /** `n` readings of devices d0..d9, one a second from `fromMs`, committed as the journal does. */
  function commit(n: number, fromMs = T0, seqFrom = 1): void {
    const insert = db.prepare('INSERT INTO reading (site, device, seq, ts_ms, received_ms, readings) VALUES (?, ?, ?, ?, ?, ?)');
    const cursor = db.prepare('INSERT OR REPLACE INTO ingest_cursor (site, device, last_seq, last_ts_ms) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const seq = seqFrom + i;
        const ts = fromMs + i * 1000;
        insert.run('k1', `d${i % 10}`, seq, ts, ts, JSON.stringify({ ch4: seq % 50, co: 1 }));
        cursor.run('k1', `d${i % 10}`, seq, ts);
      }
    })();
  }

  const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  /** Readings counted by the minute aggregates (live and retired) of one channel. */
  const aggregated = (): number => count("SELECT coalesce(sum(n), 0) AS n FROM (SELECT n FROM sample_1m_live WHERE channel = 'ch4' UNION ALL SELECT n FROM sample_1m WHERE channel = 'ch4')");

  it('stores what it drains, readable by history, and reports the cursor it reached', async () => {
    commit(2_500);
    const store = open({ transactionRows: 1_000 });
    expect(store.cursor()).toBe(0);
    expect(await store.drainOnce(1_500)).toBe(1_500);
    expect(store.cursor()).toBe(1_500);
    expect(await store.countMessages()).toBe(1_500);
    await store.flush();
    expect(store.cursor()).toBe(2_500);
    expect(await store.countMessages({ device: 'd3' })).toBe(250);
    const points = await store.history({ site: 'k1', device: 'd3', channel: 'ch4', fromMs: T0, toMs: T0 + 40_000, limit: 100 });
    // d3 is every tenth reading from the fourth: seq i + 1 at T0 + i s, ch4 = seq % 50.
    expect(points).toEqual([3, 13, 23, 33].map((i) => ({ tsMs: T0 + i * 1000, value: (i + 1) % 50, seq: i + 1 })));
    const minutes = await store.history({ site: 'k1', device: 'd3', channel: 'ch4', fromMs: T0, toMs: T0 + 2_500_000, limit: 1_000, every: '1m', agg: 'max' });
    expect(minutes.reduce((n, p) => n + p.count!, 0)).toBe(250);
    // A bad query keeps its kind across the thread (the API answers it with 400).
    await expect(store.history({ site: 'k1', device: 'd3', channel: 'ch4', fromMs: 0, toMs: 1, limit: 1, every: '5m' as never })).rejects.toThrow(RangeError);
    // A new store on the same file starts at the saved cursor.
    await store.close();
    const reopened = open();
    await eventually(() => reopened.cursor() === 2_500, 5_000, 'the cursor of the reopened store');
    expect(await reopened.drainOnce(1_000)).toBe(0);
  });

  it('answers a query in the middle of a long backlog drain', async () => {
    commit(60_000);
    const store = open({ transactionRows: 1_000 });
    let drained = false;
    const drain = store.drainOnce(60_000).then((n) => {
      drained = true;
      return n;
    });
    // Sent once the worker has begun: the drain has 60 transactions to go.
    await eventually(() => store.cursor() > 0 || count('SELECT count(*) AS n FROM sample') > 0, 10_000, 'the drain to begin');
    const [seen, points] = await Promise.all([store.countMessages(), store.history({ site: 'k1', device: 'd1', channel: 'ch4', fromMs: T0, toMs: T0 + 60_000_000, limit: 1_000_000 })]);
    expect(drained).toBe(false);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(60_000);
    expect(points.length).toBeLessThan(6_000);
    expect(await drain).toBe(60_000);
    expect(await store.countMessages()).toBe(60_000);
  });

  it('closes in the middle of a drain without losing or doubling a reading', async () => {
    commit(30_000);
    const store = open({ transactionRows: 1_000 });
    const drain = store.drainOnce(20_000);
    await store.close();
    expect(await drain).toBe(20_000);
    await expect(store.countMessages()).rejects.toThrow(/closed/);
    // close() drained the rest and wrote the minute aggregates back.
    expect(count('SELECT count(*) AS n FROM sample')).toBe(30_000);
    expect(count('SELECT count(*) AS n FROM sample_1m_dirty')).toBe(0);
    commit(5_000, T0 + 30_000_000, 30_001);
    const next = open();
    await next.flush();
    expect(await next.countMessages()).toBe(35_000);
    expect(aggregated()).toBe(35_000);
  });

  it('rejects pending requests when its worker dies, and a new worker takes up the drain exactly once', async () => {
    commit(60_000);
    const store = open({ transactionRows: 1_000 });
    const drain = store.drainOnce(60_000);
    // Queued behind the drain: pending when the worker dies.
    const queued = store.flush();
    await eventually(() => count('SELECT count(*) AS n FROM sample') > 0, 10_000, 'the drain to begin');
    await store.kill(true);
    await expect(drain).rejects.toThrow(/time-series store worker exited \(code 1\).*readings stay in the journal/);
    await expect(queued).rejects.toThrow(/worker exited/);
    // The killed drain's transaction is rolled back: the journal can write the file at once.
    commit(1_000, T0 + 60_000_000, 60_001);
    // The next request starts a new worker, which resumes at the committed cursor.
    const before = count('SELECT count(*) AS n FROM sample');
    expect(await store.countMessages()).toBe(before);
    expect(store.stats.restarts).toBe(1);
    await store.flush();
    expect(await store.countMessages()).toBe(61_000);
    expect(store.cursor()).toBe(61_000);
    // Minutes whose parts were in the dead worker's memory are rebuilt from the samples.
    expect(aggregated()).toBe(61_000);
  });

  it('fails every request with the reason when the worker cannot open the file', async () => {
    const store = new ThreadedSqliteTelemetryStore({ dataDir: `${dir.path}/journal.db/nested`, synchronous: 'NORMAL', log: silentLogger() });
    stores.push(store);
    await expect(store.countMessages()).rejects.toThrow(/time-series store worker exited.*cannot open/);
    // Not restarted in a tight loop: a worker that never started waits before the next try.
    await expect(store.drainOnce(10)).rejects.toThrow(/failed at start; next try in/);
  });

  it('runs retention in the worker when the drain loop asks, and prunes the journal by the reported cursor', async () => {
    let now = T0 + 31 * DAY;
    commit(600, T0); // ten minutes, past 30 days of raw retention by now
    const store = open();
    const journal = new Journal(db, { commitIntervalMs: 1, maxBatch: 10_000 }, silentLogger());
    const loop = new DrainLoop(store, journal, { intervalMs: 1_000, batchRows: 5_000, keepMs: 60_000 }, () => now, silentLogger());
    await loop.tick();
    // maintain() is a message: it runs before the next write the worker takes.
    await store.flush();
    expect(await store.countMessages()).toBe(0);
    // Ten devices, ten minutes each, retired into one-minute aggregates.
    expect(count("SELECT count(*) AS n FROM sample_1m WHERE channel = 'ch4'")).toBe(100);
    expect(aggregated()).toBe(600);
    expect(count('SELECT count(*) AS n FROM reading')).toBe(600);
    now += 60_000;
    await loop.tick();
    // Pruned up to the cursor the worker reported; the newest row always stays.
    try {
      await eventually(() => count('SELECT count(*) AS n FROM reading') === 1, 5_000, 'the journal pruned up to the store cursor');
    } finally {
      journal.close();
    }
  });
});
