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

  /** Commits whatever is pending now. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.pending.length > 0) this.commit();
  }

  /** Commits what is pending and refuses further appends. */
  close(): void {
    this.flush();
    this.closed = true;
  }

  private enqueue(p: Pending): void {
    if (this.closed) {
      p.done(new StorageError('journal is closed'));
      return;
    }
    this.pending.push(p);
    if (this.pending.length >= this.options.maxBatch) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush();
      }, this.options.commitIntervalMs);
    }
  }

  private commit(): void {
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
    } catch (err) {
      this.stats.failures++;
      failure = new StorageError(`journal commit of ${batch.length} messages failed: ${(err as Error).message}`, { cause: err });
      // Nothing of this batch is on disk: the callbacks get the error, so nothing is acknowledged
      // and the devices send again.
      this.log.error({ err: failure, batch: batch.length }, 'journal commit failed; messages not acknowledged');
      this.onCommitFailed(failure);
    }
    for (const p of batch) {
      try {
        p.done(failure);
      } catch (err) {
        this.log.error({ err }, 'journal callback threw');
      }
    }
  }
}
