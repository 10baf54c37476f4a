// How long one drain transaction of the embedded store holds SQLite's single write lock, and what
// that costs the journal's group commits and a history query while the store drains a backlog in
// its worker thread. Chooses the store's rows per transaction (TRANSACTION_ROWS).
//
// Figures, per rows-per-transaction case (5 000 and 20 000 by default):
//   tx_<n>_ms_p50 / _max            one drainOnce(n) of the synchronous store on this thread: the
//                                   transaction (copy + minute aggregates + cursor), an upper bound
//                                   on how long it holds the write lock
//   commit_<n>_wait_ms_p99 / _max   a 50-row commit on another connection every 5 ms (the
//                                   journal's group commit) while the worker drains the backlog
//   query_<n>_ms_p99 / _max         a raw one-hour history query sent every 50 ms meanwhile
//   drain_<n>_msgs_per_s            the backlog drained by the worker, per wall second
//   loop_delay_drain_on_<where>_ms_p99 / _max   this thread's event-loop delay while the backlog
//                                   drains in drainOnce(20 000) calls, on this thread or in the worker
//
// Run: npm run build && node dist/bench/sqlite-drain-lock.js [--rows N --tx 5000,20000 --out FILE|-]

import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../gateway/src/log.js';
import { openJournalDb } from '../gateway/src/store/journal-db.js';
import type { Db } from '../gateway/src/store/sqlite.js';
import { SqliteTelemetryStore } from '../gateway/src/store/sqlite-telemetry.js';
import { ThreadedSqliteTelemetryStore } from '../gateway/src/store/sqlite-telemetry-threaded.js';
import { tempDir } from '../tests/support/tmp.js';
import { machineInfo, writeResult, type BenchResult } from './results.js';

const T0 = 1_763_000_000_000;
const DEVICES = 2_000;

/** `rows` journal rows of DEVICES devices, one reading a second each, as the group commit writes them. */
function fill(db: Db, rows: number, seqFrom = 0): void {
  const insert = db.prepare('INSERT INTO reading (site, device, seq, ts_ms, received_ms, readings) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const seq = seqFrom + 1 + Math.floor(i / DEVICES);
      const d = i % DEVICES;
      insert.run(`site-${d % 50}`, `gas-${d}`, seq, T0 + seq * 1000, 0, JSON.stringify({ ch4: (seq + d) % 100, co: d % 50 }));
    }
  })();
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 100) / 100;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** drainOnce(n) of the synchronous store timed on this thread. */
async function transactionTimes(rows: number, n: number): Promise<number[]> {
  const dir = tempDir('shaobing-bench-');
  const db = openJournalDb(dir.path, 'FULL');
  try {
    fill(db, rows);
    const store = new SqliteTelemetryStore(db);
    const times: number[] = [];
    for (;;) {
      const t = performance.now();
      const moved = await store.drainOnce(n);
      if (moved < n) break;
      times.push(performance.now() - t);
    }
    return times;
  } finally {
    db.close();
    dir.remove();
  }
}

/** The worker drains a backlog while this thread commits like the journal and asks history. */
async function contended(rows: number, n: number): Promise<{ commits: number[]; queries: number[]; msgsPerS: number }> {
  const dir = tempDir('shaobing-bench-');
  const db = openJournalDb(dir.path, 'FULL');
  const store = new ThreadedSqliteTelemetryStore({ dataDir: dir.path, synchronous: 'FULL', transactionRows: n, log: silentLogger() });
  try {
    fill(db, rows);
    await store.countMessages(); // the worker is up
    const commits: number[] = [];
    const queries: number[] = [];
    let extra = 0;
    let done = false;
    const commitLoop = (async () => {
      while (!done) {
        const t = performance.now();
        fill(db, 50, 1_000_000 + extra++);
        commits.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const queryLoop = (async () => {
      while (!done) {
        const t = performance.now();
        await store.history({ site: 'site-7', device: 'gas-7', channel: 'ch4', fromMs: T0, toMs: T0 + 3_600_000, limit: 10_000 });
        queries.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = performance.now();
    let moved = 0;
    while (moved < rows) moved += await store.drainOnce(n);
    const seconds = (performance.now() - t0) / 1000;
    done = true;
    await Promise.all([commitLoop, queryLoop]);
    return { commits, queries, msgsPerS: Math.round(moved / seconds) };
  } finally {
    await store.close();
    db.close();
    dir.remove();
  }
}

/** This thread's event-loop delay while a backlog drains in batches of 20 000 (the runtime's), on this thread or in the worker. */
async function loopDelay(rows: number, threaded: boolean): Promise<{ p99: number; max: number }> {
  const dir = tempDir('shaobing-bench-');
  const db = openJournalDb(dir.path, 'FULL');
  const store = threaded ? new ThreadedSqliteTelemetryStore({ dataDir: dir.path, synchronous: 'FULL', log: silentLogger() }) : new SqliteTelemetryStore(db);
  try {
    fill(db, rows);
    await store.countMessages();
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    let moved = 0;
    while (moved < rows) {
      moved += await store.drainOnce(20_000);
      // The drain loop goes on after other callbacks have run (setImmediate), as in DrainLoop.
      await new Promise((r) => setImmediate(r));
    }
    h.disable();
    return { p99: round(h.percentile(99) / 1e6), max: round(h.max / 1e6) };
  } finally {
    await store.close();
    db.close();
    dir.remove();
  }
}

export async function runSqliteDrainLockBench(opts: { rows?: number; tx?: number[]; outFile?: string | null } = {}): Promise<BenchResult> {
  const rows = opts.rows ?? 100_000;
  const result: BenchResult = { ...machineInfo(), load_avg_1m_at_start: Math.round(loadavg()[0]! * 100) / 100, rows, devices: DEVICES };
  for (const n of opts.tx ?? [5_000, 20_000]) {
    const tx = await transactionTimes(rows, n);
    result[`tx_${n}_ms_p50`] = pct(tx, 50);
    result[`tx_${n}_ms_max`] = round(Math.max(...tx));
    const c = await contended(rows, n);
    result[`commit_${n}_wait_ms_p99`] = pct(c.commits, 99);
    result[`commit_${n}_wait_ms_max`] = round(Math.max(...c.commits));
    result[`query_${n}_ms_p99`] = pct(c.queries, 99);
    result[`query_${n}_ms_max`] = round(Math.max(...c.queries));
    result[`drain_${n}_msgs_per_s`] = c.msgsPerS;
  }
  for (const threaded of [false, true]) {
    const d = await loopDelay(rows, threaded);
    const name = threaded ? 'worker' : 'main_thread';
    result[`loop_delay_drain_on_${name}_ms_p99`] = d.p99;
    result[`loop_delay_drain_on_${name}_ms_max`] = d.max;
  }
  result.load_avg_1m_at_end = Math.round(loadavg()[0]! * 100) / 100;
  writeResult(opts.outFile, 'bench/results/sqlite-drain-lock.json', result);
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { rows: { type: 'string' }, tx: { type: 'string' }, out: { type: 'string' } } });
  runSqliteDrainLockBench({
    ...(values.rows ? { rows: Number(values.rows) } : {}),
    ...(values.tx ? { tx: values.tx.split(',').map(Number) } : {}),
    ...(values.out !== undefined ? { outFile: values.out === '-' ? null : values.out } : {}),
  }).then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
