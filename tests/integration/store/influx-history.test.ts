// History per sensor, raw and in buckets (10s, 1m, 1h; mean, min, max, last), from InfluxDB
// (InfluxQL over /query) and from the embedded SQLite store, which must answer alike; and the
// SQLite retention: raw samples past retentionDays fold into one-minute aggregates that keep
// answering 1m/1h queries until aggregateRetentionDays.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openJournalDb } from '../../../gateway/src/store/journal-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { Journal } from '../../../gateway/src/ingest/journal.js';
import { DrainLoop } from '../../../gateway/src/store/drain-loop.js';
import { SqliteTelemetryStore } from '../../../gateway/src/store/sqlite-telemetry.js';
import { InfluxTelemetryStore } from '../../../gateway/src/store/influx/influx-store.js';
import { V1Writer } from '../../../gateway/src/store/influx/v1-writer.js';
import type { HistoryPoint, HistoryQuery } from '../../../gateway/src/store/telemetry-store.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { influxdMissing, startInfluxd, type Influxd } from '../../support/influxd.js';

const missing = influxdMissing();
if (missing) console.warn(`InfluxDB history tests skipped (the SQLite ones run): ${missing}`);

const DAY = 86_400_000;
/** 2025-11-23T00:00:00Z: a whole hour, so 1h buckets start here. */
const T0 = 1_763_856_000_000;

/** Two hours of one sensor, one reading every 7 s, with a second channel and a foreign device. */
function fill(journal: Journal): void {
  let seq = 0;
  for (let t = T0; t < T0 + 2 * 3_600_000; t += 7_000) {
    seq++;
    const ch4 = Math.round((Math.sin(seq / 10) * 20 + 25) * 100) / 100;
    journal.append({ site: 'k1', device: 'gas-01', seq, tsMs: t, receivedMs: t, readingsJson: JSON.stringify({ ch4, co: seq % 50 }), metaJson: null }, () => {});
    journal.append({ site: 'k1', device: 'gas-02', seq, tsMs: t, receivedMs: t, readingsJson: JSON.stringify({ ch4: 99 }), metaJson: null }, () => {});
  }
  journal.flush();
}

const q = (over: Partial<HistoryQuery> = {}): HistoryQuery => ({ site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: T0, toMs: T0 + 2 * 3_600_000, limit: 10_000, ...over });

/** Means computed two ways differ in the last bits of a float sum. */
function rounded(points: HistoryPoint[]): HistoryPoint[] {
  return points.map((p) => ({ ...p, value: Math.round(p.value * 1e9) / 1e9 }));
}

