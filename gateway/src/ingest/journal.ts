// Group commit: what a QoS1 PUBACK means. Messages are appended in arrival order and committed in
// one SQLite transaction every few milliseconds; each message's callback runs only after the
// transaction holding it committed, in FIFO order, so the broker acknowledges nothing that is
// only in memory (docs/architecture.md, the acknowledgement contract). The INSERTs and the
// COMMIT (its fsync blocked the event loop 5–15 ms) run in a worker thread with its own
// connection (journal-worker.ts); one batch is in flight there while the next one fills here.

import { receiveMessageOnPort } from 'node:worker_threads';
import { isDiskFull, type Db } from '../store/sqlite.js';
import type { Logger } from '../log.js';
import { StorageError } from '../errors.js';
import { readCursors, synchronousOf, type IngestCursor } from '../store/journal-db.js';
import { packPending, type WorkerReply, type WorkerRequest } from './journal-batch.js';
import { MAX_RESTARTS_PER_MIN, RestartBudget, startWriterThread, waitForReplies, type WriterThread } from './journal-thread.js';
import { callBack, type Done, type InFlight, type JournalDeadLetter, type JournalEvents, type JournalOptions, type JournalReading, type JournalStats, type Pending } from './journal-types.js';
import { Listeners } from '../listeners.js';

export type { Done, JournalDeadLetter, JournalEvents, JournalOptions, JournalReading, JournalStats } from './journal-types.js';

/** How long a blocking flush, close or writer pragma waits for the worker before it counts as dead. */
const SYNC_WAIT_MS = 30_000;

export class Journal {
  private pending: Pending[] = [];
  private inFlight: InFlight | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the oldest message of the filling batch was appended (performance.now()). */
  private pendingSinceMs = 0;
  private closed = false;
  /** Set when the writer cannot be kept running: every append is refused with it. */
  private broken: StorageError | null = null;
  private thread: WriterThread | null = null;
  private nextId = 1;
  private readonly restarts = new RestartBudget();
  /** Prune requests the worker has not answered yet, and the rows it reported deleted since the last prune(). */
  private readonly prunes = new Set<number>();
  private prunedRows = 0;
  /** Answers to blocking requests (pragma, close), taken by the waiting caller. */
  private readonly answers = new Map<number, WorkerReply>();
  private readonly file: string;
  private readonly synchronous: 'FULL' | 'NORMAL';
  /** Notices a database closed under the journal (a simulated crash) and stops the worker. */
  private readonly watch: NodeJS.Timeout;
  readonly stats: JournalStats = { committed: 0, deadLetters: 0, batches: 0, failures: 0, busyRetries: 0 };
  /** True while commits fail for lack of space. */
  diskFull = false;
  private readonly listeners: Listeners<JournalEvents>;

  /**
   * `db` is the main thread's connection: reads (cursors) use it, and the worker opens its own
   * connection to the same file at the same synchronous level. Closing `db` ends the journal.
   */
  constructor(
    private readonly db: Db,
    private readonly options: JournalOptions,
    private readonly log: Logger,
  ) {
    this.listeners = new Listeners(log, 'journal');
    this.file = db.name;
    this.synchronous = synchronousOf(db);
    this.thread = this.startThread();
    this.watch = setInterval(() => {
      if (!this.db.open) this.abandon();
    }, 1000);
    this.watch.unref();
  }

  /** Subscribes to the journal's trouble and recovery (JournalEvents); returns the unsubscribe. */
  on<K extends keyof JournalEvents>(kind: K, listener: (payload: JournalEvents[K]) => void): () => void {
    return this.listeners.on(kind, listener);
  }

  append(entry: JournalReading, done: Done): void {
    this.enqueue({ kind: 'reading', entry, done });
  }

  appendDeadLetter(entry: JournalDeadLetter, done: Done): void {
    this.enqueue({ kind: 'dead', entry, done });
  }

  /**
   * Calls back once everything appended before it is committed (a duplicate's PUBACK waits here):
   * with the batch filling, or with the one in flight when nothing is filling.
   */
  afterCommit(done: Done): void {
    this.enqueue({ kind: 'barrier', done });
  }

