// What the journal takes and reports: its entries, callbacks, options and counters (journal.ts).

import type { Logger } from '../log.js';
import type { StorageError } from '../errors.js';
// The journal's rows belong to the store that writes them; the journal takes them as they are.
import type { JournalDeadLetter, JournalReading } from '../store/journal-db.js';

export type { JournalDeadLetter, JournalReading };

export type Done = (err?: Error) => void;

/** What the journal tells its listeners (Journal.on). */
export interface JournalEvents {
  /** A commit failed, before its callbacks get the error (the intake reseeds dedup from disk). */
  commitFailed: StorageError;
  /** The disk filled up: commits are held and retried (`held`: messages held so far). */
  diskFull: { err: StorageError; held: number };
  /** A commit succeeded again after the disk was full. */
  diskSpace: undefined;
}

export type Pending =
  | { kind: 'reading'; entry: JournalReading; done: Done }
  | { kind: 'dead'; entry: JournalDeadLetter; done: Done }
  | { kind: 'barrier'; done: Done };

export interface JournalOptions {
  readonly commitIntervalMs: number;
  readonly maxBatch: number;
  /** While the disk is full, whether a retry may try to commit (the runtime keeps space back for
   * alarms: store/disk-reserve.ts); absent, every retry tries. */
  readonly hasSpace?: () => boolean;
  /** While the disk is full, how often the held batch is tried again (default 250 ms). */
  readonly fullRetryMs?: number;
  /** While the disk is full, messages held in memory at most; past it new ones are refused (default 20 × maxBatch). */
  readonly maxHeldWhileFull?: number;
}

export interface JournalStats {
  committed: number;
  deadLetters: number;
  batches: number;
  failures: number;
  /** Commits that found the write lock taken and were run again (store/busy-retry.ts). */
  busyRetries: number;
}

/** The batch the writer thread is committing. */
export interface InFlight {
  readonly id: number;
  readonly items: Pending[];
}

/** Calls back every message of `batch`, with `failure` when it is not on disk; a throwing callback costs no other. */
export function callBack(batch: readonly Pending[], failure: StorageError | undefined, log: Logger): void {
  for (const p of batch) {
    try {
      p.done(failure);
    } catch (err) {
      log.error({ err }, 'journal callback threw');
    }
  }
}
