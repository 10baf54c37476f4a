// The group-commit journal (gateway/src/ingest/journal.ts) over a real SQLite file: a callback is
// the acknowledgement, so it runs only once its transaction committed, in arrival order; a failed
// commit acknowledges nothing and leaves nothing of its batch behind.

import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Journal, type JournalDeadLetter, type JournalReading } from '../../../gateway/src/ingest/journal.js';
import { warmWriter } from '../../../gateway/src/ingest/journal-thread.js';
import { journalPath, openJournalDb } from '../../../gateway/src/store/journal-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { StorageError } from '../../../gateway/src/errors.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { eventually } from '../../support/gateway.js';
import { tempDir } from '../../support/tmp.js';
import { useGatewayFixture } from '../../support/fixture.js';

const T0 = Date.parse('2026-11-22T08:00:00.000Z');

function reading(seq: number, tsMs = T0 + seq * 1000, device = 'gas-01', site = 'kitchen-01'): JournalReading {
  return { site, device, seq, tsMs, receivedMs: tsMs + 5, readingsJson: JSON.stringify({ ch4: seq / 10 }), metaJson: null };
}

function deadLetter(reason: string): JournalDeadLetter {
  return {
    site: 'kitchen-01',
    device: 'gas-01',
    topic: 'shaobing/kitchen-01/gas-01/telemetry',
    reason,
    detail: `${reason} detail`,
    receivedMs: T0,
    payload: Buffer.from('{"ts":"x"}'),
  };
}

/** What a callback saw: its label, its error, and whether a second connection finds its row. */
interface Call {
  label: string;
  err: Error | undefined;
  onDisk: boolean;
}