describe('history from the embedded SQLite store', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let sqlite: SqliteTelemetryStore;

  beforeEach(async () => {
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
    fill(new Journal(db, { commitIntervalMs: 1, maxBatch: 100_000 }, silentLogger()));
    sqlite = new SqliteTelemetryStore(db, { retentionDays: 30, aggregateRetentionDays: 400 });
    await sqlite.flush();
  });
  afterEach(() => {
    db.close();
    dir.remove();
  });

  it('buckets on epoch-aligned boundaries with mean, min, max and last', async () => {
    const raw = await sqlite.history(q({ toMs: T0 + 60_000 - 1 }));
    expect(raw.map((p) => p.tsMs)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => T0 + i * 7_000));
    const values = raw.map((p) => p.value);
    for (const agg of ['mean', 'min', 'max', 'last'] as const) {
      const [bucket, ...rest] = await sqlite.history(q({ toMs: T0 + 60_000 - 1, every: '1m', agg }));
      expect(rest).toEqual([]);
      const want = { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values), last: values[8]! }[agg];
      expect(bucket).toEqual({ tsMs: T0, value: want, seq: 9, count: 9 });
    }
    expect(await sqlite.history(q({ every: '1h', agg: 'max' }))).toHaveLength(2);
    const tens = await sqlite.history(q({ every: '10s' }));
    // A reading every 7 s fills every 10 s bucket; together they hold every reading once.
    expect(tens).toHaveLength(720);
    expect(tens.reduce((n, p) => n + p.count!, 0)).toBe(1029);
    // Buckets without a reading are left out.
    expect(await sqlite.history(q({ device: 'gas-01', channel: 'nope', every: '1m' }))).toEqual([]);
  });

  it('keeps 1m and 1h answers exact after raw samples fold into one-minute aggregates', async () => {
    const before = { m: await sqlite.history(q({ every: '1m', agg: 'mean' })), h: await sqlite.history(q({ every: '1h', agg: 'last' })), hmin: await sqlite.history(q({ every: '1h', agg: 'min' })) };
    // 30 days and 61 minutes later: the first hour of raw samples is past retention.
    sqlite.maintain(T0 + 30 * DAY + 61 * 60_000);
    const left = (await sqlite.history(q())).length;
    expect(left).toBeLessThan(1029);
    expect(left).toBeGreaterThan(500);
    expect((await db.prepare('SELECT count(*) AS n FROM sample_1m').get()) as { n: number }).toEqual({ n: 61 * 2 + 61 });
    expect(rounded(await sqlite.history(q({ every: '1m', agg: 'mean' })))).toEqual(rounded(before.m));
    expect(await sqlite.history(q({ every: '1h', agg: 'last' }))).toEqual(before.h);
    expect(await sqlite.history(q({ every: '1h', agg: 'min' }))).toEqual(before.hmin);
    // Past the aggregate retention the old minutes go too.
    sqlite.maintain(T0 + 401 * DAY);
    expect((await db.prepare('SELECT count(*) AS n FROM sample_1m').get()) as { n: number }).toEqual({ n: 0 });
    expect(await sqlite.history(q())).toEqual([]);
  });

  it('runs retention from the drain loop at most once a minute of the injected clock', async () => {
    let now = T0 + 30 * DAY + 61 * 60_000;
    const loop = new DrainLoop(sqlite, new Journal(db, { commitIntervalMs: 1, maxBatch: 100 }, silentLogger()), { intervalMs: 1000, batchRows: 1000, keepMs: 3_600_000 }, () => now, silentLogger());
    const folded = () => (db.prepare('SELECT count(*) AS n FROM sample_1m').get() as { n: number }).n;
    await loop.tick();
    expect(folded()).toBe(61 * 2 + 61);
    now += 59_999; // a minute of readings more is past retention, but the job waits its minute
    await loop.tick();
    expect(folded()).toBe(183);
    now += 1;
    await loop.tick();
    expect(folded()).toBe(183 + 3);
  });

  it('never deletes the newest journal row, so row ids never restart below a cursor', () => {
    const journal = new Journal(db, { commitIntervalMs: 1, maxBatch: 100 }, silentLogger());
    const newest = (db.prepare('SELECT max(id) AS id FROM reading').get() as { id: number }).id;
    journal.prune(newest); // the delete runs in the journal worker; flush waits for it
    journal.flush();
    expect(journal.prune(newest)).toBe(newest - 1);
    journal.append({ site: 'k1', device: 'gas-01', seq: 99_999, tsMs: T0 + 9 * DAY, receivedMs: 0, readingsJson: '{"ch4":1}', metaJson: null }, () => {});
    journal.flush();
    expect(db.prepare('SELECT id FROM reading ORDER BY id').all()).toEqual([{ id: newest }, { id: newest + 1 }]);
  });
});

describe.skipIf(missing !== null)('history from InfluxDB 1.x agrees with SQLite', () => {
  let influxd: Influxd;
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let sqlite: SqliteTelemetryStore;
  let influx: InfluxTelemetryStore;

  beforeAll(async () => {
    influxd = await startInfluxd({ database: 'history' });
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
    fill(new Journal(db, { commitIntervalMs: 1, maxBatch: 100_000 }, silentLogger()));
    sqlite = new SqliteTelemetryStore(db);
    await sqlite.flush();
    influx = new InfluxTelemetryStore({
      writer: new V1Writer({ url: influxd.url, database: 'history' }),
      journalDb: db,
      quantityOf: () => 'methane_lel',
      batchRows: 5000,
      lingerMs: 0,
      retry: { minMs: 50, maxMs: 200 },
      spoolMaxRows: 1_000_000,
      rejectFile: `${dir.path}/rejected.jsonl`,
      clock: Date.now,
      log: silentLogger(),
    });
    await influx.flush();
  });
  afterAll(async () => {
    db?.close();
    dir?.remove();
    await influxd?.close();
  });

  it('returns the same raw points', async () => {
    const a = await influx.history(q());
    expect(a).toHaveLength(1029);
    expect(a).toEqual(await sqlite.history(q()));
    expect(await influx.history(q({ fromMs: T0 + 7_000, toMs: T0 + 14_000, limit: 5 }))).toEqual(await sqlite.history(q({ fromMs: T0 + 7_000, toMs: T0 + 14_000, limit: 5 })));
  });

  it.each([
    ['10s', 'mean'],
    ['1m', 'mean'],
    ['1m', 'min'],
    ['1m', 'last'],
    ['1h', 'max'],
    ['1h', 'mean'],
  ] as const)('returns the same %s %s buckets', async (every, agg) => {
    const a = await influx.history(q({ every, agg }));
    expect(a.length).toBeGreaterThan(1);
    expect(rounded(a)).toEqual(rounded(await sqlite.history(q({ every, agg }))));
  });
});
