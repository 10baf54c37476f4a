// The InfluxDB store against a real influxd 1.x: every journal row arrives once, the cursor moves
// only after InfluxDB accepted a batch, an outage during steady load loses and doubles nothing,
// a 400 partial write sends exactly the refused points to the reject file, the spool bound keeps
// the newest rows and says so, and alarm transitions arrive as `alarm_event` points.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openJournalDb } from '../../../gateway/src/store/journal-db.js';
import { openStateDb } from '../../../gateway/src/store/state-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { Journal } from '../../../gateway/src/ingest/journal.js';
import { DrainLoop } from '../../../gateway/src/store/drain-loop.js';
import { InfluxTelemetryStore, type InfluxStoreOptions } from '../../../gateway/src/store/influx/influx-store.js';
import { V1Writer } from '../../../gateway/src/store/influx/v1-writer.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';
import { eventually } from '../../support/gateway.js';
import { influxdMissing, startInfluxd, type Influxd } from '../../support/influxd.js';

const missing = influxdMissing();
if (missing) console.warn(`InfluxDB store tests skipped: ${missing}`);

/** Outage length for the steady-load test; the issue asks for minutes, CI runs seconds. */
const OUTAGE_MS = Number(process.env.SHAOBING_INFLUX_OUTAGE_MS ?? 2000);

const QUANTITY: Record<string, string> = { ch4: 'methane_lel', co: 'co_ppm' };

