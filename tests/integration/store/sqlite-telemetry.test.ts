// The embedded time-series store drains the journal by cursor: every committed reading arrives
// once, history comes back per channel in time order, and the journal is pruned only after the
// store has held rows for the keep time.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJournalDb } from '../../../gateway/src/store/journal-db.js';
import type { Db } from '../../../gateway/src/store/sqlite.js';
import { Journal } from '../../../gateway/src/ingest/journal.js';
import { SqliteTelemetryStore } from '../../../gateway/src/store/sqlite-telemetry.js';
import { DrainLoop } from '../../../gateway/src/store/drain-loop.js';
import { silentLogger } from '../../../gateway/src/log.js';
import { tempDir } from '../../support/tmp.js';

describe('SQLite telemetry store', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Db;
  let journal: Journal;

  beforeEach(() => {
    dir = tempDir();
    db = openJournalDb(dir.path, 'NORMAL');
    journal = new Journal(db, { commitIntervalMs: 1, maxBatch: 10_000 }, silentLogger());
  });
  afterEach(() => {
    if (db.open) db.close();
    dir.remove();
  });

  function append(device: string, seq: number, tsMs: number, readings: Record<string, number>): void {
    journal.append({ site: 'k1', device, seq, tsMs, receivedMs: tsMs, readingsJson: JSON.stringify(readings), metaJson: null }, () => {});
  }

  it('takes every committed reading once, in batches, and survives a reopen at its cursor', async () => {
    for (let i = 1; i <= 2500; i++) append(`d${i % 3}`, i, 1_000 + i, { ch4: i / 100 });
    journal.flush();
    const store = new SqliteTelemetryStore(db);
    expect(await store.drainOnce(1000)).toBe(1000);
    expect(await store.countMessages()).toBe(1000);
    // A new store object on the same file starts at the saved cursor, not at zero.
    const reopened = new SqliteTelemetryStore(db);
    expect(reopened.cursor()).toBe(1000);
    await reopened.flush();
    expect(await reopened.countMessages()).toBe(2500);
    expect(await reopened.countMessages({ device: 'd1' })).toBe(834);
    expect(await reopened.drainOnce(1000)).toBe(0);
  });

  it('returns one channel of one device in time order, skipping messages without that channel', async () => {
    append('gas-01', 3, 3_000, { ch4: 30, co: 3 });
    append('gas-01', 1, 1_000, { ch4: 10, co: 1 });
    append('gas-01', 2, 2_000, { co: 2 });
    append('gas-02', 1, 1_500, { ch4: 99 });
    journal.flush();
    const store = new SqliteTelemetryStore(db);
    await store.flush();
    const points = await store.history({ site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: 0, toMs: 10_000, limit: 100 });
    expect(points).toEqual([
      { tsMs: 1_000, value: 10, seq: 1 },
      { tsMs: 3_000, value: 30, seq: 3 },
    ]);
    expect(await store.history({ site: 'k1', device: 'gas-01', channel: 'ch4', fromMs: 2_000, toMs: 10_000, limit: 100 })).toHaveLength(1);
  });

  it('prunes journal rows only after the store has held them for the keep time', async () => {
    let now = 0;
    const store = new SqliteTelemetryStore(db);
    const loop = new DrainLoop(store, journal, { intervalMs: 1000, batchRows: 100, keepMs: 60_000 }, () => now, silentLogger());
    for (let i = 1; i <= 250; i++) append('d', i, i, { ch4: 1 });
    journal.flush();
    await loop.tick();
    const journalRows = () => (db.prepare('SELECT count(*) AS n FROM reading').get() as { n: number }).n;
    expect(await store.countMessages()).toBe(250);
    expect(journalRows()).toBe(250);
    now = 59_999;
    await loop.tick();
    expect(journalRows()).toBe(250);
    now = 60_000;
    await loop.tick();
    journal.flush(); // the delete runs in the journal's worker thread; flush waits for it
    // The newest row stays (journal-db trigger), so row ids never restart below a cursor.
    expect(journalRows()).toBe(1);
    expect(await store.countMessages()).toBe(250);
  });
});
