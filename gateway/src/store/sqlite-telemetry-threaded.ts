// The embedded time-series store as seen from the main thread: every call is a message
// to a worker thread (sqlite-telemetry-worker.ts) that hosts SqliteTelemetryStore on its own
// connection to the journal file, so a drain of thousands of rows never blocks the event loop
// that carries a red alarm's valve command. Requests carry ids and replies are matched to them.
// A worker that dies rejects every pending request with a StorageError naming the cause, and the
// next request starts a new worker (the readings it had not stored stay in the journal; exactly
// once holds because the copy and the cursor move in one transaction in the worker).

import { Worker } from 'node:worker_threads';
import { StorageError } from '../errors.js';
import type { Logger } from '../log.js';
import { WORKER_LIMITS, workerUrl } from '../worker-url.js';
import type { SqliteRetention } from './sqlite-telemetry.js';
import type { CountFilter, Op, Request, WireError, WorkerMessage, WorkerSetup } from './sqlite-telemetry-protocol.js';
import type { HistoryPoint, HistoryQuery, TelemetryStore } from './telemetry-store.js';

/**
 * Rows per drain transaction: a journal commit or a query waits at most one transaction. Measured
 * by bench/sqlite-drain-lock.ts (2 000 devices, synchronous=FULL, load ~2.4 on 2 cores): 5 000
 * rows take ~95 ms (a concurrent commit waited ≤ ~125 ms, a query ≤ ~185 ms, drain ~43 000 rows/s);
 * 20 000 rows ~300–350 ms (commit ≤ ~235 ms, query ≤ ~385 ms, ~60 000 rows/s).
 */
export const TRANSACTION_ROWS = 5_000;
/** A worker that died before it was ready (cannot open the file) is not started again sooner than this after. */
const RESTART_BACKOFF_MS = 1_000;

export interface ThreadedSqliteOptions {
  /** The journal database's directory (`journalPath(dataDir)`). */
  readonly dataDir: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly retention?: SqliteRetention;
  readonly transactionRows?: number;
  readonly busyTimeoutMs?: number;
  readonly log: Logger;
}

interface Pending {
  readonly op: Op;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Thread {
  readonly worker: Worker;
  ready: boolean;
  /** The error the worker threw, if any, to name when it exits. */
  failure: Error | null;
  readonly exited: Promise<void>;
}

export class ThreadedSqliteTelemetryStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private readonly setup: WorkerSetup;
  private thread: Thread | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lastCursor = 0;
  private closed = false;
  private restartNotBeforeMs = 0;
  readonly stats = { restarts: 0 };

  constructor(private readonly options: ThreadedSqliteOptions) {
    this.setup = {
      dataDir: options.dataDir,
      synchronous: options.synchronous,
      retention: options.retention ?? { retentionDays: 30, aggregateRetentionDays: 400 },
      transactionRows: options.transactionRows ?? TRANSACTION_ROWS,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
    };
    this.thread = this.start();
  }

  /**
   * The last journal id the worker reported holding, after its latest reply. It may lag the
   * worker by the drain in flight: pruning the journal up to it is safe, since every row up to
   * it is committed in the store; rows past it are merely kept a little longer.
   */
  cursor(): number {
    return this.lastCursor;
  }

  drainOnce(maxRows: number): Promise<number> {
    return this.request({ op: 'drain', maxRows }) as Promise<number>;
  }

  async flush(): Promise<void> {
    await this.request({ op: 'flush' });
  }

  history(query: HistoryQuery): Promise<HistoryPoint[]> {
    return this.request({ op: 'history', query }) as Promise<HistoryPoint[]>;
  }

  countMessages(filter: CountFilter = {}): Promise<number> {
    return this.request({ op: 'count', filter }) as Promise<number>;
  }

  /** Retention runs in the worker; the drain loop does not wait for it, a failure is logged. */
  maintain(nowMs: number): void {
    this.request({ op: 'maintain', nowMs }).catch((err: unknown) => this.options.log.error({ err }, 'time-series retention failed; it runs again at the next maintenance'));
  }

  /** Drains what is committed, writes the minute aggregates back, closes the connection and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request({ op: 'close' });
    } finally {
      this.closed = true;
      const t = this.thread;
      this.thread = null;
      if (t) await t.worker.terminate();
    }
  }

  /**
   * Ends the worker at once, as a killed process would (a drain in flight is rolled back when
   * its connection closes). Pending requests reject. `restart`: the next request starts a new
   * worker; otherwise the store is closed for good.
   */
  async kill(restart: boolean): Promise<void> {
    if (!restart) this.closed = true;
    const t = this.thread;
    if (!t) return;
    await t.worker.terminate();
    await t.exited;
  }

  private request(body: DistributiveOmit<Request, 'id'>): Promise<unknown> {
    if (this.closed) return Promise.reject(new StorageError(`time-series store is closed: ${body.op} refused`));
    let t = this.thread;
    if (!t) {
      const waitMs = this.restartNotBeforeMs - Date.now();
      if (waitMs > 0) return Promise.reject(new StorageError(`time-series store worker failed at start; next try in ${waitMs} ms`));
      t = this.thread = this.start();
      this.stats.restarts++;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { op: body.op, resolve, reject });
      t.worker.ref();
      t.worker.postMessage({ ...body, id } as Request);
    });
  }

  private start(): Thread {
    const worker = new Worker(workerUrl(import.meta.url, 'sqlite-telemetry-worker.js'), { workerData: this.setup, name: 'sqlite-telemetry', resourceLimits: WORKER_LIMITS });
    // An idle worker does not keep the process alive; one with requests pending does.
    worker.unref();
    let exited!: () => void;
    const t: Thread = { worker, ready: false, failure: null, exited: new Promise<void>((r) => (exited = r)) };
    worker.on('message', (msg: WorkerMessage) => this.receive(t, msg));
    worker.on('error', (err) => {
      t.failure = err;
      this.options.log.error({ err }, 'time-series store worker failed');
    });
    worker.on('exit', (code) => {
      this.exit(t, code);
      exited();
    });
    return t;
  }

  private receive(t: Thread, msg: WorkerMessage): void {
    if (msg.cursor > this.lastCursor) this.lastCursor = msg.cursor;
    if (msg.kind === 'ready') {
      t.ready = true;
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) t.worker.unref();
    if (msg.ok) p.resolve(msg.value);
    else p.reject(fromWire(p.op, msg.error));
  }

  private exit(t: Thread, code: number): void {
    if (this.thread === t) this.thread = null;
    if (!t.ready) this.restartNotBeforeMs = Date.now() + RESTART_BACKOFF_MS;
    if (this.pending.size === 0) return;
    const why = t.failure ? `: ${t.failure.message}` : '';
    const err = new StorageError(`time-series store worker exited (code ${code})${why}; the readings stay in the journal`, { cause: t.failure ?? undefined });
    if (!this.closed) this.options.log.error({ code, pending: this.pending.size, err: t.failure }, 'time-series store worker exited with requests pending');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

function fromWire(op: Op, e: WireError): Error {
  // A bad query keeps its kind (the API answers 400 for a RangeError); anything else is storage.
  if (e.name === 'RangeError') return new RangeError(e.message);
  const err = new StorageError(`time-series store ${op} failed: ${e.message}`);
  if (e.code) Object.assign(err, { sqliteCode: e.code });
  return err;
}