describe.skipIf(missing !== null)('InfluxDB telemetry store (influxd 1.x)', () => {
  let influxd: Influxd;
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let journal: Journal;
  let database: string;
  let n = 0;

  beforeAll(async () => {
    influxd = await startInfluxd();
  });
  afterAll(async () => {
    await influxd?.close();
  });
  beforeEach(() => {
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
    journal = new Journal(db, { commitIntervalMs: 1, maxBatch: 10_000 }, silentLogger());
    database = `store${++n}`;
  });
  afterEach(() => {
    if (db.open) db.close();
    dir.remove();
  });

  function store(over: Partial<InfluxStoreOptions> = {}, url = influxd.url): InfluxTelemetryStore {
    return new InfluxTelemetryStore({
      writer: new V1Writer({ url, database, timeoutMs: 2000 }),
      journalDb: db,
      quantityOf: (_s, _d, channel) => QUANTITY[channel],
      batchRows: 500,
      lingerMs: 0,
      retry: { minMs: 50, maxMs: 400 },
      spoolMaxRows: 1_000_000,
      rejectFile: join(dir.path, 'influx-rejected.jsonl'),
      clock: Date.now,
      log: silentLogger(),
      ...over,
    });
  }

  function append(device: string, seq: number, tsMs: number, readings: Record<string, number>): void {
    journal.append({ site: 'k1', device, seq, tsMs, receivedMs: Date.now(), readingsJson: JSON.stringify(readings), metaJson: null }, () => {});
  }

  async function rows(q: string): Promise<unknown[][]> {
    const res = await influxd.query(q, database);
    return res.results[0]?.series?.flatMap((s) => s.values) ?? [];
  }

  it('ships every journal row as one point per channel with its quantity, and resumes at its cursor', async () => {
    const t0 = 1_763_000_000_000;
    for (let i = 1; i <= 1200; i++) append(`gas-${i % 3}`, i, t0 + i, { ch4: i / 10, co: i });
    journal.flush();
    const s = store();
    await s.prepare();
    expect(s.spoolDepth()).toBe(1200);
    expect(await s.drainOnce(500)).toBe(500);
    expect(s.cursor()).toBe(500);
    // A new store on the same journal starts at the saved cursor.
    const again = store();
    expect(again.cursor()).toBe(500);
    await again.flush();
    expect(again.spoolDepth()).toBe(0);
    expect(again.spoolAgeMs()).toBe(0);
    expect(await rows('SELECT count(value) FROM reading GROUP BY channel')).toEqual([[0, 1200], [0, 1200]]);
    expect(await again.countMessages()).toBe(1200);
    expect(await again.countMessages({ device: 'gas-1' })).toBe(400);
    expect(await rows(`SELECT quantity, value, seq FROM reading WHERE device = 'gas-1' AND channel = 'ch4' AND time = ${t0 + 7}ms`)).toEqual([[t0 + 7, 'methane_lel', 0.7, 7]]);
  });

  it('waits for a batch to fill up to lingerMs, then sends what it has', async () => {
    let now = 1_000;
    const s = store({ lingerMs: 1000, clock: () => now });
    await s.prepare();
    journal.append({ site: 'k1', device: 'd', seq: 1, tsMs: 5, receivedMs: 1_000, readingsJson: '{"ch4":1}', metaJson: null }, () => {});
    journal.flush();
    expect(await s.drainOnce(500)).toBe(0);
    expect(s.spoolAgeMs()).toBe(0);
    now = 1_999;
    expect(await s.drainOnce(500)).toBe(0);
    expect(s.spoolAgeMs()).toBe(999);
    now = 2_000;
    expect(await s.drainOnce(500)).toBe(1);
  });

  it('keeps rows in the spool while InfluxDB is down, backs off without spinning, then ships all once', async () => {
    const s = store();
    const loop = new DrainLoop(s, journal, { intervalMs: 20, batchRows: 500, keepMs: 0 }, Date.now, silentLogger());
    await s.prepare();
    loop.start();
    let seq = 0;
    const t0 = 1_763_100_000_000;
    // Steady load: 10 devices, one message each every 10 ms.
    const load = setInterval(() => {
      seq++;
      for (let d = 0; d < 10; d++) append(`dev-${d}`, seq, t0 + seq * 10, { ch4: seq + d / 100 });
    }, 10);
    try {
      await eventually(() => s.stats.shippedRows > 100, 5000, 'first rows shipped');
      await influxd.stop();
      const failuresBefore = s.stats.failures;
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      const failuresDuring = s.stats.failures - failuresBefore;
      expect(s.outage).toBe(true);
      expect(s.spoolDepth()).toBeGreaterThan(0);
      // Backoff of 50..400 ms: a drain loop ticking every 20 ms would try ~OUTAGE_MS/20 times if it spun.
      expect(failuresDuring).toBeGreaterThan(0);
      expect(failuresDuring).toBeLessThan(OUTAGE_MS / 100);
      await influxd.start();
    } finally {
      clearInterval(load);
    }
    journal.flush();
    const total = seq * 10;
    await eventually(() => s.spoolDepth() === 0 && !s.outage, 15_000, 'backlog shipped');
    await loop.stop();
    expect(await rows('SELECT count(value) FROM reading')).toEqual([[0, total]]);
    // No reading became a second point: one point per (device, seq), with its own value.
    expect(await rows('SELECT count(distinct(seq)) FROM reading GROUP BY device')).toEqual(Array.from({ length: 10 }, () => [0, seq]));
    expect(await rows(`SELECT value FROM reading WHERE device = 'dev-3' AND time = ${t0 + 50}ms`)).toEqual([[t0 + 50, 5.03]]);
  });

  it('sends exactly the points InfluxDB refuses (400 partial write) to the reject file, and the rest on', async () => {
    // max-values-per-tag 5: once five devices exist, points of a sixth are a partial write (1.x
    // checks the count before each write, so the first batch fills the tag and the second overflows).
    const strict = await startInfluxd({ maxValuesPerTag: 5, database });
    try {
      let refusedNow = 0;
      const s = store({ onRejected: (count) => (refusedNow += count) }, strict.url);
      const t0 = 1_763_200_000_000;
      for (let i = 1; i <= 10; i++) append(`dev-${i % 5}`, i, t0 + i, { ch4: i });
      journal.flush();
      await s.flush();
      for (let i = 11; i <= 50; i++) append(`dev-${i % 8}`, i, t0 + i, { ch4: i });
      journal.flush();
      await s.flush();
      expect(s.cursor()).toBe(50);
      // dev-5, dev-6 and dev-7 (5 readings each among 11..50) are refused; the other 35 arrive.
      const accepted = (await strict.query('SELECT count(value) FROM reading', database)).results[0]!.series![0]!.values[0]![1];
      expect(accepted).toBe(35);
      expect(s.stats.rejected).toBe(15);
      expect(refusedNow).toBe(15);
      const file = join(dir.path, 'influx-rejected.jsonl');
      const rejects = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { line: string; reason: string; status: number; journalId: number });
      expect(rejects).toHaveLength(15);
      expect(rejects[0]!.status).toBe(400);
      expect(rejects[0]!.reason).toMatch(/max-values-per-tag/);
      expect(new Set(rejects.map((r) => /device=(dev-\d)/.exec(r.line)![1])).size).toBe(3);
      // The count survives a restart; nothing is retried.
      const again = store({}, strict.url);
      expect(again.stats.rejected).toBe(15);
      expect(await again.drainOnce(500)).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('keeps the newest rows when the spool bound is passed, counts the dropped, and raises the callback', async () => {
    const overflows: [number, number][] = [];
    const dead = 'http://127.0.0.1:9'; // discard port: nothing listens on loopback
    const down = store({ spoolMaxRows: 100, onSpoolOverflow: (d, total) => overflows.push([d, total]) }, dead);
    for (let i = 1; i <= 90; i++) append('d', i, 1_763_300_000_000 + i, { ch4: i });
    journal.flush();
    expect(await down.drainOnce(500)).toBe(0);
    expect(down.backlogHigh()).toBe(true); // 90 ≥ 80 % of 100
    expect(overflows).toEqual([]);
    for (let i = 91; i <= 250; i++) append('d', i, 1_763_300_000_000 + i, { ch4: i });
    journal.flush();
    expect(await down.drainOnce(500)).toBe(0);
    expect(overflows).toEqual([[150, 150]]);
    expect(down.spoolDepth()).toBe(100);
    expect(down.cursor()).toBe(150);
    // InfluxDB back: a new store (restart) knows what was dropped and ships the newest 100.
    const up = store({ spoolMaxRows: 100 });
    await up.prepare();
    expect(up.stats.dropped).toBe(150);
    await up.flush();
    expect(await rows('SELECT min(seq), max(seq), count(seq) FROM reading')).toEqual([[0, 151, 250, 100]]);
    expect(up.backlogHigh()).toBe(false);
    expect(existsSync(join(dir.path, 'influx-rejected.jsonl'))).toBe(false);
  });

  it('ships alarm transitions from state.db as alarm_event points with their own cursor', async () => {
    const state = openStateDb(dir.path);
    try {
      state
        .prepare(
          `INSERT INTO alarm (id, site, device, channel, quantity, rule_id, level, peak_level, value, peak_value, state, raised_at_ms, updated_at_ms)
           VALUES ('a-1', 'k1', 'gas-01', 'ch4', 'methane_lel', 'kitchen-methane', 'red', 'red', 55, 55, 'active_acked', 1000, 3000)`,
        )
        .run();
      const ev = state.prepare('INSERT INTO alarm_event (alarm_id, kind, from_level, to_level, state, value, at_ms, actor, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
      ev.run('a-1', 'raised', null, 'yellow', 'active_unacked', 30, 1_763_400_001_000, null, null);
      ev.run('a-1', 'escalated', 'yellow', 'red', 'active_unacked', 55, 1_763_400_002_000, null, null);
      ev.run('a-1', 'acked', null, null, 'active_acked', null, 1_763_400_003_000, 'li.wei', 'on my way, "valve" closed');
      const s = store({ stateDb: state });
      await s.prepare();
      await s.flush();
      expect(s.stats.shippedAlarmEvents).toBe(3);
      expect(await rows('SELECT kind, level, from_level, value, actor, note, alarm_id, rule FROM alarm_event ORDER BY time')).toEqual([
        [1_763_400_001_000, 'raised', 'yellow', null, 30, null, null, 'a-1', 'kitchen-methane'],
        [1_763_400_002_000, 'escalated', 'red', 'yellow', 55, null, null, 'a-1', 'kitchen-methane'],
        [1_763_400_003_000, 'acked', 'red', null, null, 'li.wei', 'on my way, "valve" closed', 'a-1', 'kitchen-methane'],
      ]);
      ev.run('a-1', 'cleared', null, null, 'cleared', 2, 1_763_400_004_000, null, null);
      const again = store({ stateDb: state });
      await again.flush();
      expect(again.stats.shippedAlarmEvents).toBe(1);
      expect(await rows('SELECT count(event_id) FROM alarm_event')).toEqual([[0, 4]]);
    } finally {
      state.close();
    }
  });
});
