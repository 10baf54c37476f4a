// Group commit: what a QoS1 PUBACK means. Messages are appended in arrival order and committed in
// one SQLite transaction every few milliseconds; each message's callback runs only after the
// transaction holding it committed, in FIFO order, so the broker acknowledges nothing that is
// only in memory (DESIGN.md, Taking a reading).

import type { Db } from '../store/sqlite.js';
import type { Logger } from '../log.js';
import { StorageError } from '../errors.js';

export interface JournalReading {
  readonly site: string;
  readonly device: string;
  readonly seq: number;
  readonly tsMs: number;
  readonly receivedMs: number;
  /** JSON of the validated readings, channel → value. */
  readonly readingsJson: string;
  readonly metaJson: string | null;
}

export interface JournalDeadLetter {
  readonly site: string;
  readonly device: string;
  readonly topic: string;
  readonly reason: string;
  readonly detail: string;
  readonly receivedMs: number;
  readonly payload: Buffer;
}

export type Done = (err?: Error) => void;

type Pending =
  | { kind: 'reading'; entry: JournalReading; done: Done }
  | { kind: 'dead'; entry: JournalDeadLetter; done: Done }
  | { kind: 'barrier'; done: Done };

export interface JournalOptions {
  readonly commitIntervalMs: number;
  readonly maxBatch: number;
  /** While the disk is full, how often the held batch is tried again (default 250 ms). */
  readonly fullRetryMs?: number;
  /** While the disk is full, messages held in memory at most; past it new ones are refused (default 20 × maxBatch). */
  readonly maxHeldWhileFull?: number;
}

/** SQLite's "database or disk is full" (also SQLITE_FULL for a max_page_count limit). */
function isDiskFull(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}

export interface JournalStats {
  committed: number;
  deadLetters: number;
  batches: number;
  failures: number;
}

export class Journal {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  readonly stats: JournalStats = { committed: 0, deadLetters: 0, batches: 0, failures: 0 };
  /** Called after a failed commit, before the callbacks get the error (the intake resets dedup). */
  onCommitFailed: (err: StorageError) => void = () => {};
  /** The disk filled up: commits are held and retried (messages held so far). */
  onDiskFull: (err: StorageError, held: number) => void = () => {};
  /** A commit succeeded again after the disk was full. */
  onDiskSpace: () => void = () => {};
  /** True while commits fail for lack of space. */
  diskFull = false;
  /** While the disk is full, whether a retry may try to commit (the runtime keeps space back for alarms). */
  hasSpace: () => boolean = () => true;

  private readonly insertReading;
  private readonly insertDead;
  private readonly upsertCursor;
  private readonly commitBatch;

