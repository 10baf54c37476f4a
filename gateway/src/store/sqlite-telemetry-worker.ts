// The embedded time-series store's own thread: SqliteTelemetryStore on its own
// connection to the journal file, so draining, retention and history queries never hold the main
// thread's event loop (and with it a red alarm's valve command). Writes (drain, flush, maintain,
// close) run one after another in transactions of at most `transactionRows` rows; a query is
// answered between two of them, so it waits at most one transaction.

import { parentPort, workerData } from 'node:worker_threads';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openJournalDb } from './journal-db.js';
import { SqliteTelemetryStore } from './sqlite-telemetry.js';
import type { Request, WireError, WorkerMessage, WorkerSetup } from './sqlite-telemetry-protocol.js';

const port = parentPort!;
const setup = workerData as WorkerSetup;
const db = openJournalDb(setup.dataDir, setup.synchronous);
// The journal's group commits write the same file: one writer at a time, so a drain transaction
// waits (rather than fails) while a commit holds the lock, and each one is kept short.
db.pragma(`busy_timeout = ${setup.busyTimeoutMs}`);
const store = new SqliteTelemetryStore(db, setup.retention);

/** Drains up to `maxRows` in transactions of `transactionRows`, letting queries in between. */
async function drain(maxRows: number): Promise<number> {
  let moved = 0;
  while (moved < maxRows) {
    const want = Math.min(setup.transactionRows, maxRows - moved);
    const n = await store.drainOnce(want);
    moved += n;
    if (n < want) break;
    // Messages that came meanwhile (a history query) are handled before the next transaction.
    await nextTurn();
  }
  return moved;
}

async function flush(): Promise<void> {
  while ((await drain(setup.transactionRows)) > 0) {
    // until caught up
  }
  // Catches up on anything committed since, and writes the in-memory minute aggregates back.
  await store.flush();
}

let writes: Promise<unknown> = Promise.resolve();
/** Write operations one after another; a failed one does not stop the next. */
function serial<T>(run: () => Promise<T>): Promise<T> {
  const done = writes.then(run);
  writes = done.catch(() => undefined);
  return done;
}

function perform(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'history':
      return store.history(req.query);
    case 'count':
      return store.countMessages(req.filter);
    case 'drain':
      return serial(() => drain(req.maxRows));
    case 'flush':
      return serial(flush);
    case 'maintain':
      return serial(async () => store.maintain(req.nowMs));
    case 'close':
      return serial(async () => {
        await flush();
        db.close();
      });
  }
}

function wire(err: unknown): WireError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
}

function send(msg: WorkerMessage): void {
  port.postMessage(msg);
}

port.on('message', (req: Request) => {
  perform(req).then(
    (value) => {
      send({ kind: 'reply', id: req.id, ok: true, value, cursor: store.cursor() });
      if (req.op === 'close') port.close();
    },
    (err: unknown) => send({ kind: 'reply', id: req.id, ok: false, error: wire(err), cursor: store.cursor() }),
  );
});

send({ kind: 'ready', cursor: store.cursor() });