  /** Messages not yet committed: the batch filling and the one in flight. */
  get depth(): number {
    return this.pending.length + (this.inFlight?.items.length ?? 0);
  }

  /** Last committed cursor of every device, to seed dedup at start (read on the main connection). */
  cursors(): IngestCursor[] {
    return readCursors(this.db);
  }

  /**
   * Asks the worker to delete readings up to `lastId`, which every store has already taken, between
   * two commits (one writer, no lock contention). Returns the rows the worker reported deleted
   * since the previous call, so a running sum is exact; flush() waits for the deletes sent so far.
   */
  prune(lastId: number): number {
    const reported = this.prunedRows;
    this.prunedRows = 0;
    if (this.thread && !this.closed && this.db.open) {
      const id = this.nextId++;
      this.prunes.add(id);
      this.send({ op: 'prune', id, lastId });
    }
    return reported;
  }

  /**
   * Runs a PRAGMA on the writer's connection and returns its value, blocking until it answers.
   * Per-connection settings live there (the disk-full tests limit `max_page_count` with it).
   */
  writerPragma(source: string): unknown {
    if (!this.thread) throw new StorageError('journal writer is not running');
    const id = this.nextId++;
    this.send({ op: 'pragma', id, source });
    if (!this.waitUntil(() => this.answers.has(id))) throw new StorageError(`journal writer did not answer within ${SYNC_WAIT_MS} ms`);
    const answer = this.answers.get(id)!;
    this.answers.delete(id);
    if (!answer.ok) throw new StorageError(`journal writer pragma failed: ${answer.message}`);
    return answer.value;
  }

  /**
   * Commits whatever is pending now and waits for it, blocking the thread (shutdown, tests, tools);
   * stops early while the disk is full (the retry timer goes on).
   */
  flush(): void {
    this.clearTimer();
    let tried = false;
    for (;;) {
      this.awaitInFlight(); // its reply may post the next batch at once
      if (this.inFlight) continue;
      if (this.pending.length === 0 || (this.diskFull && tried)) break;
      tried = true;
      this.post();
    }
    if (this.prunes.size > 0 && !this.waitUntil(() => this.prunes.size === 0)) this.writerLost(`did not answer within ${SYNC_WAIT_MS} ms`);
  }

  /** Commits what is pending and refuses further appends; what cannot be committed is not acknowledged. */
  close(): void {
    if (this.closed) return;
    if (this.db.open) this.flush();
    this.closed = true;
    this.clearTimer();
    clearInterval(this.watch);
    const held = this.pending.splice(0);
    if (held.length > 0) this.fail(held, new StorageError(`journal closed with ${held.length} messages not committed (disk full)`));
    this.stopThread();
  }

  private enqueue(p: Pending): void {
    if (this.closed || this.broken) {
      p.done(this.broken ?? new StorageError('journal is closed'));
      return;
    }
    if (this.diskFull && this.depth >= (this.options.maxHeldWhileFull ?? 20 * this.options.maxBatch)) {
      // Memory stays bounded: past the limit a message is refused (no PUBACK; the device resends).
      p.done(new StorageError('disk full: journal holds too many uncommitted messages'));
      return;
    }
    if (p.kind === 'barrier' && this.pending.length === 0 && this.inFlight) {
      // Everything appended before it is in flight (or committed): no need to wait a batch more.
      this.inFlight.items.push(p);
      return;
    }
    if (this.pending.length === 0) this.pendingSinceMs = performance.now();
    this.pending.push(p);
    this.schedule();
  }

