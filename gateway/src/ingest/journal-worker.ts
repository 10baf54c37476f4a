// The journal's writer thread: it owns the one connection that writes journal readings,
// so the INSERTs and the COMMIT's fsync (5–15 ms with synchronous=FULL) never block the main
// thread's event loop, where the alarm path and the valve commands run. It answers every request
// in order on the reply port and bumps a shared counter, so a blocking flush can wait for it.

import { parentPort, workerData } from 'node:worker_threads';
import { blockingSleep, retryWhileBusy } from '../store/busy-retry.js';
import { journalWriter, openJournalFile } from '../store/journal-db.js';
import { unpackReadings, type JournalWorkerData, type WorkerReply, type WorkerRequest } from './journal-batch.js';
import type { JournalDeadLetter } from './journal.js';

const data = workerData as JournalWorkerData;
const db = openJournalFile(data.file, data.synchronous);
const writer = journalWriter(db);
/** As long as busy_timeout again: a lock held longer than that is a fault, not contention. */
const BUSY_RETRY = { budgetMs: 5_000, sleep: blockingSleep, now: () => performance.now() };

function reply(message: WorkerReply): void {
  data.replies.postMessage(message);
  Atomics.add(data.signal, 0, 1);
  Atomics.notify(data.signal, 0);
}

/** A structured clone turns a Buffer into a Uint8Array; better-sqlite3 binds only Buffers as BLOBs. */
function asBuffers(dead: readonly JournalDeadLetter[]): JournalDeadLetter[] {
  return dead.map((d) => ({ ...d, payload: Buffer.from(d.payload.buffer, d.payload.byteOffset, d.payload.byteLength) }));
}

function run(req: WorkerRequest): unknown {
  switch (req.op) {
    case 'commit': {
      const readings = unpackReadings(req.batch);
      const dead = asBuffers(req.batch.dead);
      // The answer is how many times the lock was found taken (JournalStats.busyRetries).
      return retryWhileBusy(() => writer.commit(readings, dead), BUSY_RETRY).retries;
    }
    case 'prune':
      return writer.prune(req.lastId);
    case 'pragma':
      return db.pragma(req.source, { simple: true });
    case 'close':
      db.close();
      return null;
  }
}

parentPort!.on('message', (req: WorkerRequest) => {
  try {
    reply({ id: req.id, ok: true, value: run(req) });
  } catch (err) {
    const e = err as { message?: unknown; code?: unknown };
    reply({ id: req.id, ok: false, message: String(e?.message ?? err), code: typeof e?.code === 'string' ? e.code : undefined });
  }
  if (req.op === 'close') {
    parentPort!.close();
    data.replies.close();
  }
});