  constructor(
    private readonly db: Db,
    private readonly options: JournalOptions,
    private readonly log: Logger,
  ) {
    this.insertReading = db.prepare(
      'INSERT INTO reading (site, device, seq, ts_ms, received_ms, readings, meta) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertDead = db.prepare(
      'INSERT INTO dead_letter (site, device, topic, reason, detail, received_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    // The cursor follows the newest reading of each device, so a restart seeds dedup exactly.
    this.upsertCursor = db.prepare(
      `INSERT INTO ingest_cursor (site, device, last_seq, last_ts_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (site, device) DO UPDATE SET last_seq = excluded.last_seq, last_ts_ms = excluded.last_ts_ms
       WHERE excluded.last_ts_ms > ingest_cursor.last_ts_ms
          OR (excluded.last_ts_ms = ingest_cursor.last_ts_ms AND excluded.last_seq > ingest_cursor.last_seq)`,
    );
    this.commitBatch = db.transaction((batch: Pending[]) => {
      const newest = new Map<string, JournalReading>();
      for (const p of batch) {
        if (p.kind === 'reading') {
          const e = p.entry;
          this.insertReading.run(e.site, e.device, e.seq, e.tsMs, e.receivedMs, e.readingsJson, e.metaJson);
          const key = `${e.site}/${e.device}`;
          const seen = newest.get(key);
          if (!seen || e.tsMs > seen.tsMs || (e.tsMs === seen.tsMs && e.seq > seen.seq)) newest.set(key, e);
        } else if (p.kind === 'dead') {
          const e = p.entry;
          this.insertDead.run(e.site, e.device, e.topic, e.reason, e.detail, e.receivedMs, e.payload);
        }
      }
      for (const e of newest.values()) this.upsertCursor.run(e.site, e.device, e.seq, e.tsMs);
    });
  }

  append(entry: JournalReading, done: Done): void {
    this.enqueue({ kind: 'reading', entry, done });
  }

  appendDeadLetter(entry: JournalDeadLetter, done: Done): void {
    this.enqueue({ kind: 'dead', entry, done });
  }

  /** Calls back once everything appended before it is committed (a duplicate's PUBACK waits here). */
  afterCommit(done: Done): void {
    this.enqueue({ kind: 'barrier', done });
  }

  get depth(): number {
    return this.pending.length;
  }

  /** Last committed cursor of every device, to seed dedup at start. */
  cursors(): { site: string; device: string; lastSeq: number; lastTsMs: number }[] {
    return this.db
      .prepare('SELECT site, device, last_seq AS lastSeq, last_ts_ms AS lastTsMs FROM ingest_cursor')
      .all() as { site: string; device: string; lastSeq: number; lastTsMs: number }[];
  }

  /** Deletes readings up to `lastId`, which every store has already taken. Returns rows removed. */
  prune(lastId: number): number {
    return this.db.prepare('DELETE FROM reading WHERE id <= ?').run(lastId).changes;
  }

  /** Commits whatever is pending now (stops early while the disk is full: the retry timer goes on). */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.pending.length > 0 && this.commit());
  }

  /** Commits what is pending and refuses further appends; what cannot be committed is not acknowledged. */
  close(): void {
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const held = this.pending.splice(0);
    if (held.length > 0) this.fail(held, new StorageError(`journal closed with ${held.length} messages not committed (disk full)`));
  }

  private enqueue(p: Pending): void {
    if (this.closed) {
      p.done(new StorageError('journal is closed'));
      return;
    }
    if (this.diskFull && this.pending.length >= (this.options.maxHeldWhileFull ?? 20 * this.options.maxBatch)) {
      // Memory stays bounded: past the limit a message is refused (no PUBACK; the device resends).
      p.done(new StorageError('disk full: journal holds too many uncommitted messages'));
      return;
    }
    this.pending.push(p);
    if (this.diskFull) return; // the retry timer commits once there is space again
    if (this.pending.length >= this.options.maxBatch) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.options.commitIntervalMs);
    }
  }

  /** Commits one batch; false when the disk is full and the batch was kept for a retry. */
  private commit(): boolean {
    const batch = this.pending.length <= this.options.maxBatch ? this.pending : this.pending.slice(0, this.options.maxBatch);
    this.pending = batch === this.pending ? [] : this.pending.slice(batch.length);
    let failure: StorageError | undefined;
    try {
      this.commitBatch(batch);
      this.stats.batches++;
      for (const p of batch) {
        if (p.kind === 'reading') this.stats.committed++;
        else if (p.kind === 'dead') this.stats.deadLetters++;
      }
      if (this.diskFull) {
        this.diskFull = false;
        this.log.warn({ batch: batch.length, held: this.pending.length }, 'journal commits again: disk space returned');
        this.hook(() => this.onDiskSpace());
      }
    } catch (err) {
      this.stats.failures++;
      failure = new StorageError(`journal commit of ${batch.length} messages failed: ${(err as Error).message}`, { cause: err });
      if (isDiskFull(err) && !this.closed) {
        // Disk full: refusing the batch would disconnect every device, which then resends its
        // oldest message on each reconnect and nothing newer reaches detection (a leak goes
        // unseen). Keep the batch, unacknowledged, and retry; detection has already seen it.
        this.pending = batch.concat(this.pending);
        if (!this.diskFull) {
          this.diskFull = true;
          this.log.error({ err: failure, held: this.pending.length }, 'disk full: journal commits held and retried; readings not acknowledged until they are on disk');
          const held = this.pending.length;
          this.hook(() => this.onDiskFull(failure!, held));
        }
        this.retryWhenSpace();
        return false;
      }
      // Nothing of this batch is on disk: the callbacks get the error, so nothing is acknowledged
      // and the devices send again.
      this.log.error({ err: failure, batch: batch.length }, 'journal commit failed; messages not acknowledged');
      this.onCommitFailed(failure);
    }
    this.fail(batch, failure);
    return true;
  }

  /** flush() from this timer fails again while full, which comes back here for the next try. */
  private retryWhenSpace(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      let roomy = true;
      this.hook(() => void (roomy = this.hasSpace())); // cannot tell: try the commit
      if (roomy) this.flush();
      else this.retryWhenSpace();
    }, this.options.fullRetryMs ?? 250);
  }

  /** Runs a hook of the runtime's; a throw there must not cost the held callbacks (the acks). */
  private hook(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error({ err }, 'journal disk-full hook failed');
    }
  }

  /** Calls back every message of `batch`, with `failure` when it is not on disk. */
  private fail(batch: Pending[], failure: StorageError | undefined): void {
    for (const p of batch) {
      try {
        p.done(failure);
      } catch (err) {
        this.log.error({ err }, 'journal callback threw');
      }
    }
  }
}