  /**
   * Sends the filling batch once it is full or its oldest message has waited commitIntervalMs,
   * and only when nothing is in flight (the commit in flight calls here again when it is done).
   */
  private schedule(): void {
    if (this.inFlight || this.diskFull || this.closed || this.pending.length === 0) return;
    const waitedMs = performance.now() - this.pendingSinceMs;
    if (this.pending.length >= this.options.maxBatch || waitedMs >= this.options.commitIntervalMs) {
      this.post();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.post();
      }, this.options.commitIntervalMs - waitedMs);
    }
  }

  /** Sends the next batch (at most maxBatch messages) to the worker, unless one is in flight. */
  private post(): void {
    this.clearTimer();
    if (this.inFlight || this.pending.length === 0) return;
    const items = this.pending.length <= this.options.maxBatch ? this.pending : this.pending.slice(0, this.options.maxBatch);
    this.pending = items === this.pending ? [] : this.pending.slice(items.length);
    if (!this.db.open || !this.thread) {
      // The gateway's database handles are gone (stopped, or a simulated crash): nothing is written.
      this.failed(items, new StorageError(`journal commit of ${items.length} messages failed: the journal database is closed`));
      this.abandon();
      return;
    }
    const batch = packPending(items);
    const id = this.nextId++;
    this.inFlight = { id, items };
    this.thread.replies.ref(); // an answer is due: keep the process up for it
    this.send({ op: 'commit', id, batch }, [batch.nums.buffer as ArrayBuffer]);
  }

  private send(req: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.thread!.worker.postMessage(req, transfer);
  }

  /** Every answer of the worker comes here, taken by the port's listener or by a blocking wait. */
  private onReply(reply: WorkerReply): void {
    if (this.inFlight?.id === reply.id) {
      const { items } = this.inFlight;
      this.inFlight = null;
      this.thread?.replies.unref();
      this.committed(items, reply);
    } else if (this.prunes.delete(reply.id)) {
      if (reply.ok) this.prunedRows += reply.value as number;
      else this.log.error({ err: reply.message }, 'journal prune failed; the rows go with the next prune');
    } else {
      this.answers.set(reply.id, reply);
    }
  }

  private committed(items: Pending[], reply: WorkerReply): void {
    if (reply.ok && !this.db.open) {
      // A simulated crash closed the handles while this batch was in flight: a killed process
      // would not have acknowledged it either (it is on disk; the resend is deduplicated).
      this.failed(items, new StorageError(`journal commit of ${items.length} messages not acknowledged: the journal database was closed`));
      return;
    }
    if (reply.ok) {
      this.stats.batches++;
      this.stats.busyRetries += (reply.value as number | null) ?? 0;
      for (const p of items) {
        if (p.kind === 'reading') this.stats.committed++;
        else if (p.kind === 'dead') this.stats.deadLetters++;
      }
      if (this.diskFull) {
        this.diskFull = false;
        this.log.warn({ batch: items.length, held: this.pending.length }, 'journal commits again: disk space returned');
        this.listeners.emit('diskSpace', undefined);
      }
      this.fail(items, undefined);
      // Group commit: what filled while this one committed goes next.
      this.schedule();
      return;
    }
    const cause = Object.assign(new Error(reply.message), { code: reply.code });
    const failure = new StorageError(`journal commit of ${items.length} messages failed: ${reply.message}`, { cause });
    if (isDiskFull(cause) && !this.closed) {
      this.stats.failures++;
      // Disk full: refusing the batch would disconnect every device, which then resends its
      // oldest message on each reconnect and nothing newer reaches detection (a leak goes
      // unseen). Keep the batch, unacknowledged, and retry; detection has already seen it.
      this.pending = items.concat(this.pending);
      if (!this.diskFull) {
        this.diskFull = true;
        this.log.error({ err: failure, held: this.pending.length }, 'disk full: journal commits held and retried; readings not acknowledged until they are on disk');
        const held = this.pending.length;
        this.listeners.emit('diskFull', { err: failure, held });
      }
      this.retryWhenSpace();
      return;
    }
    this.failed(items, failure);
  }

  /**
   * A batch is not on disk. What filled behind it fails too: committing a device's later message
   * past its lost earlier one would move the cursor past it, and its resend would then count as
   * a duplicate and be acknowledged without being stored.
   */
  private failed(items: Pending[], failure: StorageError): void {
    this.stats.failures++;
    const behind = this.pending.splice(0);
    this.clearTimer();
    this.log.error({ err: failure, batch: items.length, behind: behind.length }, 'journal commit failed; messages not acknowledged');
    this.listeners.emit('commitFailed', failure);
    // Nothing of this is on disk: the callbacks get the error, so nothing is acknowledged and the
    // devices send again.
    this.fail(items.concat(behind), failure);
  }

  /** The retry timer posts the held batch; a full disk again comes back here for the next try. */
  private retryWhenSpace(): void {
    this.timer ??= setTimeout(() => {
      this.timer = null;
      if (this.roomy()) this.post();
      else this.retryWhenSpace();
    }, this.options.fullRetryMs ?? 250);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Blocks until the batch in flight (if any) is answered; a silent worker counts as dead. */
  private awaitInFlight(): void {
    const current = this.inFlight;
    if (!current || this.waitUntil(() => this.inFlight !== current)) return;
    this.writerLost(`did not answer within ${SYNC_WAIT_MS} ms`);
    if (this.inFlight === current) {
      this.inFlight = null;
      this.failed(current.items, new StorageError(`journal worker did not answer within ${SYNC_WAIT_MS} ms for ${current.items.length} messages`));
    }
  }

  /** Takes the worker's answers synchronously until `ready`; false after SYNC_WAIT_MS. */
  private waitUntil(ready: () => boolean): boolean {
    return this.thread !== null && waitForReplies(this.thread, ready, (reply) => this.onReply(reply), SYNC_WAIT_MS, () => this.thread);
  }

  private startThread(): WriterThread {
    const thread = startWriterThread(this.file, this.synchronous, (reply) => this.onReply(reply), this.log);
    thread.worker.on('exit', (code) => {
      if (this.thread?.worker === thread.worker) this.writerLost(`exited with code ${code}`);
    });
    return thread;
  }

  /**
   * The worker died or hung: its batch was never acknowledged, so its callbacks (and those behind
   * them) get a StorageError, and a new worker takes the next batch. One that keeps dying breaks
   * the journal: every append is then refused, loudly.
   */
  private writerLost(why: string): void {
    if (!this.thread || this.closed) return;
    this.dropThread(`journal worker ${why}`);
    if (!this.restarts.allow(Date.now())) {
      this.broken = new StorageError(`journal worker ${why}; restarted ${MAX_RESTARTS_PER_MIN} times within a minute, not again: readings are refused`);
      this.log.fatal({ err: this.broken }, 'journal cannot write: readings are refused');
      if (this.pending.length > 0) this.failed([], this.broken);
      return;
    }
    this.log.error({ why }, 'journal worker lost; starting a new one');
    this.thread = this.startThread();
    this.schedule();
  }

  /** The database was closed under the journal (a simulated crash): stop the worker, restart nothing. */
  private abandon(): void {
    clearInterval(this.watch);
    if (this.thread) this.dropThread('stopped: the journal database was closed');
  }

  /** Stops the worker; answers it already sent still count, the batch it still holds fails. */
  private dropThread(why: string): void {
    const thread = this.thread!;
    for (let got = receiveMessageOnPort(thread.replies); got; got = receiveMessageOnPort(thread.replies)) this.onReply(got.message as WorkerReply);
    this.thread = null;
    void thread.worker.terminate();
    thread.replies.close();
    this.prunes.clear();
    const lost = this.inFlight;
    this.inFlight = null;
    if (lost) this.failed(lost.items, new StorageError(`${why} before committing ${lost.items.length} messages`));
  }

  /** Asks the worker to close its connection (a clean WAL checkpoint) and waits a moment for it. */
  private stopThread(): void {
    const thread = this.thread;
    if (!thread) return;
    const id = this.nextId++;
    this.send({ op: 'close', id });
    const answered = this.waitUntil(() => this.answers.has(id));
    this.answers.delete(id);
    this.thread = null;
    if (!answered) void thread.worker.terminate();
    thread.replies.close();
  }

  /** Whether a held batch may try its commit; a check that throws cannot tell, so it tries. */
  private roomy(): boolean {
    try {
      return this.options.hasSpace?.() ?? true;
    } catch (err) {
      this.log.error({ err }, 'journal hasSpace check failed');
      return true;
    }
  }

  /** Calls back every message of `batch`, with `failure` when it is not on disk. */
  private fail(batch: Pending[], failure: StorageError | undefined): void {
    callBack(batch, failure, this.log);
  }
}
