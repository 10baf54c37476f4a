// InfluxDB sink benchmark: points/s from the journal spool to a local influxd 1.x (Debian's, on
// loopback, started by tests/support/influxd.ts), the backlog drain rate after an outage, and
// journal bytes per reading. Every run checks that InfluxDB holds exactly the points shipped.
//
// Figures:
//   encode_points_per_s     line-protocol encoding alone (gateway CPU)
//   points_per_s_new_series flush() of a full spool into an empty database (series created)
//   points_per_s            sustained, the production path: DrainLoop ticks (200 ms, ≤5 batches
//                           a tick) into existing series
//   backlog_*               influxd stopped while readings pile up, then started: restart to an
//                           empty spool, backoff wait included (first batch reported apart)
//   journal_bytes_per_reading  journal.db size after a checkpoint / rows (2 channels a reading)
//
// Run: npm run build && node dist/bench/sink.js [--quick] [--rows N] [--out FILE|-]

import { statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Journal } from '../gateway/src/ingest/journal.js';
import { silentLogger } from '../gateway/src/log.js';
import { DrainLoop } from '../gateway/src/store/drain-loop.js';
import { InfluxTelemetryStore } from '../gateway/src/store/influx/influx-store.js';
import { readingLine } from '../gateway/src/store/influx/line-protocol.js';
import { V1Writer } from '../gateway/src/store/influx/v1-writer.js';
import { journalPath, openJournalDb } from '../gateway/src/store/journal-db.js';
import type { Db } from '../gateway/src/store/sqlite.js';
import { startInfluxd, type Influxd } from '../tests/support/influxd.js';
import { tempDir } from '../tests/support/tmp.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

export interface SinkBenchOptions {
  /** Journal rows per phase (each row: 2 channels → 2 points). */
  rows?: number;
  devices?: number;
  batchRows?: number;
  outFile?: string | null;
}

const CHANNELS = 2;

function fillJournal(db: Db, rows: number, devices: number, seqFrom: number, t0: number): void {
  const journal = new Journal(db, { commitIntervalMs: 1000, maxBatch: 10_000 }, silentLogger());
  const now = Date.now();
  for (let i = 0; i < rows; i++) {
    const seq = seqFrom + Math.floor(i / devices);
    const d = i % devices;
    const readings = JSON.stringify({ ch4: Math.round(((seq * 7 + d) % 1000) / 10) / 10, co: (seq + d) % 50 });
    journal.append({ site: 'bench', device: `gas-${String(d).padStart(5, '0')}`, seq, tsMs: t0 + seq * 1000 + d, receivedMs: now, readingsJson: readings, metaJson: '{"battery":87,"rssi":-71}' }, () => {});
  }
  journal.flush();
}

