// The messages between the threaded embedded store (sqlite-telemetry-threaded.ts, main thread) and
// its worker (sqlite-telemetry-worker.ts), which hosts SqliteTelemetryStore on its own connection.

import type { SqliteRetention } from './sqlite-telemetry.js';
import type { HistoryQuery } from './telemetry-store.js';

/** What the worker is started with (workerData). */
export interface WorkerSetup {
  /** The journal database is `journalPath(dataDir)`, opened by openJournalDb. */
  readonly dataDir: string;
  readonly synchronous: 'FULL' | 'NORMAL';
  readonly retention: SqliteRetention;
  /** Rows per drain transaction: how long one transaction holds the write lock. */
  readonly transactionRows: number;
  /** How long a drain transaction waits for the journal's commit to free the write lock. */
  readonly busyTimeoutMs: number;
}

export type CountFilter = { site?: string; device?: string };

export type Request =
  | { readonly id: number; readonly op: 'drain'; readonly maxRows: number }
  | { readonly id: number; readonly op: 'flush' }
  | { readonly id: number; readonly op: 'history'; readonly query: HistoryQuery }
  | { readonly id: number; readonly op: 'count'; readonly filter: CountFilter }
  | { readonly id: number; readonly op: 'maintain'; readonly nowMs: number }
  | { readonly id: number; readonly op: 'close' };

export type Op = Request['op'];

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** Every message from the worker carries the store's cursor (the last journal id it holds). */
export type WorkerMessage =
  | { readonly kind: 'ready'; readonly cursor: number }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown; readonly cursor: number }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError; readonly cursor: number };
