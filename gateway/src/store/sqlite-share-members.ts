// The client ids that have joined the external broker's shared telemetry subscription, in
// state.db. The broker goes on handing readings to a member's persistent session while it is
// offline, so a member the gateway no longer connects (fewer connections after a move to a
// smaller machine, another broker.clientId) would queue its share for nobody. Remembered here, it
// is retired at the next start instead (ingest/mqtt-ingress.ts): drained into the journal, then
// unsubscribed.

import { migrateModule, type Db } from './sqlite.js';

const MIGRATIONS = [
  `CREATE TABLE broker_share_member (
     client_id TEXT PRIMARY KEY,
     filter TEXT NOT NULL
   ) WITHOUT ROWID;`,
];

/** What the external ingress needs of it; tests may hold it in memory. */
export interface ShareMembers {
  /** Members recorded, with the shared filter each one subscribed. */
  list(): { clientId: string; filter: string }[];
  add(clientId: string, filter: string): void;
  remove(clientId: string): void;
}

export class SqliteShareMembers implements ShareMembers {
  private readonly all;
  private readonly put;
  private readonly drop;

  constructor(db: Db) {
    migrateModule(db, 'broker_share_member', MIGRATIONS);
    this.all = db.prepare('SELECT client_id AS clientId, filter FROM broker_share_member ORDER BY client_id');
    this.put = db.prepare('INSERT INTO broker_share_member (client_id, filter) VALUES (?, ?) ON CONFLICT (client_id) DO UPDATE SET filter = excluded.filter');
    this.drop = db.prepare('DELETE FROM broker_share_member WHERE client_id = ?');
  }

  list(): { clientId: string; filter: string }[] {
    return this.all.all() as { clientId: string; filter: string }[];
  }

  add(clientId: string, filter: string): void {
    this.put.run(clientId, filter);
  }

  remove(clientId: string): void {
    this.drop.run(clientId);
  }
}
