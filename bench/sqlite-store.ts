// The embedded SQLite time-series store on its own (no broker, no HTTP): the drain rate from the
// journal into the store, and how long one history query takes in the store, for the shapes the
// dashboard asks (raw 1 h, 10 s / 1 m / 1 h buckets over 24 h of one reading a second).
//
// Figures:
//   drain_<case>_msgs_per_s      journal rows (2 channels each, one reading per device per second)
//                                into the store by drainOnce(batch) then flush(), per wall second;
//   drain_<case>_msgs_per_cpu_s  the same per second of this process's CPU time (less noisy on a
//                                shared machine). Cases: 4 devices (batches of 20 000, the
//                                runtime's batch), 1 000 devices for 200 s, and 30 000 devices for
//                                10 s in batches of 6 000 (what a 200 ms drain tick takes at 30 000
//                                msg/s: every row a device's only row in its batch)
//   history_<case>_ms_p50 / _p90         one store.history() call, median / 90th of `queries`
//
// Run: npm run build && node dist/bench/sqlite-store.js [--rows N --queries N --out FILE|-]

import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Journal } from '../gateway/src/ingest/journal.js';
import { silentLogger } from '../gateway/src/log.js';
import { openJournalDb } from '../gateway/src/store/journal-db.js';
import { SqliteTelemetryStore } from '../gateway/src/store/sqlite-telemetry.js';
import type { HistoryQuery } from '../gateway/src/store/telemetry-store.js';
import { tempDir } from '../tests/support/tmp.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

export interface SqliteStoreBenchOptions {
  /** Journal rows drained per device-count case. */
  rows?: number;
  /** History calls timed per query shape. */
  queries?: number;
  outFile?: string | null;
}

const T0 = 1_763_000_000_000;
const DAY_MS = 86_400_000;

function fill(journal: Journal, rows: number, devices: number, startMs: number): void {
  for (let i = 0; i < rows; i++) {
    const seq = 1 + Math.floor(i / devices);
    const d = i % devices;
    const readings = JSON.stringify({ ch4: Math.round(((seq * 7 + d) % 1000) / 10) / 10, co: (seq + d) % 50 });
    journal.append({ site: 'bench', device: `gas-${String(d).padStart(5, '0')}`, seq, tsMs: startMs + seq * 1000 + (d % 1000), receivedMs: 0, readingsJson: readings, metaJson: null }, () => {});
    if (i % 10_000 === 9_999) journal.flush();
  }
  journal.flush();
}

async function drainRate(rows: number, devices: number, batch: number): Promise<{ wall: number; cpu: number }> {
  const dir = tempDir('shaobing-sqlite-bench-');
  const db = openJournalDb(dir.path, 'NORMAL');
  try {
    fill(new Journal(db, { commitIntervalMs: 1000, maxBatch: 10_000 }, silentLogger()), rows, devices, T0);
    const store = new SqliteTelemetryStore(db);
    const t = performance.now();
    const cpu0 = process.cpuUsage();
    while ((await store.drainOnce(batch)) > 0) {
      // until caught up
    }
    await store.flush();
    const cpu = process.cpuUsage(cpu0);
    const ms = performance.now() - t;
    if ((await store.countMessages()) !== rows) throw new Error('drain lost rows');
    return { wall: Math.round(rows / (ms / 1000)), cpu: Math.round(rows / ((cpu.user + cpu.system) / 1e6)) };
  } finally {
    db.close();
    dir.remove();
  }
}

function pct(sorted: number[], p: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(3));
}

export async function runSqliteStoreBench(opts: SqliteStoreBenchOptions = {}): Promise<BenchResult> {
  const rows = opts.rows ?? 200_000;
  const queries = opts.queries ?? 30;
  const result: BenchResult = { ...machineInfo(), load_avg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100, rows, queries };
  const drains: [string, number, number, number][] = [
    ['4_devices', rows, 4, 20_000],
    ['1000_devices', rows, 1000, 20_000],
    ['30000_devices_batch_6000', Math.round(rows * 1.5), 30_000, 6000],
  ];
  for (const [name, n, devices, batch] of drains) {
    const r = await drainRate(n, devices, batch);
    result[`drain_${name}_msgs_per_s`] = r.wall;
    result[`drain_${name}_msgs_per_cpu_s`] = r.cpu;
  }

  // A day of one reading a second from one device, with 99 other devices' readings beside it.
  const dir = tempDir('shaobing-sqlite-bench-');
  const db = openJournalDb(dir.path, 'NORMAL');
  try {
    fill(new Journal(db, { commitIntervalMs: 1000, maxBatch: 10_000 }, silentLogger()), 86_400 * 10, 10, T0);
    const store = new SqliteTelemetryStore(db);
    await store.flush();
    // Ends not on a minute: the partial first and last buckets count.
    const toMs = T0 + DAY_MS + 1_234;
    const base = { site: 'bench', device: 'gas-00003', channel: 'ch4', toMs, limit: 200_000 };
    const cases: [string, HistoryQuery][] = [
      ['raw_1h', { ...base, fromMs: toMs - 3_600_000, limit: 10_000 }],
      ['10s_mean_24h', { ...base, fromMs: toMs - DAY_MS, every: '10s', agg: 'mean' }],
      ['1m_mean_24h', { ...base, fromMs: toMs - DAY_MS, every: '1m', agg: 'mean' }],
      ['1m_last_24h', { ...base, fromMs: toMs - DAY_MS, every: '1m', agg: 'last' }],
      ['1h_max_24h', { ...base, fromMs: toMs - DAY_MS, every: '1h', agg: 'max' }],
    ];
    for (const [name, q] of cases) {
      const points = await store.history(q);
      result[`history_${name}_points`] = points.length;
      const times: number[] = [];
      for (let i = 0; i < queries; i++) {
        const t = performance.now();
        await store.history(q);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      result[`history_${name}_ms_p50`] = pct(times, 50);
      result[`history_${name}_ms_p90`] = pct(times, 90);
    }
  } finally {
    db.close();
    dir.remove();
  }
  writeResult(opts.outFile, 'bench/results/sqlite-store.json', result);
  return result;
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, queries: { type: 'string' }, out: { type: 'string' } } });
  runSqliteStoreBench({
    ...(values.rows ? { rows: Number(values.rows) } : {}),
    ...(values.queries ? { queries: Number(values.queries) } : {}),
    ...(values.out ? { outFile: values.out === '-' ? null : values.out } : {}),
  }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
