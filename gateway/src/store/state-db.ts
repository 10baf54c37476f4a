// The state database: devices, alarms and their events, stop-work orders and their commands.
// Nothing a person did (ack, close, lift) may be lost across a crash, so it is always FULL sync.

import { join } from 'node:path';
import { openDb, type Db } from './sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE device_status (
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     state TEXT NOT NULL,
     at_ms INTEGER NOT NULL,
     PRIMARY KEY (site, device)
   ) WITHOUT ROWID;
   CREATE TABLE alarm (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     device TEXT NOT NULL,
     channel TEXT NOT NULL,
     quantity TEXT NOT NULL,
     rule_id TEXT NOT NULL,
     level TEXT NOT NULL,
     peak_level TEXT NOT NULL,
     value REAL NOT NULL,
     peak_value REAL NOT NULL,
     state TEXT NOT NULL,
     raised_at_ms INTEGER NOT NULL,
     updated_at_ms INTEGER NOT NULL,
     cleared_at_ms INTEGER,
     acked_at_ms INTEGER,
     acked_by TEXT,
     closed_at_ms INTEGER,
     closed_by TEXT,
     close_note TEXT
   );
   CREATE INDEX alarm_by_state ON alarm (state);
   CREATE INDEX alarm_by_site_time ON alarm (site, raised_at_ms);
   CREATE TABLE alarm_event (
     id INTEGER PRIMARY KEY,
     alarm_id TEXT NOT NULL REFERENCES alarm (id),
     kind TEXT NOT NULL,
     from_level TEXT,
     to_level TEXT,
     state TEXT NOT NULL,
     value REAL,
     at_ms INTEGER NOT NULL,
     actor TEXT,
     note TEXT
   );
   CREATE INDEX alarm_event_by_alarm ON alarm_event (alarm_id);
   CREATE TABLE stop_work_order (
     id TEXT PRIMARY KEY,
     site TEXT NOT NULL,
     state TEXT NOT NULL,
     reason TEXT NOT NULL,
     alarm_id TEXT NOT NULL,
     issued_at_ms INTEGER NOT NULL,
     lifted_at_ms INTEGER,
     lifted_by TEXT,
     lift_note TEXT
   );
   CREATE INDEX stop_work_order_by_site ON stop_work_order (site, state);
   CREATE TABLE order_command (
     id TEXT PRIMARY KEY,
     order_id TEXT NOT NULL REFERENCES stop_work_order (id),
     device TEXT NOT NULL,
     action TEXT NOT NULL,
     state TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_sent_at_ms INTEGER,
     acked_at_ms INTEGER,
     result TEXT
   );
   CREATE INDEX order_command_by_order ON order_command (order_id);`,
];

export function statePath(dataDir: string): string {
  return join(dataDir, 'state.db');
}

export function openStateDb(dataDir: string): Db {
  return openDb(statePath(dataDir), { synchronous: 'FULL', migrations: MIGRATIONS });
}
