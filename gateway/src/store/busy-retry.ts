// Retrying a write transaction that SQLite refused with SQLITE_BUSY. busy_timeout covers the
// usual wait for the one write lock, but SQLite returns BUSY without waiting in some WAL cases
// (measured: the journal's first INSERT of a group commit got SQLITE_BUSY after
// 95 ms of a 5 000 ms busy_timeout while the store worker drained under load). A journal batch
// that fails is not acknowledged and its devices are disconnected, so a lock that is only
// briefly taken must cost a retry, never a batch. The transaction rolled back as a whole, so
// running it again is safe.

/** SQLITE_BUSY and its extended codes (BUSY_SNAPSHOT, BUSY_RECOVERY, BUSY_TIMEOUT). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

export interface BusyRetryOptions {
  /** Past this much time spent retrying, the BUSY error is thrown. */
  readonly budgetMs: number;
  /** Blocks the calling thread (a worker's own thread: Atomics.wait). */
  readonly sleep: (ms: number) => void;
  readonly now: () => number;
}

/** Runs `work`, again after a growing pause (2, 4 … 100 ms) each time it throws SQLITE_BUSY. */
export function retryWhileBusy<T>(work: () => T, options: BusyRetryOptions): { readonly value: T; readonly retries: number } {
  const start = options.now();
  for (let retries = 0; ; retries++) {
    try {
      return { value: work(), retries };
    } catch (err) {
      if (!isBusy(err) || options.now() - start >= options.budgetMs) throw err;
      options.sleep(Math.min(100, 2 << Math.min(retries, 6)));
    }
  }
}

/** A blocking sleep for a worker thread (never the main thread: it would stop its event loop). */
export function blockingSleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
