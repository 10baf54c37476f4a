// The gateway's files as parts: state.db and the journal database, the journal (its commit is
// what a PUBACK means), the disk reserve that keeps room for alarms when the disk fills, and the
// time-series store with the loop that drains the journal into it.

import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { openStateDb } from '../store/state-db.js';
import { openJournalDb } from '../store/journal-db.js';
import { isDiskFull, type Db } from '../store/sqlite.js';
import { DiskReserve, DISK_RESERVE_BYTES } from '../store/disk-reserve.js';
import { lockDataDir } from '../store/data-dir-lock.js';
import { DrainLoop } from '../store/drain-loop.js';
import type { TelemetryStore } from '../store/telemetry-store.js';
import { ThreadedSqliteTelemetryStore } from '../store/sqlite-telemetry-threaded.js';
import { influxStoreFromConfig } from '../store/influx/from-config.js';
import { Journal } from '../ingest/journal.js';
import { warmWriter } from '../ingest/journal-thread.js';
import type { AlarmSaver } from '../alarms/alarm-saver.js';
import type { SystemAlarms } from '../alarms/system-alarms.js';
import type { Part } from './part.js';

export interface Databases extends Part {
  readonly stateDb: Db;
  readonly journalDb: Db;
}

/** Opens state.db and journal.db; the last part to stop, so every other part still had them. */
export function databases(config: Config): Databases {
  // Before any file is opened: a second gateway on the same directory stops here (data-dir-lock.ts).
  const lock = lockDataDir(config.storage.dataDir);
  let stateDb: Db;
  let journalDb: Db;
  try {
    stateDb = openStateDb(config.storage.dataDir);
    try {
      journalDb = openJournalDb(config.storage.dataDir, config.storage.synchronous);
    } catch (err) {
      stateDb.close();
      throw err;
    }
  } catch (err) {
    lock.release();
    throw err;
  }
  return {
    name: 'databases',
    stateDb,
    journalDb,
    stop: () => {
      for (const db of [journalDb, stateDb]) if (db.open) db.close();
      lock.release();
    },
    healthy: () => journalDb.open,
  };
}

export interface JournalPart extends Part {
  readonly journal: Journal;
  /** Space given up at the first full commit so that alarms still save (store/disk-reserve.ts). */
  readonly reserve: DiskReserve;
}

export function journalPart(config: Config, journalDb: Db, log: Logger): JournalPart {
  const reserve = new DiskReserve(config.storage.dataDir, DISK_RESERVE_BYTES, log.child({ module: 'disk' }));
  reserve.ensure();
  const journal = new Journal(
    journalDb,
    {
      commitIntervalMs: config.storage.commitIntervalMs,
      maxBatch: config.storage.maxBatch,
      // After a full disk the journal writes again only once twice the reserve is free.
      hasSpace: () => reserve.freeBytes() > 2 * reserve.bytes,
    },
    log.child({ module: 'journal' }),
  );
  return {
    name: 'journal',
    journal,
    reserve,
    // Before any device can connect: the writer thread's boot is not paid by the first readings.
    start: () => log.debug({ ms: Math.round(warmWriter(journal)) }, 'journal writer ready'),
    stop: () => journal.close(),
  };
}

/** Moves a gateway alarm; a save that fails (a full disk, a closed file) is said in the log, not thrown. */
export function systemAlarmGuard(log: Logger): (what: string, move: () => void) => void {
  return (what, move) => {
    try {
      move();
    } catch (err) {
      log.error({ err }, `gateway alarm ${what} could not be saved`);
    }
  };
}

/**
 * Disk full, in the journal or in state.db: a gateway alarm `disk_full` while readings or alarm
 * moves are held, and the disk reserve released so that the alarm itself can be saved. Its own
 * save may meet the full disk too (state.db on the same disk): said in the log, not thrown.
 */
export function diskGuard(journal: JournalPart, saves: AlarmSaver, system: SystemAlarms, log: Logger): Part {
  const { reserve } = journal;
  const systemAlarm = systemAlarmGuard(log);
  const subscriptions = [
    journal.journal.on('diskFull', ({ held }) => {
      const released = reserve.release();
      log.error({ held, reserveReleased: released }, 'data directory disk full: readings held unacknowledged, disk reserve released for alarms');
      systemAlarm('disk_full', () => system.raise('journal', 'disk_full', held));
    }),
    journal.journal.on('diskSpace', () => {
      reserve.ensure();
      systemAlarm('disk_full cleared', () => system.clear('journal', 'disk_full', 0));
    }),
    // An alarm move state.db refuses is held and saved again every second (alarms/pending-saves.ts).
    // A full disk there is the same fault: the reserve goes so the next try has room, and the
    // gateway alarm disk_full (part `state`) lasts until every held move is saved.
    saves.on('saveRefused', ({ err, held }) => {
      if (!isDiskFull(err)) return;
      if (system.isActive('state', 'disk_full')) return; // said once per fault, retried every second
      const released = reserve.release();
      log.error({ heldAlarms: held, reserveReleased: released }, 'data directory disk full: alarm moves held in memory, disk reserve released for them');
      systemAlarm('disk_full', () => system.raise('state', 'disk_full', held));
    }),
    saves.on('heldSaved', () => {
      if (reserve.freeBytes() > 2 * reserve.bytes) reserve.ensure();
      systemAlarm('disk_full cleared', () => system.clear('state', 'disk_full', 0));
    }),
  ];
  return {
    name: 'disk guard',
    stop: () => {
      for (const unsubscribe of subscriptions) unsubscribe();
    },
  };
}

export interface TelemetryPart extends Part {
  readonly store: TelemetryStore;
  readonly drain: DrainLoop;
}

/** storage.influx chooses InfluxDB; the journal is its durable spool either way. */
export function telemetryPart(config: Config, dbs: Databases, journal: Journal, system: SystemAlarms, clock: () => number, log: Logger): TelemetryPart {
  const store: TelemetryStore = config.storage.influx
    ? influxStoreFromConfig(config, dbs, clock, log.child({ module: 'influx' }), {
        onSpoolOverflow: (_dropped, total) => system.raise('spool', 'spool_overflow', total),
        onRejected: (count) => system.pulse('influx', 'influx_rejected', count),
      })
    : // Drain, retention and history run in a worker thread on its own connection to the journal file.
      new ThreadedSqliteTelemetryStore({
        dataDir: config.storage.dataDir,
        synchronous: config.storage.synchronous,
        retention: { retentionDays: config.storage.retentionDays, aggregateRetentionDays: config.storage.aggregateRetentionDays },
        log: log.child({ module: 'telemetry' }),
      });
  const drain = new DrainLoop(
    store,
    journal,
    { intervalMs: config.storage.drainIntervalMs, batchRows: config.storage.influx?.batchRows ?? 20_000, keepMs: config.storage.journalKeepS * 1000 },
    clock,
    log.child({ module: 'drain' }),
  );
  return {
    name: 'telemetry',
    store,
    drain,
    start: () => {
      // Not awaited: a store that is not ready yet logs it and its writes retry.
      void store.prepare?.();
      drain.start();
    },
    stop: async () => {
      try {
        await drain.stop(); // a last full drain
      } finally {
        await store.close();
      }
    },
  };
}