describe('Journal', () => {
  const fx = useGatewayFixture();

  function open(options: { commitIntervalMs?: number; maxBatch?: number } = {}): { journal: Journal; db: Db; reader: Database.Database; calls: Call[]; done: (label: string, row?: () => boolean) => (err?: Error) => void } {
    const dir = tempDir();
    fx.defer(() => dir.remove());
    const db = openJournalDb(dir.path, 'FULL');
    fx.defer(() => {
      if (db.open) db.close();
    });
    const journal = new Journal(db, { commitIntervalMs: options.commitIntervalMs ?? 20, maxBatch: options.maxBatch ?? 1000 }, silentLogger());
    fx.defer(() => {
      if (db.open) journal.close();
    });
    // A second connection, as another process would read the file: it sees committed data only.
    const reader = new Database(journalPath(dir.path), { readonly: true });
    fx.defer(() => reader.close());
    const calls: Call[] = [];
    const done =
      (label: string, row: () => boolean = () => false) =>
      (err?: Error) => {
        calls.push({ label, err, onDisk: row() });
      };
    return { journal, db, reader, calls, done };
  }

  function hasReading(reader: Database.Database, seq: number, device = 'gas-01'): () => boolean {
    return () => reader.prepare('SELECT 1 FROM reading WHERE device = ? AND seq = ?').get(device, seq) !== undefined;
  }

  function hasDeadLetter(reader: Database.Database, reason: string): () => boolean {
    return () => reader.prepare('SELECT 1 FROM dead_letter WHERE reason = ?').get(reason) !== undefined;
  }

  function count(reader: Database.Database, table: 'reading' | 'dead_letter' | 'ingest_cursor'): number {
    return (reader.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  it('calls back only after the group commit, in arrival order, with every row already on disk', async () => {
    const { journal, reader, calls, done } = open({ commitIntervalMs: 30 });
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    journal.append(reading(2), done('r2', hasReading(reader, 2)));
    journal.appendDeadLetter(deadLetter('bad_ts'), done('dead', hasDeadLetter(reader, 'bad_ts')));
    journal.append(reading(3), done('r3', hasReading(reader, 3)));

    expect(calls).toEqual([]);
    expect(journal.depth).toBe(4);
    expect(count(reader, 'reading')).toBe(0);

    await eventually(() => calls.length === 4, 5000, 'the commit');
    expect(calls).toEqual([
      { label: 'r1', err: undefined, onDisk: true },
      { label: 'r2', err: undefined, onDisk: true },
      { label: 'dead', err: undefined, onDisk: true },
      { label: 'r3', err: undefined, onDisk: true },
    ]);
    expect(journal.depth).toBe(0);
    expect(journal.stats).toEqual({ committed: 3, deadLetters: 1, batches: 1, failures: 0, busyRetries: 0 });
    expect(reader.prepare('SELECT site, device, seq, ts_ms, received_ms, readings, meta FROM reading ORDER BY id').all()).toEqual(
      [1, 2, 3].map((seq) => ({ site: 'kitchen-01', device: 'gas-01', seq, ts_ms: T0 + seq * 1000, received_ms: T0 + seq * 1000 + 5, readings: JSON.stringify({ ch4: seq / 10 }), meta: null })),
    );
    expect(reader.prepare('SELECT topic, reason, detail, payload FROM dead_letter').all()).toEqual([
      { topic: 'shaobing/kitchen-01/gas-01/telemetry', reason: 'bad_ts', detail: 'bad_ts detail', payload: Buffer.from('{"ts":"x"}') },
    ]);
  });

  it('runs a commit again when the file is locked past busy_timeout, instead of failing its batch', async () => {
    const { journal, db, reader, calls, done } = open({ commitIntervalMs: 5 });
    // SQLite can answer BUSY without waiting out busy_timeout (measured under load); a zero timeout makes every
    // lock conflict such an answer. Another connection holds the write lock for 300 ms.
    journal.writerPragma('busy_timeout = 0');
    const other = new Database(db.name);
    fx.defer(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    const releasedAt = performance.now() + 300;
    setTimeout(() => other.exec('COMMIT'), 300);
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    await eventually(() => calls.length === 1, 10_000, 'the commit after the lock is released');
    expect(performance.now()).toBeGreaterThanOrEqual(releasedAt - 1);
    expect(calls).toEqual([{ label: 'r1', err: undefined, onDisk: true }]);
    expect(journal.stats.failures).toBe(0);
    expect(journal.stats.busyRetries).toBeGreaterThan(0);
  });

  it('warmWriter returns once the writer thread has its connection open, and commits go on after it', async () => {
    const { journal, reader, calls, done } = open({ commitIntervalMs: 5 });
    const firstMs = warmWriter(journal);
    expect(firstMs).toBeGreaterThan(0);
    // The thread is up: a second warm is one round trip, not a boot.
    expect(warmWriter(journal)).toBeLessThan(firstMs);
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    await eventually(() => calls.length === 1, 5000, 'the commit after warm');
    expect(calls).toEqual([{ label: 'r1', err: undefined, onDisk: true }]);
  });

  it('keeps FIFO order across batches', async () => {
    const { journal, calls, done } = open({ commitIntervalMs: 5 });
    for (let seq = 1; seq <= 5; seq++) journal.append(reading(seq), done(`r${seq}`));
    await eventually(() => calls.length === 5, 5000, 'first batch');
    for (let seq = 6; seq <= 10; seq++) journal.append(reading(seq), done(`r${seq}`));
    await eventually(() => calls.length === 10, 5000, 'second batch');
    expect(calls.map((c) => c.label)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i + 1}`));
    expect(journal.stats.batches).toBe(2);
  });

  it('commits at once when a batch reaches maxBatch, without waiting for the interval', async () => {
    const { journal, reader, calls, done } = open({ commitIntervalMs: 60_000, maxBatch: 3 });
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    journal.append(reading(2), done('r2', hasReading(reader, 2)));
    // The third append fills the batch: it goes to the writer thread at once (the interval is a minute).
    journal.append(reading(3), done('r3', hasReading(reader, 3)));
    await eventually(() => calls.length === 3, 5000, 'the full batch committed');
    expect(calls.map((c) => [c.label, c.err, c.onDisk])).toEqual([
      ['r1', undefined, true],
      ['r2', undefined, true],
      ['r3', undefined, true],
    ]);
    expect(journal.stats.batches).toBe(1);
    journal.append(reading(4), done('r4'));
    expect(journal.depth).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(3);
  });

  it('calls back an afterCommit barrier once everything appended before it is committed, in order', async () => {
    const { journal, reader, calls, done } = open({ commitIntervalMs: 20 });
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    journal.afterCommit(done('barrier', hasReading(reader, 1)));
    journal.append(reading(2), done('r2', hasReading(reader, 2)));
    expect(calls).toEqual([]);
    await eventually(() => calls.length === 3, 5000, 'the commit');
    expect(calls).toEqual([
      { label: 'r1', err: undefined, onDisk: true },
      { label: 'barrier', err: undefined, onDisk: true },
      { label: 'r2', err: undefined, onDisk: true },
    ]);
    // A barrier writes nothing itself.
    expect(journal.stats).toMatchObject({ committed: 2, deadLetters: 0 });
  });

  it('calls back a barrier on an empty journal only after the next commit, never synchronously', async () => {
    const { journal, calls, done } = open({ commitIntervalMs: 20 });
    journal.afterCommit(done('barrier'));
    expect(calls).toEqual([]);
    await eventually(() => calls.length === 1, 5000, 'the barrier');
    expect(calls[0]).toMatchObject({ label: 'barrier', err: undefined });
  });

  it('moves ingest_cursor to the newest reading of each device, by ts then seq, never back', () => {
    const { journal, reader, done } = open({ commitIntervalMs: 60_000 });
    const cursor = (device: string) =>
      reader.prepare('SELECT last_seq AS lastSeq, last_ts_ms AS lastTsMs FROM ingest_cursor WHERE site = ? AND device = ?').get('kitchen-01', device);

    // One batch: the newest ts wins even with a lower seq (a restarted counter).
    journal.append(reading(5, T0 + 1000), done('a5'));
    journal.append(reading(3, T0 + 2000), done('a3'));
    journal.append(reading(9, T0 + 1500), done('a9'));
    journal.append(reading(1, T0 + 100, 'gas-02'), done('b1'));
    journal.flush();
    expect(cursor('gas-01')).toEqual({ lastSeq: 3, lastTsMs: T0 + 2000 });
    expect(cursor('gas-02')).toEqual({ lastSeq: 1, lastTsMs: T0 + 100 });

    // Next batch: the same ts with a higher seq wins; an older ts does not move the cursor back.
    journal.append(reading(4, T0 + 2000), done('a4'));
    journal.append(reading(10, T0 + 1999), done('a10'));
    journal.append(reading(2, T0 + 50, 'gas-02'), done('b2'));
    journal.flush();
    expect(cursor('gas-01')).toEqual({ lastSeq: 4, lastTsMs: T0 + 2000 });
    expect(cursor('gas-02')).toEqual({ lastSeq: 1, lastTsMs: T0 + 100 });

    // Same ts, lower seq (a late arrival): unchanged.
    journal.append(reading(2, T0 + 2000), done('a2'));
    journal.flush();
    expect(cursor('gas-01')).toEqual({ lastSeq: 4, lastTsMs: T0 + 2000 });
    expect(journal.cursors().sort((x, y) => x.device.localeCompare(y.device))).toEqual([
      { site: 'kitchen-01', device: 'gas-01', lastSeq: 4, lastTsMs: T0 + 2000 },
      { site: 'kitchen-01', device: 'gas-02', lastSeq: 1, lastTsMs: T0 + 100 },
    ]);
    expect(count(reader, 'reading')).toBe(8);
  });

  describe('the writer thread', () => {
    /** Test-only reach into the journal's worker, as a crash of the thread would do. */
    const workerOf = (journal: Journal) => (journal as unknown as { thread: { worker: import('node:worker_threads').Worker } }).thread.worker;

    it('calls back in append order across many batches, one in flight while the next fills', async () => {
      const { journal, reader, calls, done } = open({ commitIntervalMs: 1, maxBatch: 7 });
      const seqs = Array.from({ length: 200 }, (_, i) => i + 1);
      for (const seq of seqs) {
        journal.append(reading(seq, T0 + seq, seq % 2 === 0 ? 'gas-01' : 'gas-02'), done(`r${seq}`, hasReading(reader, seq, seq % 2 === 0 ? 'gas-01' : 'gas-02')));
        if (seq % 50 === 0) await new Promise((r) => setImmediate(r)); // let replies in between appends
      }
      expect(journal.depth).toBeGreaterThan(0);
      await eventually(() => calls.length === 200, 10_000, 'every batch');
      expect(calls.map((c) => c.label)).toEqual(seqs.map((seq) => `r${seq}`));
      expect(calls.every((c) => c.err === undefined && c.onDisk)).toBe(true);
      expect(journal.stats.batches).toBeGreaterThanOrEqual(Math.ceil(200 / 7));
      // Row ids follow append order too.
      expect(reader.prepare('SELECT seq FROM reading ORDER BY id').all().map((r) => (r as { seq: number }).seq)).toEqual(seqs);
    });

    it("acknowledges a duplicate only after the original's commit, whether it is in flight or filling", async () => {
      const { journal, reader, calls, done } = open({ commitIntervalMs: 60_000, maxBatch: 1 });
      // maxBatch 1: the original goes to the worker at once; the duplicate joins the batch in flight.
      journal.append(reading(1), done('r1', hasReading(reader, 1)));
      journal.afterCommit(done('dup-of-r1', hasReading(reader, 1)));
      // While r1 is in flight, r2 fills the next batch; its duplicate waits for that batch.
      journal.append(reading(2), done('r2', hasReading(reader, 2)));
      journal.afterCommit(done('dup-of-r2', hasReading(reader, 2)));
      expect(calls).toEqual([]);
      await eventually(() => calls.length === 4, 5000, 'both commits');
      expect(calls).toEqual([
        { label: 'r1', err: undefined, onDisk: true },
        { label: 'dup-of-r1', err: undefined, onDisk: true },
        { label: 'r2', err: undefined, onDisk: true },
        { label: 'dup-of-r2', err: undefined, onDisk: true },
      ]);
    });

    it('fails the unacknowledged callbacks when the worker dies, loses nothing acknowledged and goes on with a new worker', async () => {
      const { journal, reader, calls, done } = open({ commitIntervalMs: 1, maxBatch: 5 });
      for (let seq = 1; seq <= 5; seq++) journal.append(reading(seq), done(`r${seq}`, hasReading(reader, seq)));
      await eventually(() => calls.length === 5, 5000, 'the first batch');
      let failed = 0;
      journal.on('commitFailed', () => void failed++);
      for (let seq = 6; seq <= 30; seq++) journal.append(reading(seq), done(`r${seq}`, hasReading(reader, seq)));
      const dying = workerOf(journal);
      await dying.terminate();
      await eventually(() => calls.length === 30, 5000, 'every callback after the crash');
      const acked = calls.filter((c) => c.err === undefined);
      const refused = calls.filter((c) => c.err !== undefined);
      expect(acked.length).toBeGreaterThanOrEqual(5);
      expect(refused.length).toBeGreaterThan(0);
      for (const c of refused) {
        expect(c.err, c.label).toBeInstanceOf(StorageError);
        expect(c.err?.message).toMatch(/journal worker exited/);
      }
      expect(failed).toBeGreaterThanOrEqual(1);
      // Every acknowledged reading is on disk, read by a second connection.
      for (const c of acked) expect(c.onDisk, c.label).toBe(true);
      const onDisk = new Set(reader.prepare('SELECT seq FROM reading').all().map((r) => (r as { seq: number }).seq));
      for (const c of acked) expect(onDisk.has(Number(c.label.slice(1))), c.label).toBe(true);
      // A new worker took over: the devices' resends commit.
      expect(workerOf(journal)).not.toBe(dying);
      for (const c of refused) journal.append(reading(Number(c.label.slice(1))), done(`again-${c.label}`, hasReading(reader, Number(c.label.slice(1)))));
      await eventually(() => calls.length === 30 + refused.length, 5000, 'the resends');
      expect(calls.slice(30).every((c) => c.err === undefined && c.onDisk)).toBe(true);
    });

    it('flush returns only once every batch is committed, also those posted while it waits', () => {
      const { journal, reader, calls, done } = open({ commitIntervalMs: 0.001, maxBatch: 100 });
      // The interval passes during the loop: batches go to the worker while appends go on.
      for (let seq = 1; seq <= 2500; seq++) journal.append(reading(seq), done(`r${seq}`));
      journal.flush();
      expect(journal.depth).toBe(0);
      expect(calls).toHaveLength(2500);
      expect(count(reader, 'reading')).toBe(2500);
    });

    it('prunes in the worker, between commits, and reports the rows deleted', () => {
      const { journal, reader, done } = open({ commitIntervalMs: 60_000 });
      for (let seq = 1; seq <= 10; seq++) journal.append(reading(seq), done(`r${seq}`));
      journal.flush();
      expect(journal.prune(4)).toBe(0); // nothing reported yet: the delete is on its way
      journal.flush(); // waits for the delete too
      expect(reader.prepare('SELECT min(seq) AS s, count(*) AS n FROM reading').get()).toEqual({ s: 5, n: 6 });
      expect(journal.prune(4)).toBe(4);
    });
  });

  describe('a failed commit', () => {
    it('rolls the whole batch back, tells onCommitFailed first, then every callback gets a StorageError', () => {
      const { journal, db, reader, calls, done } = open({ commitIntervalMs: 60_000 });
      journal.append(reading(1), done('committed-before'));
      journal.flush();
      const cursorBefore = journal.cursors();

      // The fourth row of the next batch fails inside the transaction, after three were written.
      db.exec(`CREATE TRIGGER refuse_seq_99 BEFORE INSERT ON reading WHEN NEW.seq = 99 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
      const failures: StorageError[] = [];
      journal.on('commitFailed', (err) => {
        failures.push(err);
        calls.push({ label: 'onCommitFailed', err, onDisk: false });
      });
      journal.append(reading(2), done('r2', hasReading(reader, 2)));
      journal.appendDeadLetter(deadLetter('invalid_json'), done('dead', hasDeadLetter(reader, 'invalid_json')));
      journal.afterCommit(done('barrier'));
      journal.append(reading(3, T0 + 60_000), done('r3', hasReading(reader, 3)));
      journal.append(reading(99), done('r99', hasReading(reader, 99)));
      journal.flush();

      expect(calls.map((c) => c.label)).toEqual(['committed-before', 'onCommitFailed', 'r2', 'dead', 'barrier', 'r3', 'r99']);
      expect(failures).toHaveLength(1);
      for (const call of calls.slice(1)) {
        expect(call.err, call.label).toBeInstanceOf(StorageError);
        expect(call.err?.message, call.label).toMatch(/journal commit of 5 messages failed: disk on fire/);
        expect(call.onDisk, call.label).toBe(false);
      }
      expect(calls[2]!.err).toBe(failures[0]);
      expect((failures[0] as StorageError).code).toBe('STORAGE_FAILED');
      expect(failures[0]!.cause).toBeInstanceOf(Error);
      // Nothing of the batch: no reading, no dead letter, the cursor where it was.
      expect(reader.prepare('SELECT seq FROM reading').all()).toEqual([{ seq: 1 }]);
      expect(count(reader, 'dead_letter')).toBe(0);
      expect(journal.cursors()).toEqual(cursorBefore);
      expect(journal.stats).toEqual({ committed: 1, deadLetters: 0, batches: 1, failures: 1, busyRetries: 0 });
      expect(journal.depth).toBe(0);

      // Once the cause is gone the journal takes writes again (the devices resend).
      db.exec('DROP TRIGGER refuse_seq_99');
      journal.append(reading(2), done('r2-again', hasReading(reader, 2)));
      journal.flush();
      expect(calls.at(-1)).toEqual({ label: 'r2-again', err: undefined, onDisk: true });
    });

    it('fails a batch the database will not write (query_only) and keeps nothing of it', async () => {
      const { journal, reader, calls, done } = open({ commitIntervalMs: 10 });
      let failed = 0;
      journal.on('commitFailed', () => void failed++);
      // query_only is per connection: the writer's, in the journal worker.
      journal.writerPragma('query_only = 1');
      journal.append(reading(1), done('r1'));
      journal.appendDeadLetter(deadLetter('bad_ts'), done('dead'));
      await eventually(() => calls.length === 2, 5000, 'the failed commit');
      expect(failed).toBe(1);
      expect(calls.map((c) => [c.label, c.err instanceof StorageError])).toEqual([
        ['r1', true],
        ['dead', true],
      ]);
      expect(calls[0]!.err?.message).toMatch(/readonly/i);
      journal.writerPragma('query_only = 0');
      expect(count(reader, 'reading')).toBe(0);
      expect(count(reader, 'dead_letter')).toBe(0);
      expect(count(reader, 'ingest_cursor')).toBe(0);
    });

    it('fails the batch filling behind a failed one, so no later reading of a device commits past a lost one', async () => {
      const { journal, db, reader, calls, done } = open({ commitIntervalMs: 1, maxBatch: 2 });
      db.exec(`CREATE TRIGGER refuse_seq_2 BEFORE INSERT ON reading WHEN NEW.seq = 2 BEGIN SELECT RAISE(ABORT, 'bad sector'); END`);
      let failed = 0;
      journal.on('commitFailed', () => void failed++);
      for (let seq = 1; seq <= 6; seq++) journal.append(reading(seq), done(`r${seq}`, hasReading(reader, seq)));
      await eventually(() => calls.length === 6, 5000, 'the failure');
      expect(failed).toBe(1);
      expect(calls.map((c) => [c.label, c.err instanceof StorageError, c.onDisk])).toEqual([1, 2, 3, 4, 5, 6].map((seq) => [`r${seq}`, true, false]));
      expect(calls[0]!.err?.message).toMatch(/journal commit of 2 messages failed: bad sector/);
      expect(count(reader, 'reading')).toBe(0);
      expect(journal.depth).toBe(0);
    });

    it('fails the pending batch when the database handle is gone', () => {
      const { journal, db, calls, done } = open({ commitIntervalMs: 60_000 });
      let failed = 0;
      journal.on('commitFailed', () => void failed++);
      journal.append(reading(1), done('r1'));
      db.close();
      journal.flush();
      expect(failed).toBe(1);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.err).toBeInstanceOf(StorageError);
    });
  });

  it('calls the other callbacks of a batch when one of them throws', () => {
    const { journal, calls, done } = open({ commitIntervalMs: 60_000 });
    journal.append(reading(1), done('r1'));
    journal.append(reading(2), () => {
      throw new Error('a broken acknowledgement');
    });
    journal.append(reading(3), done('r3'));
    journal.flush();
    expect(calls.map((c) => [c.label, c.err])).toEqual([
      ['r1', undefined],
      ['r3', undefined],
    ]);
  });

  it('commits what is pending on close and refuses every append after it', () => {
    const { journal, reader, calls, done } = open({ commitIntervalMs: 60_000 });
    journal.append(reading(1), done('r1', hasReading(reader, 1)));
    journal.close();
    expect(calls).toEqual([{ label: 'r1', err: undefined, onDisk: true }]);

    journal.append(reading(2), done('r2'));
    journal.appendDeadLetter(deadLetter('bad_ts'), done('dead'));
    journal.afterCommit(done('barrier'));
    // Refused at once, not after a commit that will never come.
    expect(calls.slice(1).map((c) => [c.label, c.err instanceof StorageError, c.err?.message])).toEqual([
      ['r2', true, 'journal is closed'],
      ['dead', true, 'journal is closed'],
      ['barrier', true, 'journal is closed'],
    ]);
    expect(journal.depth).toBe(0);
    expect(reader.prepare('SELECT seq FROM reading').all()).toEqual([{ seq: 1 }]);
    expect(count(reader, 'dead_letter')).toBe(0);
  });
});