async function count(influxd: Influxd, db: string): Promise<number> {
  const res = await influxd.query('SELECT count(value) FROM reading', db);
  return Number(res.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

export async function runSinkBench(opts: SinkBenchOptions = {}): Promise<BenchResult> {
  const rows = opts.rows ?? 200_000;
  const devices = opts.devices ?? 1000;
  const batchRows = opts.batchRows ?? 5000;
  const dir = tempDir('shaobing-sink-bench-');
  const influxd = await startInfluxd({ database: 'bench' });
  const db = openJournalDb(dir.path, 'NORMAL');
  // Other work on the machine shows in every figure: record how busy it was.
  const result: BenchResult = { ...machineInfo(), load_avg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100, rows, devices, batch_rows: batchRows, points_per_row: CHANNELS, influxd: '1.6.7 (Debian), loopback' };
  try {
    const store = (database: string, retry = { minMs: 100, maxMs: 1000 }) =>
      new InfluxTelemetryStore({
        writer: new V1Writer({ url: influxd.url, database }),
        journalDb: db,
        quantityOf: (_s, _d, ch) => (ch === 'ch4' ? 'methane_lel' : 'co_ppm'),
        batchRows,
        lingerMs: 0,
        retry,
        spoolMaxRows: 100_000_000,
        rejectFile: join(dir.path, 'rejected.jsonl'),
        clock: Date.now,
        log: silentLogger(),
      });
    const t0 = 1_763_000_000_000;

    // 0. Encoding alone (no HTTP): what the gateway's CPU costs per point.
    fillJournal(db, rows, devices, 1, t0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    result.journal_bytes_per_reading = Math.round(statSync(journalPath(dir.path)).size / rows);
    const spoolRows = db.prepare('SELECT id, site, device, seq, ts_ms, readings FROM reading ORDER BY id').all() as { site: string; device: string; seq: number; ts_ms: number; readings: string }[];
    let t = performance.now();
    let encoded = 0;
    for (const r of spoolRows) {
      const readings = JSON.parse(r.readings) as Record<string, number>;
      for (const ch in readings) encoded += readingLine({ site: r.site, device: r.device, channel: ch, quantity: 'q', value: readings[ch]!, seq: r.seq, tsMs: r.ts_ms }).length;
    }
    result.encode_points_per_s = Math.round((rows * CHANNELS) / ((performance.now() - t) / 1000));
    result.line_bytes_per_point = Math.round(encoded / (rows * CHANNELS));

    // 1. Flush of a full spool into an empty database: every series is new (cold).
    const s1 = store('bench');
    await s1.prepare();
    t = performance.now();
    await s1.flush();
    let ms = performance.now() - t;
    result.points_per_s_new_series = Math.round((rows * CHANNELS) / (ms / 1000));

    // 2. Sustained: the drain loop as the runtime runs it, into the same series (later timestamps).
    fillJournal(db, rows, devices, 100_000, t0);
    const loop = new DrainLoop(s1, new Journal(db, { commitIntervalMs: 5, maxBatch: 5000 }, silentLogger()), { intervalMs: 200, batchRows, keepMs: 3_600_000 }, Date.now, silentLogger());
    t = performance.now();
    loop.start();
    void loop.tick(); // the first interval would otherwise add up to 200 ms to a short run
    while (s1.spoolDepth() > 0) await new Promise((r) => setTimeout(r, 2));
    ms = performance.now() - t;
    await loop.stop();
    result.points_per_s = Math.round((rows * CHANNELS) / (ms / 1000));
    result.requests = s1.stats.requests;

    // 3. Outage: influxd stopped while a backlog piles up, then started; the drain loop runs throughout.
    await influxd.stop();
    const backlog = rows;
    fillJournal(db, backlog, devices, 200_000, t0);
    const loop3 = new DrainLoop(s1, new Journal(db, { commitIntervalMs: 5, maxBatch: 5000 }, silentLogger()), { intervalMs: 200, batchRows, keepMs: 3_600_000 }, Date.now, silentLogger());
    loop3.start();
    void loop3.tick();
    const failuresBefore = s1.stats.failures;
    await new Promise((r) => setTimeout(r, 1500)); // failed attempts: the store is backing off
    const failures = s1.stats.failures - failuresBefore;
    await influxd.start();
    const up = performance.now();
    let firstShipMs: number | null = null;
    const shippedBefore = s1.stats.shippedRows;
    while (s1.spoolDepth() > 0) {
      if (firstShipMs === null && s1.stats.shippedRows > shippedBefore) firstShipMs = performance.now() - up;
      await new Promise((r) => setTimeout(r, 2));
    }
    const total = performance.now() - up;
    await loop3.stop();
    result.backlog_rows = backlog;
    result.backlog_failed_attempts_in_1500ms_outage = failures;
    result.backlog_first_batch_after_restart_ms = Math.round(firstShipMs ?? 0);
    result.backlog_total_ms = Math.round(total);
    result.backlog_drain_points_per_s = Math.round((backlog * CHANNELS) / (total / 1000));

    // Nothing lost, nothing doubled.
    result.lost = rows * 3 * CHANNELS - (await count(influxd, 'bench'));
    result.rejected = s1.stats.rejected;
  } finally {
    db.close();
    await influxd.close();
    dir.remove();
  }
  writeResult(opts.outFile, 'bench/results/sink.json', result);
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, rows: { type: 'string' }, out: { type: 'string' } } });
  const quick = values.quick === true;
  const r = await runSinkBench({
    rows: values.rows ? Number(values.rows) : quick ? 20_000 : 200_000,
    outFile: values.out === '-' ? null : (values.out ?? (quick ? null : undefined)),
  });
  console.log(JSON.stringify(r, null, 2));
  if (r.lost !== 0) {
    console.error(`LOST ${r.lost} points`);
    process.exitCode = 1;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
